import type { Checker, State } from "../../../src/tla/checker.ts"

/** The successors of `s`, each as JSON of its values (numbers and strings only). */
export const successorsOf = (checker: Checker, s: State): string[] => {
  const out: string[] = []
  checker.successors(s, (t) => out.push(JSON.stringify(t)))
  return out
}
