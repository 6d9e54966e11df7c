// Small walks over the syntax tree used by the compiler: flattening /\ and \/ chains,
// collecting bound names, and checking whether a definition mentions a name.
import type { Bind, Expr } from "./ast.ts"

export const flattenBin = (x: Expr): Expr[] => {
  if (x.k === "bin" && (x.op === "/\\" || x.op === "\\/")) {
    const op = x.op
    const out: Expr[] = []
    const go = (y: Expr): void => {
      if (y.k === "bin" && y.op === op) {
        go(y.a)
        go(y.b)
      } else out.push(y)
    }
    go(x)
    return out
  }
  return [x]
}

export const collectBound = (x: unknown, out: Set<string>): void => {
  if (x === null || typeof x !== "object") return
  if (Array.isArray(x)) {
    for (const y of x) collectBound(y, out)
    return
  }
  const o = x as Record<string, unknown>
  const addBound = (b: unknown): void => {
    if (typeof b === "string") out.add(b)
    else if (Array.isArray(b)) for (const y of b) if (typeof y === "string") out.add(y)
  }
  switch (o["k"]) {
    case "quant":
    case "setmap":
    case "fcn":
      for (const b of o["binds"] as Bind[]) for (const n of b.names) addBound(n)
      break
    case "uquant":
      for (const n of o["names"] as string[]) out.add(n)
      break
    case "choose":
    case "setfilter":
      addBound(o["binder"])
      break
    case "lambda":
      for (const n of o["params"] as string[]) out.add(n)
      break
    case "def":
    case "fdef":
      out.add(o["name"] as string)
      for (const p of (o["params"] as { name: string }[] | undefined) ?? []) out.add(p.name)
      for (const b of (o["binds"] as Bind[] | undefined) ?? []) for (const n of b.names) addBound(n)
      break
  }
  for (const [k, v] of Object.entries(o)) if (k !== "at" && k !== "opAt") collectBound(v, out)
}

export const mentions = (x: unknown, name: string): boolean => {
  if (x === null || typeof x !== "object") return false
  if (Array.isArray(x)) return x.some((y) => mentions(y, name))
  const o = x as Record<string, unknown>
  if (o["k"] === "ref" && o["name"] === name) return true
  return Object.entries(o).some(([k, v]) => k !== "at" && mentions(v, name))
}

