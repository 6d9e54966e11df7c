// Which state variables a state-level expression reads, found on the syntax tree through the
// definitions it calls. Lets the checker skip an invariant conjunct whose variables hold the
// same (immutable) values as when it last held, e.g. a TypeOK conjunct about a variable the
// action left unchanged.
import type { Expr } from "./ast.ts"
import { collectBound } from "./ast-walk.ts"
import type { Compiler } from "./compile.ts"
import type { DefEntity, Entity, ModuleScope } from "./modules.ts"

/** Variable indices read, or null when unknown (instances, primes, volatile builtins...). */
export type Deps = Set<number> | null

export class StateDeps {
  private readonly defs = new Map<DefEntity | Entity, Deps | "visiting">()
  constructor(private readonly compiler: Compiler) {}

  of(x: Expr, mod: ModuleScope, bound: ReadonlySet<string> = new Set()): Deps {
    const b = new Set(bound)
    collectBound(x, b)
    const out = new Set<number>()
    return this.visit(x, mod, b, out, 0) ? out : null
  }

  private entity(e: Entity, out: Set<number>, depth: number): boolean {
    switch (e.k) {
      case "var":
        out.add(e.index)
        return true
      case "const":
        return true
      case "builtin":
        return e.b.volatile !== true
      case "def": {
        if (!this.defs.has(e)) {
          this.defs.set(e, "visiting") // recursion: give up (unknown), which is always safe
          const inner = new Set<number>()
          const bound = new Set<string>(e.params.map((p) => p.name))
          collectBound(e.unit.body, bound)
          if (e.unit.k === "fdef") for (const b of e.unit.binds) for (const n of b.names) for (const y of typeof n === "string" ? [n] : n) bound.add(y)
          const ok = this.visit(e.unit, e.scope, bound, inner, depth + 1)
          this.defs.set(e, ok ? inner : null)
        }
        const d = this.defs.get(e)!
        if (d === null || d === "visiting") return false
        for (const i of d) out.add(i)
        return true
      }
      case "subst": {
        if (!this.defs.has(e)) {
          this.defs.set(e, "visiting")
          const inner = new Set<number>()
          const bound = new Set<string>()
          collectBound(e.expr, bound)
          this.defs.set(e, this.visit(e.expr, e.scope, bound, inner, depth + 1) ? inner : null)
        }
        const d = this.defs.get(e)!
        if (d === null || d === "visiting") return false
        for (const i of d) out.add(i)
        return true
      }
      default:
        return false
    }
  }

  private visit(n: unknown, mod: ModuleScope, bound: ReadonlySet<string>, out: Set<number>, depth: number): boolean {
    if (n === null || typeof n !== "object") return true
    if (depth > 200) return false
    if (Array.isArray(n)) {
      for (const y of n) if (!this.visit(y, mod, bound, out, depth)) return false
      return true
    }
    const o = n as Record<string, unknown>
    const k = o["k"]
    if (k === "prime" || k === "boxAct" || k === "angleAct") return false
    if (k === "un" && (o["op"] === "ENABLED" || o["op"] === "UNCHANGED")) return false
    if (k === "ref") {
      if ((o["sel"] as unknown[]).length > 0) return false
      const name = o["name"] as string
      if (!bound.has(name)) {
        const e = this.compiler.resolveEntity(mod, name)
        if (e === undefined || !this.entity(e, out, depth)) return false
      }
    }
    if (k === "bin" || k === "un") {
      // user-defined infix / prefix operators
      const e = this.compiler.resolveEntity(mod, o["op"] as string)
      if (e !== undefined && e.k === "def" && !this.entity(e, out, depth)) return false
      if (e !== undefined && e.k === "builtin" && e.b.volatile === true) return false
    }
    for (const [key, val] of Object.entries(o)) if (key !== "at" && key !== "opAt" && typeof val === "object" && !this.visit(val, mod, bound, out, depth)) return false
    return true
  }
}
