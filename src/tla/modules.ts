// Module loading (search path: beside the spec, standard modules, --lib dirs, TLA_PATH) and
// instantiation: EXTENDS merges a module's declarations into one scope; INSTANCE builds a
// fresh scope whose constants/variables are substituted (WITH, or implicitly by name).
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import type { At, Expr, ModuleAst, Param, Unit } from "./ast.ts"
import { TlaError } from "./errors.ts"
import { parseModule } from "./parser.ts"
import type { Builtin } from "./stdlib.ts"
import { alwaysAvailable, standardModules } from "./stdlib.ts"
import type { CNode, CompiledOp } from "./runtime.ts"
import type { Value } from "./values.ts"

export type Entity =
  | { k: "var"; name: string; index: number }
  | { k: "const"; name: string; arity: number; value?: Value; table?: readonly { args: readonly Value[]; value: Value }[]; scope: ModuleScope }
  | DefEntity
  | { k: "builtin"; b: Builtin }
  | { k: "subst"; name: string; expr: Expr; scope: ModuleScope; compiled?: CNode; level?: number }
  | InstanceEntity
  | {
      k: "alias"
      name: string
      target: string
      scope: ModuleScope
      /** The definition the cfg's `name <- target` replaces: what `name` means inside target's own body. */
      original?: Entity
      /** target's definition, its scope seeing `name` as the original (built on first use). */
      resolved?: Entity
    }
  | { k: "theorem"; name: string; expr: Expr | null; scope: ModuleScope }

export interface DefEntity {
  k: "def"
  name: string
  unit: Extract<Unit, { k: "def" } | { k: "fdef" }>
  params: readonly Param[]
  scope: ModuleScope
  compiled?: CompiledOp
  level?: number
  constValue?: Value
  /** For state-level definitions without parameters: the value in state `stateFor`. */
  stateFor?: readonly (Value | undefined)[]
  stateValue?: Value
  recursive?: boolean
}

export interface InstanceEntity {
  k: "instance"
  name: string
  unit: Extract<Unit, { k: "instance" }>
  scope: ModuleScope
  inst?: ModuleScope
}

export class ModuleScope {
  readonly names = new Map<string, Entity>()
  readonly extended = new Set<string>()
  constructor(
    readonly module: ModuleAst,
    readonly world: World,
    /** For instances: resolves a declared constant/variable of the instantiated module. */
    readonly substitute: ((name: string, kind: "const" | "var", arity: number) => Entity) | null,
  ) {}
  get file(): string {
    return this.module.file ?? this.module.name
  }
  get source(): string | undefined {
    return this.module.source
  }
  lookup(name: string): Entity | undefined {
    return this.names.get(name) ?? this.world.resolveAlias(this.names.get(name))
  }
}

/** Everything shared by one checking run: loaded modules, variables, cfg overrides. */
export class World {
  readonly modules = new Map<string, ModuleAst>()
  readonly variables: { name: string; index: number }[] = []
  /** cfg `C <- D` (module "" = the root's namespace) and `C <-[M] D`. */
  readonly overrides = new Map<string, Map<string, string>>()
  /** cfg `C = v`: values for constants (or definitions) of the root's namespace. */
  readonly constValues = new Map<string, Value>()
  /** cfg `F(a) = v` lines: operator constants of the root's namespace given point by point. */
  readonly constOperatorValues = new Map<string, { args: readonly Value[]; value: Value }[]>()
  /** cfg `X = [M]v`, by module name M. */
  readonly moduleConstValues = new Map<string, Map<string, Value>>()
  root: ModuleScope | undefined
  constructor(
    readonly searchDirs: readonly string[],
  ) {}

  resolveAlias(e: Entity | undefined): Entity | undefined {
    return e
  }

  /** Finds and parses a module by name (beside the spec, then the library path). */
  load(name: string, at?: { file: string; at: At; source?: string }): ModuleAst | null {
    const known = this.modules.get(name)
    if (known !== undefined) return known
    if (name in standardModules) return null
    for (const dir of this.searchDirs) {
      const file = join(dir, `${name}.tla`)
      if (existsSync(file)) {
        const m = parseModule(readFileSync(file, "utf8"), file)
        this.register(m)
        return m
      }
    }
    // TLC's monolith specs: a module written after the root module in the same file
    // (MonolithSpecExtractor.module), e.g. `---- MODULE Consensus ----` below the spec's `====`
    for (const m of [...this.modules.values()]) {
      if (m.source === undefined || m.file === undefined) continue
      const text = extractModule(m.source, name)
      if (text === null) continue
      const ast = parseModule(text, m.file)
      this.register(ast)
      return ast
    }
    if (name === "Reals" || name === "TLAPS" || name === "TLCExt") return null
    throw new TlaError("semantic", `cannot find module ${name}`, at?.file, at?.at, at?.source)
  }

  register(m: ModuleAst): void {
    this.modules.set(m.name, m)
    for (const u of m.units) if (u !== null && u.k === "module") {
      u.module.file = m.file
      u.module.source = m.source
      this.register(u.module)
    }
  }

  /** Builds the root scope of `m` (variables and constants are declared here). */
  instantiateRoot(m: ModuleAst): ModuleScope {
    const scope = new ModuleScope(m, this, null)
    this.root = scope
    this.fill(scope, m, true)
    return scope
  }

  private override(scope: ModuleScope, moduleName: string, name: string, isRootNamespace: boolean): Entity | undefined {
    const value = (isRootNamespace ? this.constValues.get(name) : undefined) ?? this.moduleConstValues.get(moduleName)?.get(name)
    if (value !== undefined) return { k: "const", name, arity: 0, value, scope }
    const table = isRootNamespace ? this.constOperatorValues.get(name) : undefined
    if (table !== undefined) return { k: "const", name, arity: table[0]!.args.length, table, scope }
    const target = this.overrides.get(moduleName)?.get(name) ?? (isRootNamespace ? this.overrides.get("")?.get(name) : undefined)
    if (target === undefined || this.root === undefined) return undefined
    return { k: "alias", name, target, scope: this.root }
  }

  /** Adds module `m`'s declarations (after its EXTENDS) to `scope`. */
  fill(scope: ModuleScope, m: ModuleAst, rootNamespace: boolean): void {
    if (scope.extended.has(m.name)) return
    scope.extended.add(m.name)
    for (const [n, b] of Object.entries(alwaysAvailable)) if (!scope.names.has(n)) scope.names.set(n, { k: "builtin", b })
    for (const ext of m.extends) {
      const std = standardModules[ext]
      if (std !== undefined) {
        // a standard module's operators are shared by every module that uses it, so the cfg's
        // `Seq <- BoundedSeq` also holds inside instances (MCMajority: INSTANCE Majority)
        for (const [n, b] of Object.entries(std)) scope.names.set(n, this.override(scope, ext, n, true) ?? { k: "builtin", b })
        if (ext === "Integers") for (const [n, b] of Object.entries(standardModules["Naturals"]!)) if (!scope.names.has(n)) scope.names.set(n, { k: "builtin", b })
        continue
      }
      const em = this.load(ext, { file: m.file ?? m.name, at: [1, 1, 1, 1], source: m.source })
      if (em !== null) this.fill(scope, em, rootNamespace)
    }
    // definitions of an extended module share the scope's names but keep their own file for errors
    const owner = m === scope.module ? scope : (Object.create(scope, { module: { value: m } }) as ModuleScope)
    for (const u of m.units) {
      if (u === null) continue
      this.addUnit(owner, m, u, rootNamespace)
    }
  }

  private addUnit(scope: ModuleScope, m: ModuleAst, u: Unit, rootNamespace: boolean): void {
    switch (u.k) {
      case "variables":
        for (const name of u.names) {
          if (scope.substitute !== null) scope.names.set(name, scope.substitute(name, "var", 0))
          else {
            const index = this.variables.length
            this.variables.push({ name, index })
            scope.names.set(name, { k: "var", name, index })
          }
        }
        return
      case "constants":
        for (const d of u.decls) {
          const o = this.override(scope, m.name, d.name, rootNamespace)
          if (o !== undefined) scope.names.set(d.name, o)
          else if (scope.substitute !== null) scope.names.set(d.name, scope.substitute(d.name, "const", d.arity))
          else scope.names.set(d.name, { k: "const", name: d.name, arity: d.arity, scope })
        }
        return
      case "def":
      case "fdef": {
        const o = this.override(scope, m.name, u.name, rootNamespace)
        const params = u.k === "def" ? u.params : []
        if (o !== undefined) {
          // cfg `Next <- ReDefNext` with ReDefNext == Next /\ ...: inside ReDefNext, Next is the
          // original definition, as in TLC (CyclicRedefine*Test)
          if (o.k === "alias") o.original = { k: "def", name: u.name, unit: u, params, scope }
          scope.names.set(u.name, o)
          return
        }
        scope.names.set(u.name, { k: "def", name: u.name, unit: u, params, scope })
        return
      }
      case "instance": {
        if (u.name !== null) {
          scope.names.set(u.name, { k: "instance", name: u.name, unit: u, scope })
          return
        }
        const inst = this.instantiate(u, scope)
        for (const [n, e] of inst.names) {
          if (e.k === "def" || e.k === "instance" || e.k === "theorem" || (e.k === "alias" && !scope.names.has(n))) {
            if (e.k === "def" && e.unit.local === true) continue
            scope.names.set(n, e)
          }
          if (e.k === "builtin" && !scope.names.has(n)) scope.names.set(n, e)
        }
        return
      }
      case "assume":
        if (u.name !== null) scope.names.set(u.name, { k: "theorem", name: u.name, expr: u.expr, scope })
        return
      case "theorem":
        if (u.name !== null) scope.names.set(u.name, { k: "theorem", name: u.name, expr: u.expr, scope })
        return
      case "recursive":
      case "module":
        return
    }
  }

  /** `I(p, q) == INSTANCE M WITH ...` for given values of p and q: `outer` with them bound. */
  instantiateWith(u: Extract<Unit, { k: "instance" }>, outer: ModuleScope, names: readonly string[], vals: readonly Value[]): ModuleScope {
    const scope = new ModuleScope(outer.module, this, outer.substitute)
    for (const [n, e] of outer.names) scope.names.set(n, e)
    names.forEach((n, i) => scope.names.set(n, { k: "const", name: n, arity: 0, value: vals[i]!, scope }))
    return this.instantiate(u, scope)
  }

  /**
   * `I(a, b)!Op` for `I(p, q) == INSTANCE M ...` with arguments that name no bound variable: the
   * parameters stand for the argument expressions (as a substitution `p <- a`), so a state-level
   * argument is evaluated in whichever state the instance's expression is (`x'` is `a'`), as in TLC.
   */
  instantiateWithExprs(u: Extract<Unit, { k: "instance" }>, outer: ModuleScope, names: readonly string[], args: readonly Expr[], caller: ModuleScope): ModuleScope {
    const scope = new ModuleScope(outer.module, this, outer.substitute)
    for (const [n, e] of outer.names) scope.names.set(n, e)
    names.forEach((n, i) => scope.names.set(n, { k: "subst", name: n, expr: args[i]!, scope: caller }))
    return this.instantiate(u, scope)
  }

  /** A scope for `INSTANCE M WITH ...` inside `outer`. */
  instantiate(u: Extract<Unit, { k: "instance" }>, outer: ModuleScope): ModuleScope {
    const m = this.load(u.module, { file: outer.file, at: [1, 1, 1, 1], source: outer.source })
    const stdOnly: ModuleAst = { name: u.module, extends: [u.module], units: [] }
    const subs = new Map(u.subs.map((s) => [s.name, s.expr]))
    const substitute = (name: string, kind: "const" | "var", arity: number): Entity => {
      const e = subs.get(name)
      if (e !== undefined) {
        if (e.k === "ref" && e.args.length === 0 && e.sel.length === 0 && arity > 0) {
          const target = outer.lookup(e.name)
          if (target !== undefined) return target
        }
        if (e.k === "opname") {
          return { k: "alias", name, target: e.name, scope: outer }
        }
        return { k: "subst", name, expr: e, scope: outer }
      }
      const same = outer.lookup(name)
      if (same === undefined)
        throw new TlaError("semantic", `INSTANCE ${u.module}: no substitution for ${kind === "var" ? "variable" : "constant"} ${name}, and no ${name} in scope`, outer.file, undefined, outer.source)
      return same
    }
    const scope = new ModuleScope(m ?? stdOnly, this, substitute)
    this.fill(scope, m ?? stdOnly, false)
    return scope
  }
}

export const specDir = (file: string): string => dirname(file)

/**
 * The text of module `name` when `source` holds it after another module (from its header line to
 * the end, earlier lines blanked so that positions stay those of the file), else null.
 */
const extractModule = (source: string, name: string): string | null => {
  const lines = source.split("\n")
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const header = new RegExp(`^----+\\s*MODULE\\s+${escaped}\\s*----+\\s*$`)
  const i = lines.findIndex((l) => header.test(l.replace(/\r$/, "")))
  if (i < 0) return null
  return lines.map((l, j) => (j < i ? "" : l)).join("\n")
}
