// Temporal formulas of a PROPERTY as linear temporal logic in negation normal form, for the
// tableau (tableau.ts) that checks the formulas whose negation has no lasso pattern
// (temporal.ts). Atoms are the state and action predicates the search evaluates anyway
// (a state predicate on a state, an action on the step out of it); []F is `false R F`,
// <>F is `true U F`, P ~> Q is [](~P \/ <>Q), WF_v(A) is []<>(~ENABLED <<A>>_v \/ <<A>>_v)
// and SF_v(A) is <>[]~ENABLED <<A>>_v \/ []<><<A>>_v, as TLC's tableau reads them.
import type { Expr } from "./ast.ts"
import type { ModuleScope } from "./modules.ts"
import type { TFair, TPred } from "./temporal.ts"
import { TemporalNormalizer, Unsupported, fairnessPreds, substitute } from "./temporal.ts"

/** An LTL formula in negation normal form over atoms of type A (a literal is an atom or its negation). */
export type Ltl<A = TPred> =
  | { readonly k: "true" }
  | { readonly k: "false" }
  | { readonly k: "lit"; readonly atom: A; readonly pos: boolean }
  | { readonly k: "and" | "or" | "U" | "R"; readonly a: Ltl<A>; readonly b: Ltl<A> }

const TRUE = { k: "true" } as const
const FALSE = { k: "false" } as const
export const ltlAnd = <A>(a: Ltl<A>, b: Ltl<A>): Ltl<A> => (a.k === "true" ? b : b.k === "true" ? a : a.k === "false" || b.k === "false" ? FALSE : { k: "and", a, b })
export const ltlOr = <A>(a: Ltl<A>, b: Ltl<A>): Ltl<A> => (a.k === "false" ? b : b.k === "false" ? a : a.k === "true" || b.k === "true" ? TRUE : { k: "or", a, b })
const always = <A>(a: Ltl<A>): Ltl<A> => ({ k: "R", a: FALSE, b: a })
const eventually = <A>(a: Ltl<A>): Ltl<A> => ({ k: "U", a: TRUE, b: a })

/** `f` with its atoms replaced by `m`'s (same shape). */
export const mapAtoms = <A, B>(f: Ltl<A>, m: (a: A) => B): Ltl<B> => {
  switch (f.k) {
    case "true":
    case "false":
      return f
    case "lit":
      return { k: "lit", atom: m(f.atom), pos: f.pos }
    default:
      return { k: f.k, a: mapAtoms(f.a, m), b: mapAtoms(f.b, m) }
  }
}

/** The negation of `f`, in negation normal form (R and U are duals). */
export const ltlNot = <A>(f: Ltl<A>): Ltl<A> => {
  switch (f.k) {
    case "true":
      return FALSE
    case "false":
      return TRUE
    case "lit":
      return { ...f, pos: !f.pos }
    case "and":
      return ltlOr(ltlNot(f.a), ltlNot(f.b))
    case "or":
      return ltlAnd(ltlNot(f.a), ltlNot(f.b))
    case "U":
      return { k: "R", a: ltlNot(f.a), b: ltlNot(f.b) }
    case "R":
      return { k: "U", a: ltlNot(f.a), b: ltlNot(f.b) }
  }
}

const not = (x: Expr): Expr => ({ k: "un", op: "~", a: x, at: x.at })

/** `x` with each call `name(a1, ..., an)` replaced by `body` with the parameters replaced by the arguments. */
const inlineCalls = (x: Expr, name: string, params: readonly string[], body: Expr): Expr => {
  const go = (y: unknown): unknown => {
    if (y === null || typeof y !== "object") return y
    if (Array.isArray(y)) return y.map(go)
    const o = y as Record<string, unknown>
    const args = o["args"] as Expr[] | undefined
    if (o["k"] === "ref" && o["name"] === name && (o["sel"] as unknown[]).length === 0 && args?.length === params.length)
      return substitute(body, new Map(params.map((p, i) => [p, go(args[i]) as Expr])))
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) out[k] = k === "at" || k === "opAt" ? v : go(v)
    return out
  }
  return go(x) as Expr
}

/** Translates TLA+ temporal formulas (the forms temporal.ts reads, and nestings of them). */
export class LtlTranslator {
  private readonly norm: TemporalNormalizer

  constructor(private readonly compiler: ConstructorParameters<typeof TemporalNormalizer>[0]) {
    this.norm = new TemporalNormalizer(compiler)
  }

  /** `x` as LTL; throws Unsupported for what has no LTL reading here (\EE, -+->, ...). */
  translate(x: Expr, scope: ModuleScope, depth = 0): Ltl {
    if (depth > 200) throw new Unsupported("the formula nests too deeply")
    const go = (y: Expr, sc: ModuleScope = scope): Ltl => this.translate(y, sc, depth + 1)
    if (!this.norm.isTemporal(x, scope)) return { k: "lit", atom: { expr: x, scope }, pos: true }
    switch (x.k) {
      case "junc":
        return x.items.map((i) => go(i)).reduce<Ltl>(x.op === "/\\" ? ltlAnd : ltlOr, x.op === "/\\" ? TRUE : FALSE)
      case "bin":
        if (x.op === "/\\") return ltlAnd(go(x.a), go(x.b))
        if (x.op === "\\/") return ltlOr(go(x.a), go(x.b))
        if (x.op === "=>") return ltlOr(ltlNot(go(x.a)), go(x.b))
        if (x.op === "<=>" || x.op === "\\equiv") {
          const a = go(x.a)
          const b = go(x.b)
          return ltlOr(ltlAnd(a, b), ltlAnd(ltlNot(a), ltlNot(b)))
        }
        if (x.op === "~>") return always(ltlOr(ltlNot(go(x.a)), eventually(go(x.b))))
        break
      case "un":
        if (x.op === "~") return ltlNot(go(x.a))
        if (x.op === "[]") return always(go(x.a))
        if (x.op === "<>") return eventually(go(x.a))
        break
      case "fair":
        return this.fairness({ strong: x.kind === "SF_", action: x.a, sub: x.sub, scope })
      case "quant": {
        const bodies = this.norm.expandQuant(x.binds, x.body, scope).map((b) => go(b))
        return x.q === "A" ? bodies.reduce<Ltl>(ltlAnd, TRUE) : bodies.reduce<Ltl>(ltlOr, FALSE)
      }
      case "ref": {
        const t = this.norm.expand(x, scope)
        if (t !== null) return go(t.expr, t.scope)
        break
      }
      case "if":
        return ltlOr(ltlAnd(go(x.c), go(x.t)), ltlAnd(ltlNot(go(x.c)), go(x.f)))
      case "case": {
        // the first arm whose condition holds (none holding and no OTHER: FALSE)
        let out: Ltl = x.other === null ? FALSE : go(x.other)
        for (let i = x.arms.length - 1; i >= 0; i--) {
          const [c, e] = x.arms[i]!
          out = ltlOr(ltlAnd(go(c), go(e)), ltlAnd(go(not(c)), out))
        }
        return out
      }
      case "let": {
        // the definitions inlined (atoms are compiled without the LET around them)
        let body = x.body
        for (let i = x.defs.length - 1; i >= 0; i--) {
          const d = x.defs[i]!
          if (d.k !== "def" || d.params.some((p) => p.arity > 0)) throw new Unsupported(`a LET with function or higher-order definitions around a temporal formula (line ${x.at[0]})`)
          body = d.params.length === 0 ? substitute(body, new Map([[d.name, d.body]])) : inlineCalls(body, d.name, d.params.map((p) => p.name), d.body)
        }
        return go(body)
      }
    }
    throw new Unsupported(`the temporal formula at line ${x.at[0]} of ${scope.module.name}`)
  }

  private fairness(f: TFair): Ltl {
    const { enabled, step } = fairnessPreds(f)
    const en: Ltl = { k: "lit", atom: enabled, pos: true }
    const taken: Ltl = { k: "lit", atom: step, pos: true }
    const often = always(eventually(taken))
    return f.strong ? ltlOr(eventually(always(ltlNot(en))), often) : always(eventually(ltlOr(ltlNot(en), taken)))
  }
}
