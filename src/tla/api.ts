// Programmatic API for refinement checks: load a spec, then evaluate Init on a state and
// Next (or any action) on a pair of states, with states given as records of variable values.
import { readFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import type { ModelConfig } from "./cfg.ts"
import { parseConfig } from "./cfg.ts"
import { Checker } from "./checker.ts"
import type { CheckOptions, CheckResult } from "./checker.ts"
import { Compiler } from "./compile.ts"
import { TlaError } from "./errors.ts"
import type { Model } from "./model.ts"
import { buildModel, loadWorld } from "./model.ts"
import type { ModuleScope } from "./modules.ts"
import { World } from "./modules.ts"
import { parseModule as parseModuleText } from "./parser.ts"
import { parseExpression } from "./parser.ts"
import type { CNode } from "./runtime.ts"
import { Ctx, asBool } from "./runtime.ts"
import type { Value } from "./values.ts"
import { FcnValue, LazyFcn, ModelValue, SetValue, enumerate, isSetValue, mkRecord, mkSet, mkTuple, modelValue, printValue } from "./values.ts"

export type { Value } from "./values.ts"
export { modelValue, printValue } from "./values.ts"
export { TlaError } from "./errors.ts"

/** A state: one TLA+ value (or plain JS value, converted with toTla) per variable. */
export type StateRecord = Readonly<Record<string, unknown>>

export interface LoadSpecOptions {
  /** A .cfg file (constants, overrides); optional. */
  readonly config?: string
  /** Constant values (plain JS values are converted with toTla; use modelValue(name) for model values). */
  readonly constants?: Readonly<Record<string, unknown>>
  /** Extra library directories for EXTENDS / INSTANCE. */
  readonly libDirs?: readonly string[]
}

/**
 * Converts a plain JS value to a TLA+ value: numbers (integers) -> Int, strings -> STRING,
 * booleans -> BOOLEAN, arrays -> tuples, Set -> set, Map -> function, plain objects -> records,
 * ModelValue and other TLA+ values unchanged.
 */
export const toTla = (x: unknown): Value => {
  if (typeof x === "number") {
    if (!Number.isInteger(x)) throw new TlaError("eval", `${x} is not an integer`)
    return x
  }
  if (typeof x === "string" || typeof x === "boolean") return x
  if (x instanceof ModelValue || x instanceof SetValue || x instanceof FcnValue || x instanceof LazyFcn) return x
  if (Array.isArray(x)) return mkTuple(x.map(toTla))
  if (x instanceof Set) return mkSet([...x].map(toTla))
  if (x instanceof Map) {
    const pairs = [...x.entries()].map(([k, v]) => [toTla(k), toTla(v)] as const)
    return mkSetFcn(pairs)
  }
  if (typeof x === "object" && x !== null) return mkRecord(Object.entries(x).map(([k, v]) => [k, toTla(v)] as const))
  throw new TlaError("eval", `cannot convert ${String(x)} to a TLA+ value`)
}

const mkSetFcn = (pairs: (readonly [Value, Value])[]): Value => {
  const sorted = [...pairs]
  const keys = mkSet(sorted.map((p) => p[0])).elems
  const vals = keys.map((k) => sorted.find((p) => printValue(p[0]) === printValue(k))![1])
  return new FcnValue(keys.every((k, i) => k === i + 1) ? null : keys, vals)
}

/** Converts a TLA+ value back to plain JS (sets -> Set, sequences -> arrays, records -> objects, functions -> Map). */
export const fromTla = (v: Value): unknown => {
  if (typeof v !== "object") return v
  if (v instanceof ModelValue) return v
  if (isSetValue(v)) return new Set(enumerate(v).elems.map(fromTla))
  const f = v instanceof LazyFcn ? v.materialize() : (v as FcnValue)
  if (f.keys === null) return f.vals.map(fromTla)
  if (f.keys.every((k) => typeof k === "string")) return Object.fromEntries(f.keys.map((k, i) => [k as string, fromTla(f.vals[i]!)]))
  return new Map(f.keys.map((k, i) => [fromTla(k), fromTla(f.vals[i]!)]))
}

/** A loaded specification. */
export class TlaSpec {
  private readonly compiler: Compiler
  private readonly cache = new Map<string, CNode>()
  constructor(
    readonly world: World,
    readonly root: ModuleScope,
  ) {
    this.compiler = new Compiler(world)
  }

  /** Variable names in declaration order. */
  get variables(): readonly string[] {
    return this.world.variables.map((v) => v.name)
  }

  private node(text: string): CNode {
    let n = this.cache.get(text)
    if (n === undefined) {
      n = this.compiler.expr(parseExpression(text), { mod: this.root, locals: null })
      this.cache.set(text, n)
    }
    return n
  }

  private toState(s: StateRecord, what: string): Value[] {
    return this.variables.map((name) => {
      if (!(name in s)) throw new TlaError("eval", `${what} has no value for variable ${name}`)
      return toTla(s[name])
    })
  }

  /** Evaluates an expression (TLA+ text) in the state `s` (and next state `t`, for primed variables). */
  evaluate(text: string, s: StateRecord = {}, t?: StateRecord): Value {
    const c = new Ctx(this.variables)
    if (Object.keys(s).length > 0) c.s = this.toState(s, "the state")
    if (t !== undefined) c.p = this.toState(t, "the next state")
    return this.node(text).ev(c, null)
  }

  /** Does `Init` (or another state predicate) hold in `s`? */
  evalInit(s: StateRecord, init = "Init"): boolean {
    return asBool(this.evaluate(init, s), init)
  }

  /** Does action `action` (default Next) hold on the step s -> t (t's values bound to the primed variables)? */
  evalAction(s: StateRecord, t: StateRecord, action = "Next"): boolean {
    return asBool(this.evaluate(action, s, t), action)
  }

  /** Next or a stuttering step (s = t), as in refinement checks. */
  evalNextOrStutter(s: StateRecord, t: StateRecord, action = "Next"): boolean {
    const same = this.variables.every((v) => printValue(toTla(s[v])) === printValue(toTla(t[v])))
    return same || this.evalAction(s, t, action)
  }
}

/** Loads `specFile`; constants come from `opts.config` (a .cfg) and/or `opts.constants`. */
export const loadSpec = (specFile: string, opts: LoadSpecOptions = {}): TlaSpec => {
  let cfg: ModelConfig | null = opts.config === undefined ? null : parseConfig(readFileSync(opts.config, "utf8"), opts.config)
  if (opts.constants !== undefined) {
    cfg ??= parseConfig("", "<constants>")
    for (const [k, v] of Object.entries(opts.constants)) cfg.constants.set(k, toTla(v))
  }
  const { world, root } = loadWorld(specFile, cfg, { libDirs: opts.libDirs ?? [] })
  return new TlaSpec(world, root)
}

/** Builds the model of a spec and its cfg (default: the .cfg beside it). */
export const loadModel = (specFile: string, opts: { config?: string; libDirs?: readonly string[] } = {}): Model => {
  const cfgFile = opts.config ?? join(dirname(specFile), `${basename(specFile, ".tla")}.cfg`)
  return buildModel(specFile, parseConfig(readFileSync(cfgFile, "utf8"), cfgFile), { libDirs: opts.libDirs ?? [] })
}

/** Model-checks a spec with its cfg; returns TLC's figures and the outcome. */
export const checkSpec = (specFile: string, opts: { config?: string; libDirs?: readonly string[] } & CheckOptions = {}): CheckResult =>
  new Checker(loadModel(specFile, opts), opts).run()

let exprSpec: TlaSpec | undefined
/** Evaluates a constant TLA+ expression with the standard modules in scope. */
export const evalExpression = (text: string): Value => {
  if (exprSpec === undefined) {
    const world = new World([])
    const ast = parseModuleText("---- MODULE Expression ----\nEXTENDS Integers, Sequences, FiniteSets, TLC, Bags\n====\n", "<expression>")
    world.register(ast)
    exprSpec = new TlaSpec(world, world.instantiateRoot(ast))
  }
  return exprSpec.evaluate(text)
}
