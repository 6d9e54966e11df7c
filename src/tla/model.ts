// A checkable model: a root module plus a .cfg, compiled into Init, Next, invariants,
// constraints, implied (refinement / action) properties, symmetry and view.
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { At, Expr } from "./ast.ts"
import type { ModelConfig } from "./cfg.ts"
import { Compiler } from "./compile.ts"
import { TlaError } from "./errors.ts"
import type { Entity, ModuleScope } from "./modules.ts"
import { World } from "./modules.ts"
import type { LivenessPlan, TemporalPart } from "./liveness-plan.ts"
import { LivenessPlanBuilder, specFairness } from "./liveness-plan.ts"
import { parseModule } from "./parser.ts"
import { TemporalNormalizer, Unsupported, isTemporal, resolveRef, substitute } from "./temporal.ts"
import type { CNode } from "./runtime.ts"
import { Ctx } from "./runtime.ts"
import type { Value } from "./values.ts"
import { FcnValue, ModelValue, enumerate } from "./values.ts"

export interface Named {
  readonly name: string
  readonly node: CNode
}

export interface Model {
  readonly world: World
  readonly root: ModuleScope
  readonly compiler: Compiler
  readonly varNames: readonly string[]
  readonly init: CNode
  readonly next: CNode
  readonly invariants: readonly Named[]
  readonly constraints: readonly Named[]
  readonly actionConstraints: readonly Named[]
  readonly impliedInits: readonly Named[]
  readonly impliedActions: readonly Named[]
  /** `[]P` conjuncts of PROPERTYs, P a state predicate: checked like invariants. */
  readonly impliedInvariants: readonly Named[]
  readonly liveness: LivenessPlan | null
  readonly assumptions: readonly Named[]
  readonly symmetry: readonly Map<ModelValue, ModelValue>[] | null
  readonly view: CNode | null
  /** ALIAS: a record printed in traces instead of the variables. */
  readonly alias: CNode | null
  readonly checkDeadlock: boolean
  readonly warnings: readonly string[]
  readonly cfg: ModelConfig
}

export interface LoadOptions {
  /** Extra library directories, searched after the spec's own directory. */
  readonly libDirs?: readonly string[]
}

export const searchPath = (specFile: string, libDirs: readonly string[] = []): string[] => {
  const env = process.env["TLA_PATH"]
  return [dirname(resolve(specFile)), ...libDirs.map((d) => resolve(d)), ...(env === undefined || env === "" ? [] : env.split(":"))]
}

/** Parses the root module and registers it (and the modules nested in it). */
export const loadWorld = (specFile: string, cfg: ModelConfig | null, opts: LoadOptions = {}): { world: World; root: ModuleScope } => {
  const text = readFileSync(specFile, "utf8")
  const ast = parseModule(text, specFile)
  const world = new World(searchPath(specFile, opts.libDirs))
  world.register(ast)
  if (cfg !== null) {
    for (const [name, v] of cfg.constants) world.constValues.set(name, v)
    for (const o of cfg.operatorValues) {
      let t = world.constOperatorValues.get(o.name)
      if (t === undefined) world.constOperatorValues.set(o.name, (t = []))
      t.push({ args: o.args, value: o.value })
    }
    for (const o of cfg.moduleValues) {
      let m = world.moduleConstValues.get(o.module)
      if (m === undefined) world.moduleConstValues.set(o.module, (m = new Map()))
      m.set(o.name, o.value)
    }
    for (const o of cfg.overrides) {
      let m = world.overrides.get(o.module)
      if (m === undefined) world.overrides.set(o.module, (m = new Map()))
      m.set(o.name, o.target)
    }
  }
  const root = world.instantiateRoot(ast)
  return { world, root }
}

interface SpecParts {
  init: { expr: Expr; scope: ModuleScope }[]
  box: { action: Expr; sub: Expr; scope: ModuleScope; at: At }[]
  /** `[]P` for a state predicate P (a PROPERTY's are checked as invariants). */
  always: { expr: Expr; scope: ModuleScope }[]
  /** Liveness and fairness parts. */
  temporal: TemporalPart[]
}

const newParts = (): SpecParts => ({ init: [], box: [], always: [], temporal: [] })

/** Splits a temporal formula `Init /\\ [][Next]_v /\\ fairness` into its parts. */
export const splitTemporal = (compiler: Compiler, x: Expr, scope: ModuleScope, parts: SpecParts, depth = 0): void => {
  if (depth > 40) throw new TlaError("semantic", "specification formula nests too deeply", scope.file, x.at, scope.source)
  if (x.k === "junc" && x.op === "/\\") {
    for (const i of x.items) splitTemporal(compiler, i, scope, parts, depth + 1)
    return
  }
  if (x.k === "bin" && x.op === "/\\") {
    splitTemporal(compiler, x.a, scope, parts, depth + 1)
    splitTemporal(compiler, x.b, scope, parts, depth + 1)
    return
  }
  if (x.k === "un" && x.op === "[]" && x.a.k === "boxAct") {
    parts.box.push({ action: x.a.a, sub: x.a.sub, scope, at: x.at })
    return
  }
  // \A p \in S : F(p) over a constant set is the conjunction of the F(p)
  if (x.k === "quant" && x.q === "A" && isTemporal(compiler, x, scope, 0)) {
    let bodies: Expr[] | null = null
    try {
      bodies = new TemporalNormalizer(compiler).expandQuant(x.binds, x.body, scope)
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e
    }
    if (bodies !== null) {
      for (const b of bodies) splitTemporal(compiler, b, scope, parts, depth + 1)
      return
    }
  }
  if (x.k === "un" && x.op === "[]" && !isTemporal(compiler, x.a, scope, 0) && !compiler.isAction(x.a, scope)) {
    parts.always.push({ expr: x.a, scope })
    return
  }
  if (x.k === "ref" && (x.args.length === 0 || x.sel.length > 0)) {
    const target = resolveRef(compiler, x, scope)
    if (target !== null && isTemporal(compiler, target.expr, target.scope, 0)) {
      splitTemporal(compiler, target.expr, target.scope, parts, depth + 1)
      return
    }
  }
  // Op(args) whose body (or argument) is temporal: the body with the arguments substituted
  // (Github1244: SpecNext == Init /\ MyNext([][Next]_vars) with MyNext(n) == n)
  if (x.k === "ref" && x.args.length > 0 && x.sel.length === 0 && isTemporal(compiler, x, scope, 0)) {
    const ent = compiler.resolveEntity(scope, x.name)
    if (ent !== undefined && ent.k === "def" && ent.unit.k === "def" && ent.scope === scope && ent.params.length === x.args.length && ent.params.every((p) => p.arity === 0)) {
      const sub = new Map(ent.params.map((p, i) => [p.name, x.args[i]!]))
      splitTemporal(compiler, substitute(ent.unit.body, sub), scope, parts, depth + 1)
      return
    }
  }
  if (isTemporal(compiler, x, scope, 0)) {
    parts.temporal.push({ expr: x, scope })
    return
  }
  parts.init.push({ expr: x, scope })
}

const where = (p: TemporalPart): string => `${p.scope.module.name} line ${p.expr.at[0]}`

const refExpr = (name: string): Expr => ({ k: "ref", name, args: [], sel: [], at: [0, 0, 0, 0] })

/** Builds the model for `specFile` checked under `cfg`. */
export const buildModel = (specFile: string, cfg: ModelConfig, opts: LoadOptions = {}): Model => {
  const { world, root } = loadWorld(specFile, cfg, opts)
  const compiler = new Compiler(world)
  const warnings: string[] = []
  const cfgFail = (msg: string): never => {
    throw new TlaError("config", msg, specFile)
  }
  const named = (name: string, what: string): Named => {
    if (compiler.resolveEntity(root, name) === undefined) cfgFail(`${what} ${name} is not defined in module ${root.module.name}`)
    return { name, node: compiler.expr(refExpr(name), { mod: root, locals: null }) }
  }
  for (const [name] of cfg.constants) {
    const e = root.names.get(name)
    if (e === undefined) cfgFail(`the .cfg assigns ${name}, which is not declared in module ${root.module.name}`)
  }
  // Constants without values are an error once used; TLC reports them up front.
  for (const [name, e] of root.names) {
    if (e.k === "const" && e.value === undefined && e.arity === 0) cfgFail(`constant ${name} is not assigned a value in the .cfg`)
  }

  let initNode: CNode
  let nextNode: CNode
  const specTemporal: TemporalPart[] = []
  let specNextAction: { expr: Expr; scope: ModuleScope } | null = null
  if (cfg.specification !== undefined) {
    if (compiler.resolveEntity(root, cfg.specification) === undefined) cfgFail(`SPECIFICATION ${cfg.specification} is not defined`)
    const parts = newParts()
    splitTemporal(compiler, refExpr(cfg.specification), root, parts)
    specTemporal.push(...parts.temporal)
    if (parts.always.length > 0) warnings.push(`SPECIFICATION ${cfg.specification}: []P conjuncts are not used to constrain behaviours (${parts.always.map(where).join(", ")})`)
    if (parts.box.length !== 1) cfgFail(`SPECIFICATION ${cfg.specification} must have the form Init /\\ [][Next]_vars (found ${parts.box.length} [][...]_v parts)`)
    const nx = parts.box[0]!
    specNextAction = { expr: nx.action, scope: nx.scope }
    const inits = parts.init.map((p) => compiler.expr(p.expr, { mod: p.scope, locals: null }))
    initNode = conj(inits)
    nextNode = compiler.expr(nx.action, { mod: nx.scope, locals: null })
  } else if (cfg.init === undefined && cfg.next === undefined && world.variables.length === 0) {
    // A constant module with no behaviour spec (e.g. a puzzle solved in an ASSUME): TLC checks
    // the assumptions and reports 0 states.
    initNode = { at: [0, 0, 0, 0], ev: () => false, act: () => {} }
    nextNode = initNode
  } else {
    if (cfg.init === undefined || cfg.next === undefined) cfgFail("the .cfg needs SPECIFICATION or both INIT and NEXT")
    initNode = named(cfg.init!, "INIT").node
    nextNode = named(cfg.next!, "NEXT").node
  }

  const impliedInits: Named[] = []
  const impliedActions: Named[] = []
  const impliedInvariants: Named[] = []
  const fairness = specFairness(compiler, specTemporal)
  // fairness other than WF/SF conjuncts is assumed by the tableau, as TLC does: F => P
  const plan = typeof fairness === "string" ? new LivenessPlanBuilder(compiler, [], root, specNextAction, specTemporal) : new LivenessPlanBuilder(compiler, fairness, root, specNextAction)
  for (const p of cfg.properties) {
    if (compiler.resolveEntity(root, p) === undefined) cfgFail(`PROPERTY ${p} is not defined`)
    const parts = newParts()
    splitTemporal(compiler, refExpr(p), root, parts)
    for (const i of parts.init) impliedInits.push({ name: p, node: compiler.expr(i.expr, { mod: i.scope, locals: null }) })
    for (const b of parts.box) {
      const boxed: Expr = { k: "boxAct", a: b.action, sub: b.sub, at: b.at }
      impliedActions.push({ name: p, node: compiler.expr(boxed, { mod: b.scope, locals: null }) })
    }
    for (const a of parts.always) impliedInvariants.push({ name: p, node: compiler.expr(a.expr, { mod: a.scope, locals: null }) })
    if (parts.temporal.length === 0) continue
    const skipped = `PROPERTY ${p}: liveness parts are not checked (${parts.temporal.map(where).join(", ")})`
    try {
      plan.addProperty(p, parts.temporal)
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e
      warnings.push(`${skipped}: not supported: ${e.message}`)
    }
  }
  const liveness = plan.build()
  if (liveness !== null && cfg.symmetry !== undefined) warnings.push("SYMMETRY with liveness checking: a reported violation may not be a real behaviour (as with TLC)")

  if (cfg.postconditions.length > 0) warnings.push(`POSTCONDITION ${cfg.postconditions.join(", ")} is not checked`)
  const assumptions: Named[] = []
  const collectAssumes = (scope: ModuleScope): void => {
    const seen = new Set<string>()
    const walk = (m: typeof scope.module): void => {
      if (seen.has(m.name)) return
      seen.add(m.name)
      for (const ext of m.extends) {
        const em = world.modules.get(ext)
        if (em !== undefined) walk(em)
      }
      for (const u of m.units)
        if (u !== null && u.k === "assume" && (m === root.module || scope.extended.has(m.name)))
          assumptions.push({ name: u.name ?? `ASSUME line ${u.at[0]} of ${m.name}`, node: compiler.expr(u.expr, { mod: scope, locals: null }) })
    }
    walk(scope.module)
  }
  collectAssumes(root)

  let symmetry: Map<ModelValue, ModelValue>[] | null = null
  if (cfg.symmetry !== undefined) {
    const v = evalConstant(named(cfg.symmetry, "SYMMETRY").node, world)
    symmetry = []
    for (const f of enumerate(v).elems) {
      if (!(f instanceof FcnValue) || f.keys === null) cfgFail(`SYMMETRY ${cfg.symmetry} must be a set of permutations of model values`)
      const m = new Map<ModelValue, ModelValue>()
      const g = f as FcnValue
      for (let i = 0; i < g.size; i++) {
        const k = g.keyAt(i)
        const val = g.vals[i]!
        if (!(k instanceof ModelValue) || !(val instanceof ModelValue)) cfgFail(`SYMMETRY ${cfg.symmetry} must permute model values`)
        if (k !== val) m.set(k as ModelValue, val as ModelValue)
      }
      if (m.size > 0) symmetry.push(m)
    }
    symmetry = closeGroup(symmetry)
  }

  return {
    world,
    root,
    compiler,
    varNames: world.variables.map((v) => v.name),
    init: initNode,
    next: nextNode,
    invariants: cfg.invariants.map((n) => named(n, "INVARIANT")),
    constraints: cfg.constraints.map((n) => named(n, "CONSTRAINT")),
    actionConstraints: cfg.actionConstraints.map((n) => named(n, "ACTION_CONSTRAINT")),
    impliedInits,
    impliedActions,
    impliedInvariants,
    liveness,
    assumptions,
    symmetry,
    view: cfg.view === undefined ? null : named(cfg.view, "VIEW").node,
    alias: cfg.alias === undefined ? null : named(cfg.alias, "ALIAS").node,
    checkDeadlock: cfg.checkDeadlock,
    warnings,
    cfg,
  }
}

const conj = (nodes: readonly CNode[]): CNode => {
  if (nodes.length === 1) return nodes[0]!
  const at = nodes[0]?.at ?? ([0, 0, 0, 0] as const)
  return {
    at,
    ev: (c, e) => nodes.every((n) => n.ev(c, e) === true),
    act: (c, e, k) => {
      const run = (i: number): void => (i === nodes.length ? k() : nodes[i]!.act(c, e, () => run(i + 1)))
      run(0)
    },
  }
}

/** Evaluates a constant-level expression. */
export const evalConstant = (node: CNode, world: World): Value => {
  const c = new Ctx(world.variables.map((v) => v.name))
  return node.ev(c, null)
}

/** All compositions of the given permutations (TLC reduces over the group they generate). */
const closeGroup = (gens: Map<ModelValue, ModelValue>[]): Map<ModelValue, ModelValue>[] => {
  const key = (m: Map<ModelValue, ModelValue>): string =>
    [...m.entries()].filter(([a, b]) => a !== b).map(([a, b]) => `${a.index}>${b.index}`).sort().join(",")
  const compose = (f: Map<ModelValue, ModelValue>, g: Map<ModelValue, ModelValue>): Map<ModelValue, ModelValue> => {
    const out = new Map<ModelValue, ModelValue>()
    const dom = new Set([...f.keys(), ...g.keys()])
    for (const x of dom) {
      const y = g.get(x) ?? x
      const z = f.get(y) ?? y
      if (z !== x) out.set(x, z)
    }
    return out
  }
  const seen = new Map<string, Map<ModelValue, ModelValue>>()
  const queue = [...gens]
  for (const g of gens) seen.set(key(g), g)
  while (queue.length > 0 && seen.size < 50_000) {
    const f = queue.shift()!
    for (const g of gens) {
      const h = compose(f, g)
      const k = key(h)
      if (k !== "" && !seen.has(k)) {
        seen.set(k, h)
        queue.push(h)
      }
    }
  }
  return [...seen.values()]
}
