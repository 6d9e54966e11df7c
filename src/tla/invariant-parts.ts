// Invariants split into their top-level conjuncts, each with the state variables it reads.
// Values are immutable, so a conjunct that held on a state holds again on any state whose
// variables it reads are the very same values (===); each conjunct remembers the values of
// the last state it held on. Successors of one state share most of their variables' values,
// so most conjuncts about unchanged variables are skipped, with the same verdicts as TLC.
import type { Expr } from "./ast.ts"
import { flattenBin } from "./ast-walk.ts"
import type { Model, Named } from "./model.ts"
import type { ModuleScope } from "./modules.ts"
import type { CNode, Ctx } from "./runtime.ts"
import { asBool } from "./runtime.ts"
import { StateDeps } from "./state-deps.ts"
import type { Value } from "./values.ts"

interface Part {
  readonly node: CNode
  /** Variable indices read, or null to evaluate every time. */
  readonly deps: readonly number[] | null
  last: Value[] | null
}

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
          if (!asBool(p.node.ev(c, null), "a conjunct")) return inv.name
          if (deps !== null) {
            const l = (p.last ??= new Array<Value>(deps.length))
            for (let j = 0; j < deps.length; j++) l[j] = s[deps[j]!]!
          }
        }
      return null
    } finally {
      c.s = saved
      c.gen++
    }
  }
}

function split(model: Model, inv: Named, deps: StateDeps): Part[] {
  const ent = model.compiler.resolveEntity(model.root, inv.name)
  if (ent === undefined || ent.k !== "def" || ent.params.length > 0 || ent.unit.k !== "def") return [{ node: inv.node, deps: null, last: null }]
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
    return { node: model.compiler.expr(x, { mod, locals: null }), deps: d === null ? null : [...d].sort((a, b) => a - b), last: null }
  })
}
