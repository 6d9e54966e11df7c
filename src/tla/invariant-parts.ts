// Invariants split into their top-level conjuncts, each with the state variables it reads.
// A conjunct is a function of those variables' values, so it holds again wherever they are
// equal to values it held on: each conjunct remembers the values of the last state it held
// on (compared with ===: successors of one state share most of their variables' values) and,
// while that pays off, a table of the value combinations it held on, looked up by hash and
// compared with `=` (e.g. a Linearizability conjunct over the few possible histories).
import type { Expr } from "./ast.ts"
import { flattenBin } from "./ast-walk.ts"
import type { Model, Named } from "./model.ts"
import type { ModuleScope } from "./modules.ts"
import type { CNode, Ctx } from "./runtime.ts"
import { asBool } from "./runtime.ts"
import { StateDeps } from "./state-deps.ts"
import type { Value } from "./values.ts"
import { hashLo, hashValue, valueEquals } from "./values.ts"

interface Part {
  readonly node: CNode
  /** Variable indices read, or null to evaluate every time. */
  readonly deps: readonly number[] | null
  last: Value[] | null
  /** Value combinations the conjunct held on, by hash; null once it stopped paying off. */
  table: Map<number, Value[][]> | null
  lookups: number
  hits: number
}

/** Table lookups after which a table that hit less than 1 in 8 times is dropped. */
const TRIAL = 2048
const MAX_ENTRIES = 1 << 16

interface Invariant {
  readonly name: string
  readonly parts: readonly Part[]
}

export class InvariantParts {
  private readonly invariants: Invariant[]

  constructor(model: Model) {
    const deps = new StateDeps(model.compiler)
    this.invariants = model.invariants.map((inv) => ({ name: inv.name, parts: split(model, inv, deps) }))
  }

  /** The name of the first invariant violated by state `s` (evaluated in ctx `c`), or null. */
  firstViolated(c: Ctx, s: readonly Value[]): string | null {
    const saved = c.s
    c.s = s as Value[]
    c.gen++
    try {
      for (const inv of this.invariants)
        for (const p of inv.parts) {
          const deps = p.deps
          const last = p.last
          if (deps !== null && last !== null) {
            let same = true
            for (let j = 0; j < deps.length; j++)
              if (s[deps[j]!] !== last[j]) {
                same = false
                break
              }
            if (same) continue
          }
          let key = 0
          const table = p.table
          if (deps !== null && table !== null) {
            key = depsHash(s, deps)
            p.lookups++
            if (findEqual(table.get(key), s, deps)) {
              p.hits++
              remember(p, s, deps)
              continue
            }
            if (p.lookups === TRIAL && p.hits * 8 < p.lookups) p.table = null
          }
          if (!asBool(p.node.ev(c, null), "a conjunct")) return inv.name
          if (deps !== null) {
            remember(p, s, deps)
            const t = p.table
            if (t !== null) {
              if (t.size >= MAX_ENTRIES) t.clear()
              const row = deps.map((d) => s[d]!)
              const bucket = t.get(key)
              if (bucket === undefined) t.set(key, [row])
              else bucket.push(row)
            }
          }
        }
      return null
    } finally {
      c.s = saved
      c.gen++
    }
  }
}

function remember(p: Part, s: readonly Value[], deps: readonly number[]): void {
  const l = (p.last ??= new Array<Value>(deps.length))
  for (let j = 0; j < deps.length; j++) l[j] = s[deps[j]!]!
}

function depsHash(s: readonly Value[], deps: readonly number[]): number {
  let a = 0x3c6ef372
  for (let j = 0; j < deps.length; j++) {
    const h = hashValue(s[deps[j]!]!)
    a = Math.imul(a ^ h, 0x01000193) ^ hashLo
  }
  return a
}

function findEqual(bucket: Value[][] | undefined, s: readonly Value[], deps: readonly number[]): boolean {
  if (bucket === undefined) return false
  outer: for (const row of bucket) {
    for (let j = 0; j < deps.length; j++) if (!sameValue(row[j]!, s[deps[j]!]!)) continue outer
    return true
  }
  return false
}

/** `=`, except that values of different kinds are just different here (no error). */
function sameValue(a: Value, b: Value): boolean {
  try {
    return valueEquals(a, b)
  } catch {
    return false
  }
}

function split(model: Model, inv: Named, deps: StateDeps): Part[] {
  const ent = model.compiler.resolveEntity(model.root, inv.name)
  if (ent === undefined || ent.k !== "def" || ent.params.length > 0 || ent.unit.k !== "def") return [{ node: inv.node, deps: null, last: null, table: null, lookups: 0, hits: 0 }]
  const items: { x: Expr; mod: ModuleScope }[] = []
  const expand = (x: Expr, mod: ModuleScope, depth: number): void => {
    const conj = x.k === "junc" && x.op === "/\\" ? x.items : x.k === "bin" && x.op === "/\\" ? flattenBin(x) : null
    if (conj !== null) {
      for (const y of conj) expand(y, mod, depth)
      return
    }
    if (x.k === "ref" && x.args.length === 0 && x.sel.length === 0 && depth < 8) {
      const e = model.compiler.resolveEntity(mod, x.name)
      if (e !== undefined && e.k === "def" && e.params.length === 0 && e.unit.k === "def") {
        const b = e.unit.body
        if ((b.k === "junc" && b.op === "/\\") || (b.k === "bin" && b.op === "/\\")) {
          expand(b, e.scope, depth + 1)
          return
        }
      }
    }
    items.push({ x, mod })
  }
  expand(ent.unit.body, ent.scope, 0)
  return items.map(({ x, mod }) => {
    const d = deps.of(x, mod)
    const sorted = d === null ? null : [...d].sort((a, b) => a - b)
    return { node: model.compiler.expr(x, { mod, locals: null }), deps: sorted, last: null, table: sorted === null ? null : new Map(), lookups: 0, hits: 0 }
  })
}
