// Temporal formulas of a PROPERTY (and the fairness of a SPECIFICATION) as the lasso
// patterns the liveness search looks for. A pattern describes a set of behaviours by
// conditions on a lasso (a path from an initial state into a cycle):
//   init     hold at the first state;
//   always   hold at every state;
//   triggers stages in order: a later state satisfies `at` and `then`, and so does every
//            state after it with `then` (up to the next stage's state, and forever for the last);
//   persist  hold at every state and step of the cycle (<>[]);
//   recur    hold at some state or step of the cycle ([]<>);
//   fair     weak/strong fairness the behaviour satisfies.
// `negate(F)` gives the patterns of the behaviours that violate F, `affirm(F)` those that
// satisfy it; conjunction and disjunction combine them. Supported: <>P, []P, []<>P, <>[]P,
// P ~> Q, WF/SF, ~, /\, \/, =>, \A/\E over constant sets, and definitions (with arguments)
// whose bodies are such formulas; anything else is reported as unsupported.
import type { Bind, Expr } from "./ast.ts"
import { TlaError } from "./errors.ts"
import type { Compiler } from "./compile.ts"
import { literal } from "./compile.ts"
import type { Entity, ModuleScope } from "./modules.ts"
import { Ctx } from "./runtime.ts"
import type { Value } from "./values.ts"
import { FcnValue, enumerate } from "./values.ts"

/** A state or action predicate and the scope it is compiled in. */
export interface TPred {
  readonly expr: Expr
  readonly scope: ModuleScope
}

/** WF_sub(action) or SF_sub(action). */
export interface TFair {
  readonly strong: boolean
  readonly action: Expr
  readonly sub: Expr
  readonly scope: ModuleScope
}

export interface Pattern {
  readonly init: readonly TPred[]
  readonly always: readonly TPred[]
  readonly triggers: readonly Stage[]
  readonly persist: readonly TPred[]
  readonly recur: readonly TPred[]
  readonly fair: readonly TFair[]
}

export interface Stage {
  readonly at: readonly TPred[]
  readonly then: readonly TPred[]
}

export class Unsupported extends Error {}

const EMPTY: Pattern = { init: [], always: [], triggers: [], persist: [], recur: [], fair: [] }
const only = (p: Partial<Pattern>): Pattern[] => [{ ...EMPTY, ...p }]

/** Every order of two sequences of stages that keeps each one's own order. */
const interleavings = (a: readonly Stage[], b: readonly Stage[]): Stage[][] => {
  if (a.length === 0) return [[...b]]
  if (b.length === 0) return [[...a]]
  return [...interleavings(a.slice(1), b).map((r) => [a[0]!, ...r]), ...interleavings(a, b.slice(1)).map((r) => [b[0]!, ...r])]
}

/** Behaviours of both patterns: their stages reached in any order (one per pattern returned). */
const merge = (a: Pattern, b: Pattern): Pattern[] => {
  if (a.triggers.length + b.triggers.length > 12) throw new Unsupported("too many eventualities that must hold together")
  return interleavings(a.triggers, b.triggers).map((triggers) => ({
    init: [...a.init, ...b.init],
    always: [...a.always, ...b.always],
    triggers,
    persist: [...a.persist, ...b.persist],
    recur: [...a.recur, ...b.recur],
    fair: [...a.fair, ...b.fair],
  }))
}

/** The behaviours that at some point go on as a behaviour of `ps` does from its start (<>). */
const shift = (ps: readonly Pattern[]): Pattern[] =>
  ps.map((p) => {
    const stage = p.init.length + p.always.length > 0 ? [{ at: p.init, then: p.always }] : []
    return { ...EMPTY, triggers: [...stage, ...p.triggers], persist: p.persist, recur: p.recur, fair: p.fair }
  })

/** Behaviours in both sets. */
export const both = (as: readonly Pattern[], bs: readonly Pattern[]): Pattern[] => {
  // counted before anything is built: each pair of patterns gives one per interleaving of their stages
  let count = 0
  for (const a of as) for (const b of bs) if ((count += choose(a.triggers.length + b.triggers.length, a.triggers.length)) > 10_000) break
  if (count > 10_000) throw new Unsupported("the property expands into too many cases")
  return as.flatMap((a) => bs.flatMap((b) => merge(a, b)))
}

/** n choose k, for counting interleavings (small arguments). */
const choose = (n: number, k: number): number => {
  let r = 1
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i
  return Math.round(r)
}

const not = (x: Expr): Expr => ({ k: "un", op: "~", a: x, at: x.at })
const and = (items: readonly Expr[]): Expr => (items.length === 1 ? items[0]! : { k: "junc", op: "/\\", items, at: items[0]?.at ?? [0, 0, 0, 0] })
const or = (items: readonly Expr[]): Expr => (items.length === 1 ? items[0]! : { k: "junc", op: "\\/", items, at: items[0]?.at ?? [0, 0, 0, 0] })

/** `~g` with the negation moved inside [], <>, ~, /\, \/ and => (so ~<>P is []~P). */
const pushNot = (g: Expr): Expr => {
  if (g.k === "un" && g.op === "~") return g.a
  if (g.k === "un" && g.op === "<>") return { k: "un", op: "[]", a: not(g.a), at: g.at }
  if (g.k === "un" && g.op === "[]") return { k: "un", op: "<>", a: not(g.a), at: g.at }
  if ((g.k === "junc" || g.k === "bin") && (g.op === "/\\" || g.op === "\\/")) {
    const items = g.k === "junc" ? g.items : [g.a, g.b]
    return g.op === "/\\" ? or(items.map(not)) : and(items.map(not))
  }
  if (g.k === "bin" && g.op === "=>") return and([g.a, not(g.b)])
  return not(g)
}

/** `g` with a leading negation pushed inside (see pushNot). */
const normalNot = (g: Expr): Expr => (g.k === "un" && g.op === "~" ? pushNot(g.a) : g)
const enabledOf = (f: TFair): Expr => ({ k: "un", op: "ENABLED", a: { k: "angleAct", a: f.action, sub: f.sub, at: f.action.at }, at: f.action.at })
const stepOf = (f: TFair): Expr => ({ k: "angleAct", a: f.action, sub: f.sub, at: f.action.at })

/** The predicates a fairness condition is checked with: ENABLED <<A>>_v and <<A>>_v. */
export const fairnessPreds = (f: TFair): { enabled: TPred; step: TPred } => ({
  enabled: { expr: enabledOf(f), scope: f.scope },
  step: { expr: stepOf(f), scope: f.scope },
})

export class TemporalNormalizer {
  constructor(private readonly compiler: Compiler) {}

  /** Patterns of the behaviours that violate `x`. */
  negate(x: Expr, scope: ModuleScope, depth = 0): Pattern[] {
    return this.patterns(x, scope, false, depth)
  }

  /** Patterns of the behaviours that satisfy `x`. */
  affirm(x: Expr, scope: ModuleScope, depth = 0): Pattern[] {
    return this.patterns(x, scope, true, depth)
  }

  private patterns(x: Expr, scope: ModuleScope, pos: boolean, depth: number): Pattern[] {
    if (depth > 60) throw new Unsupported("the formula nests too deeply")
    const again = (y: Expr, p: boolean, sc: ModuleScope = scope): Pattern[] => this.patterns(y, sc, p, depth + 1)
    if (!this.isTemporal(x, scope)) {
      if (this.compiler.isAction(x, scope)) throw new Unsupported(`an action formula outside [] or <> (line ${x.at[0]})`)
      return only({ init: [{ expr: pos ? x : not(x), scope }] })
    }
    const andOr = (items: readonly Expr[], conj: boolean): Pattern[] => {
      // violating A /\ B = violating A or violating B; satisfying it = satisfying both
      // (over no items: the empty pattern, every behaviour; \A over {} is TRUE)
      if (conj === pos) return items.map((i) => again(i, pos)).reduce((acc, ps) => both(acc, ps), [EMPTY])
      return items.flatMap((i) => again(i, pos))
    }
    switch (x.k) {
      case "junc":
        return andOr(x.items, x.op === "/\\")
      case "bin":
        if (x.op === "/\\" || x.op === "\\/") return andOr([x.a, x.b], x.op === "/\\")
        if (x.op === "=>") return pos ? [...again(x.a, false), ...again(x.b, true)] : both(again(x.a, true), again(x.b, false))
        if (x.op === "~>") return this.leadsTo(x.a, x.b, scope, pos)
        break
      case "un":
        if (x.op === "~") return again(x.a, !pos)
        if (x.op === "[]") return this.box(x.a, scope, pos, depth)
        if (x.op === "<>") return this.diamond(x.a, scope, pos, depth)
        break
      case "fair": {
        const f: TFair = { strong: x.kind === "SF_", action: x.a, sub: x.sub, scope }
        if (pos) return only({ fair: [f] })
        const { enabled, step } = fairnessPreds(f)
        const noStep = { expr: not(step.expr), scope }
        // WF violated: eventually always enabled and never taken; SF: enabled infinitely often, never taken
        return f.strong ? only({ recur: [enabled], persist: [noStep] }) : only({ persist: [enabled, noStep] })
      }
      case "quant": {
        const cases = this.expandQuant(x.binds, x.body, scope)
        const conj = x.q === "A"
        return andOr(cases, conj)
      }
      case "ref": {
        const t = this.expand(x, scope)
        if (t !== null) return again(t.expr, pos, t.scope)
        break
      }
      case "if":
        // a state condition at the start choosing the formula: (c /\ t) \/ (~c /\ f)
        if (this.isTemporal(x.c, scope)) break
        return again(or([and([x.c, x.t]), and([not(x.c), x.f])]), pos)
      case "case": {
        if (x.arms.some(([c]) => this.isTemporal(c, scope))) break
        // the first arm whose condition holds (none holding and no OTHER: the formula is FALSE)
        const arms: Expr[] = []
        const before: Expr[] = []
        for (const [c, e] of x.arms) {
          arms.push(and([...before.map(not), c, e]))
          before.push(c)
        }
        if (x.other !== null) arms.push(and([...before.map(not), x.other]))
        return again(or(arms), pos)
      }
      case "let": {
        // LET names without parameters stand for their definitions
        const sub = new Map<string, Expr>()
        for (const d of x.defs) {
          if (d.k !== "def" || d.params.length > 0) throw new Unsupported(`a LET with operator or function definitions around a temporal formula (line ${x.at[0]})`)
          sub.set(d.name, substitute(d.body, sub))
        }
        return again(substitute(x.body, sub), pos)
      }
    }
    throw new Unsupported(`the temporal formula at line ${x.at[0]} of ${scope.module.name}`)
  }

  private box(g: Expr, scope: ModuleScope, pos: boolean, depth: number): Pattern[] {
    g = normalNot(this.unfold(g, scope))
    if (!this.isTemporal(g, scope)) {
      if (g.k === "boxAct") throw new Unsupported(`[][A]_v inside a formula (line ${g.at[0]})`)
      if (this.compiler.isAction(g, scope)) throw new Unsupported(`[] of an action (line ${g.at[0]})`)
    }
    if (g.k === "un" && g.op === "<>") {
      const h = this.unfold(g.a, scope)
      if (!this.isTemporal(h, scope)) return pos ? only({ recur: [{ expr: h, scope }] }) : only({ persist: [{ expr: not(h), scope }] })
    }
    // violating []G: at some point G is violated from there on
    if (!pos) return shift(this.patterns(g, scope, false, depth + 1))
    if (!this.isTemporal(g, scope)) return only({ always: [{ expr: g, scope }] })
    if (g.k === "un" && g.op === "[]") return this.box(g.a, scope, pos, depth + 1)
    if ((g.k === "junc" || g.k === "bin") && g.op === "/\\") {
      const items = g.k === "junc" ? g.items : [g.a, g.b]
      return this.patterns({ k: "junc", op: "/\\", items: items.map((i) => ({ k: "un", op: "[]", a: i, at: i.at })), at: g.at }, scope, pos, depth + 1)
    }
    if (g.k === "quant" && g.q === "A")
      return this.patterns({ k: "quant", q: "A", binds: g.binds, body: { k: "un", op: "[]", a: g.body, at: g.body.at }, at: g.at }, scope, pos, depth + 1)
    throw new Unsupported(`[] over the temporal formula at line ${g.at[0]} of ${scope.module.name}, assumed rather than checked`)
  }

  private diamond(g: Expr, scope: ModuleScope, pos: boolean, depth: number): Pattern[] {
    g = normalNot(this.unfold(g, scope))
    if (!this.isTemporal(g, scope) && this.compiler.isAction(g, scope)) throw new Unsupported(`<> of an action (line ${g.at[0]})`)
    if (g.k === "un" && g.op === "[]") {
      const h = this.unfold(g.a, scope)
      if (!this.isTemporal(h, scope)) return pos ? only({ persist: [{ expr: h, scope }] }) : only({ recur: [{ expr: not(h), scope }] })
    }
    // satisfying <>G: at some point G holds from there on; violating it: []~G
    if (pos) return shift(this.patterns(g, scope, true, depth + 1))
    return this.box(not(g), scope, true, depth + 1)
  }

  private leadsTo(p: Expr, q: Expr, scope: ModuleScope, pos: boolean): Pattern[] {
    if (pos) throw new Unsupported(`~> assumed rather than checked (line ${p.at[0]})`)
    // P ~> Q is [](P => <>Q)
    const implies: Expr = { k: "bin", op: "=>", a: p, b: { k: "un", op: "<>", a: q, at: q.at }, at: p.at, opAt: p.at }
    return shift(this.patterns(implies, scope, false, 0))
  }

  /** A definition's body when `x` names one whose body is temporal (arguments substituted); else `x`. */
  private unfold(x: Expr, scope: ModuleScope): Expr {
    for (let i = 0; i < 20 && x.k === "ref"; i++) {
      const t = this.expand(x, scope)
      if (t === null || t.scope !== scope) return x
      x = t.expr
    }
    return x
  }

  /** The body of the definition `x` refers to, arguments substituted, when it is temporal. */
  expand(x: Extract<Expr, { k: "ref" }>, scope: ModuleScope): { expr: Expr; scope: ModuleScope } | null {
    if (x.args.length > 0 && x.sel.length === 0) {
      const ent: Entity | undefined = this.compiler.resolveEntity(scope, x.name)
      if (ent === undefined || ent.k !== "def" || ent.unit.k !== "def" || ent.params.length !== x.args.length) return null
      if (ent.params.some((p) => p.arity > 0)) return null
      if (!this.isTemporal(ent.unit.body, ent.scope)) return null
      if (ent.scope !== scope && x.args.some((a) => a.k !== "lit")) throw new Unsupported(`${x.name}(...) from another module with non-constant arguments`)
      const sub = new Map(ent.params.map((p, i) => [p.name, x.args[i]!]))
      return { expr: substitute(ent.unit.body, sub), scope: ent.scope }
    }
    const t = resolveRef(this.compiler, x, scope)
    if (t === null || !this.isTemporal(t.expr, t.scope)) return null
    return t
  }

  /** One body per element of the bound sets (constant sets only), the bound names replaced by the elements. */
  expandQuant(binds: readonly Bind[], body: Expr, scope: ModuleScope): Expr[] {
    let bodies: Expr[] = [body]
    for (const b of binds) {
      let set: Value
      try {
        const node = this.compiler.expr(b.set, { mod: scope, locals: null })
        set = node.ev(new Ctx(this.compiler.world.variables.map((v) => v.name)), null)
      } catch (e) {
        throw new Unsupported(`a quantifier over a set that is not constant (line ${b.set.at[0]}: ${e instanceof Error ? e.message : String(e)})`)
      }
      const elems = enumerate(set).elems
      if (elems.length > 1000) throw new Unsupported(`a quantifier over ${elems.length} elements`)
      for (const name of b.names) {
        const next: Expr[] = []
        for (const v of elems) {
          const sub = new Map<string, Expr>()
          if (typeof name === "string") sub.set(name, literal(v, b.set.at))
          else {
            const parts = tupleParts(v, name.length)
            if (parts === null) throw new Unsupported(`a tuple binder over a set of non-tuples (line ${b.set.at[0]})`)
            name.forEach((n, i) => sub.set(n, literal(parts[i]!, b.set.at)))
          }
          for (const bd of bodies) next.push(substitute(bd, sub))
        }
        bodies = next
      }
    }
    return bodies
  }

  isTemporal(x: unknown, scope: ModuleScope): boolean {
    return isTemporal(this.compiler, x, scope, 0)
  }
}


const tupleParts = (v: Value, n: number): readonly Value[] | null =>
  v instanceof FcnValue && v.keys === null && v.vals.length === n ? v.vals : null

/** `x` with the free occurrences of the names in `sub` replaced (bound names shadow). */
export const substitute = (x: Expr, sub: ReadonlyMap<string, Expr>): Expr => {
  if (sub.size === 0) return x
  const without = (names: Iterable<string>): ReadonlyMap<string, Expr> => {
    let m: Map<string, Expr> | null = null
    for (const n of names)
      if (sub.has(n)) {
        m ??= new Map(sub)
        m.delete(n)
      }
    return m ?? sub
  }
  const boundNames = (bs: readonly Bind[]): string[] => bs.flatMap((b) => b.names.flatMap((n) => (typeof n === "string" ? [n] : [...n])))
  const go = (y: unknown, s: ReadonlyMap<string, Expr>): unknown => {
    if (y === null || typeof y !== "object") return y
    if (Array.isArray(y)) return y.map((z) => go(z, s))
    const o = y as Record<string, unknown>
    if (o["k"] === "ref" && (o["args"] as unknown[]).length === 0 && (o["sel"] as unknown[]).length === 0 && s.has(o["name"] as string)) return s.get(o["name"] as string)
    let inner = s
    switch (o["k"]) {
      case "quant":
      case "setmap":
      case "fcn":
        inner = without(boundNames(o["binds"] as Bind[]))
        break
      case "choose":
      case "setfilter": {
        const b = o["binder"] as string | string[]
        inner = without(typeof b === "string" ? [b] : b)
        break
      }
      case "lambda":
        inner = without(o["params"] as string[])
        break
      case "let":
        inner = without((o["defs"] as { name?: string }[]).flatMap((d) => (d.name === undefined ? [] : [d.name])))
        break
    }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) {
      // a quantifier's sets are outside its own binding
      if ((k === "binds" || k === "set") && inner !== s) out[k] = go(v, s)
      else out[k] = k === "at" || k === "opAt" ? v : go(v, inner)
    }
    return out
  }
  return go(x, sub) as Expr
}

// ---------------------------------------------------------------- definitions

export const resolveRef = (compiler: Compiler, x: Extract<Expr, { k: "ref" }>, scope: ModuleScope): { expr: Expr; scope: ModuleScope } | null => {
  let ent: Entity | undefined = compiler.resolveEntity(scope, x.name)
  let sels = x.sel
  if (x.args.length > 0) {
    // I(a)!Spec for a parameterized instance I(p) == INSTANCE M
    const first = sels[0]
    if (ent === undefined || ent.k !== "instance" || ent.unit.params.length !== x.args.length || first === undefined || !("name" in first)) return null
    ent = compiler.resolveEntity(compiler.paramInstanceScope(ent, x.args, scope), first.name)
    sels = sels.slice(1)
  }
  for (const s of sels) {
    if (ent === undefined || !("name" in s) || ent.k !== "instance") return null
    ent = compiler.resolveEntity(compiler.instanceScope(ent), s.name)
  }
  if (ent === undefined) return null
  if (ent.k === "def" && ent.params.length === 0 && ent.unit.k === "def") return { expr: ent.unit.body, scope: ent.scope }
  if (ent.k === "subst") return { expr: ent.expr, scope: ent.scope }
  return null
}

export const isTemporal = (compiler: Compiler, x: unknown, scope: ModuleScope, depth: number): boolean => {
  if (x === null || typeof x !== "object" || depth > 30) return false
  if (Array.isArray(x)) return x.some((y) => isTemporal(compiler, y, scope, depth))
  const o = x as Expr
  if (o.k === "un" && (o.op === "[]" || o.op === "<>")) return true
  if (o.k === "fair") return true
  if (o.k === "bin" && (o.op === "~>" || o.op === "-+->")) return true
  if (o.k === "ref" && (o.args.length === 0 || o.sel.length > 0)) {
    const t = resolveRef(compiler, o, scope)
    if (t !== null) return isTemporal(compiler, t.expr, t.scope, depth + 1)
  }
  if (o.k === "ref" && o.args.length > 0 && o.sel.length === 0) {
    const ent = compiler.resolveEntity(scope, o.name)
    if (ent !== undefined && ent.k === "def" && ent.unit.k === "def" && isTemporal(compiler, ent.unit.body, ent.scope, depth + 1)) return true
  }
  return Object.entries(o).some(([k, v]) => k !== "at" && typeof v === "object" && isTemporal(compiler, v, scope, depth))
}

export const unsupportedError = (what: string, file: string | undefined): TlaError => new TlaError("config", `liveness checking does not support ${what}`, file)
