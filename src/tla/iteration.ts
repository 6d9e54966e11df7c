// Runtime iteration helpers of the evaluator: environment lookup, binding quantified
// values (including tuple binders), iterating over domains, and enumerating conjunctions of
// actions in continuation-passing style.
import type { Bound } from "./ast.ts"
import { evalError } from "./errors.ts"
import type { Binding, CNode, Cont } from "./runtime.ts"
import { Ctx, Env, asBool } from "./runtime.ts"
import type { Value } from "./values.ts"
import { asFcn, enumerate, isSetValue, printValue } from "./values.ts"

export const lookupEnv = (e: Env | null, depth: number): Binding => {
  let x = e!
  for (let i = 0; i < depth; i++) x = x.up!
  return x.v
}

/** Calls an operator binding (closure or native) on already-evaluated arguments. */
export const bindValue = (b: Bound, v: Value, e: Env | null): Env => {
  if (typeof b === "string") return new Env(v, e)
  const t = asFcn(v)
  if (t.keys !== null || t.size !== b.length) throw evalError(`cannot bind ${printValue(v)} to the tuple <<${b.join(", ")}>>`)
  let env = e
  for (let i = 0; i < b.length; i++) env = new Env(t.vals[i]!, env)
  return env!
}

/** Enumerates items[i..] as a conjunction of actions. */
export function actChain(items: readonly CNode[], i: number, c: Ctx, e: Env | null, k: Cont): void {
  const n = items.length
  for (;;) {
    if (i === n) return k()
    // TLC's allAssigned fast path (Tool.getInitStates, getNextStatesAllAssigned): once every
    // variable (in Init) or every primed variable (in Next) has a value, the conjuncts still to
    // come are evaluated as conditions, so a disjunction or \E among them yields one state, not one
    // per true disjunct or witness.
    if (i > 0 && allAssigned(c)) {
      for (; i < n; i++) if (!asBool(items[i]!.ev(c, e), "a conjunct")) return
      return k()
    }
    if (c.init || items[i]!.pure !== true) break
    if (!asBool(items[i]!.ev(c, e), "a conjunct")) return
    i++
  }
  items[i]!.act(c, e, () => actChain(items, i + 1, c, e, k))
}

const allAssigned = (c: Ctx): boolean => {
  const vals = c.init ? c.s : c.p
  for (let j = 0; j < vals.length; j++) if (vals[j] === undefined) return false
  return true
}

/** Enumerates `body` under each environment of envs[i..] as a conjunction. */
export function actEach(body: CNode, envs: readonly (Env | null)[], i: number, c: Ctx, k: Cont): void {
  if (i === envs.length) k()
  else body.act(c, envs[i]!, () => actEach(body, envs, i + 1, c, k))
}

/** Iterates over all combinations of bound values; `f` returns true to stop early. */
export function forEachBinding(
  c: Ctx,
  e: Env | null,
  binders: readonly Bound[],
  sets: readonly CNode[],
  f: (env: Env | null) => boolean,
): void {
  if (binders.length === 1) {
    const v = sets[0]!.ev(c, e)
    if (!isSetValue(v)) throw evalError(`expected a set to quantify over but found ${printValue(v)}`)
    const elems = enumerate(v).elems
    const b = binders[0]!
    if (typeof b === "string") {
      for (let i = 0; i < elems.length; i++) if (f(new Env(elems[i]!, e))) return
    } else for (let i = 0; i < elems.length; i++) if (f(bindValue(b, elems[i]!, e))) return
    return
  }
  const domains: (readonly Value[])[] = []
  for (const s of sets) {
    const v = s.ev(c, e)
    if (!isSetValue(v)) throw evalError(`expected a set to quantify over but found ${printValue(v)}`)
    domains.push(enumerate(v).elems)
  }
  bindLoop(binders, domains, 0, e, f)
}

function bindLoop(binders: readonly Bound[], domains: readonly (readonly Value[])[], i: number, env: Env | null, f: (env: Env | null) => boolean): boolean {
  if (i === binders.length) return f(env)
  const b = binders[i]!
  for (const v of domains[i]!) if (bindLoop(binders, domains, i + 1, bindValue(b, v, env), f)) return true
  return false
}

