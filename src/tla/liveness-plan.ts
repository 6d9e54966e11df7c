// Compiles the temporal parts of the PROPERTYs, with the SPECIFICATION's fairness, into
// lasso patterns over numbered atoms: the state and action predicates the search evaluates
// on every state and transition (behavior-graph.ts) and the graph search reads (liveness.ts).
// A part whose negation has no pattern form (or too many of them) is compiled instead into
// the tableau of its negation (ltl.ts, tableau.ts), searched in product with the graph
// (tableau-search.ts).
import type { Expr } from "./ast.ts"
import type { Compiler } from "./compile.ts"
import type { AtomRef, CompiledPattern } from "./liveness.ts"
import type { ModuleScope } from "./modules.ts"
import type { CNode } from "./runtime.ts"
import type { Ltl } from "./ltl.ts"
import { LtlTranslator, ltlAnd, ltlNot, mapAtoms } from "./ltl.ts"
import { buildAutomaton } from "./tableau.ts"
import type { CompiledTableau } from "./tableau-product.ts"
import type { Pattern, TFair, TPred } from "./temporal.ts"
import { TemporalNormalizer, Unsupported, both, fairnessPreds } from "./temporal.ts"

export interface LivenessProperty {
  readonly name: string
  readonly patterns: readonly CompiledPattern[]
  /** Parts checked by their tableau: a violation of any pattern or tableau violates the property. */
  readonly tableaux: readonly CompiledTableau[]
}

export const livenessTesting = {
  /** Tests: check every part by its tableau, so the oracle tests the tableau on the pattern forms too. */
  tableauOnly: false,
  /**
   * Above this many patterns for one part (eventualities tried in every order: k! for k of
   * them), one product search with the tableau is cheaper than a search per pattern.
   */
  maxPatterns: 120,
}

export interface LivenessPlan {
  readonly stateAtoms: readonly CNode[]
  readonly actionAtoms: readonly CNode[]
  readonly properties: readonly LivenessProperty[]
  /**
   * For each ENABLED <<Next>>_w state atom (fairness of the spec's own Next), its w' # w
   * action atom: the search sets it from the state's successors (every one is a Next step).
   */
  readonly nextEnabled: ReadonlyMap<number, number>
  /** For each ENABLED <<A>>_v state atom of an instance's action, its <<A>>_v action atom. */
  readonly enabledSteps: ReadonlyMap<number, { readonly step: number; readonly where: string }>
}

export interface TemporalPart {
  readonly expr: Expr
  readonly scope: ModuleScope
}

/** The spec's fairness conditions, or the reason they cannot be used. */
export const specFairness = (compiler: Compiler, parts: readonly TemporalPart[]): TFair[] | string => {
  const norm = new TemporalNormalizer(compiler)
  const out: TFair[] = []
  try {
    for (const part of parts) {
      const ps = norm.affirm(part.expr, part.scope)
      const p = ps[0]
      if (ps.length !== 1 || p === undefined || p.init.length + p.always.length + p.persist.length + p.recur.length + p.triggers.length > 0)
        return `the SPECIFICATION's temporal part at line ${part.expr.at[0]} of ${part.scope.module.name} (only WF/SF conjuncts are supported)`
      out.push(...p.fair)
    }
  } catch (e) {
    if (e instanceof Unsupported) return e.message
    throw e
  }
  return out
}

export class LivenessPlanBuilder {
  private readonly stateAtoms: CNode[] = []
  private readonly actionAtoms: CNode[] = []
  private readonly stateKeys = new Map<string, number>()
  private readonly actionKeys = new Map<string, number>()
  private readonly properties: LivenessProperty[] = []
  private readonly enabledSteps = new Map<number, { step: number; where: string }>()
  private readonly nextEnabled = new Map<number, number>()
  private readonly norm: TemporalNormalizer
  private readonly ltl: LtlTranslator

  constructor(
    private readonly compiler: Compiler,
    private readonly fairness: readonly TFair[],
    private readonly root: ModuleScope,
    /** The action of the SPECIFICATION's [][Next]_v (null with INIT/NEXT: a NEXT name is not resolved here). */
    private readonly specNext: { readonly expr: Expr; readonly scope: ModuleScope } | null = null,
    /** The SPECIFICATION's temporal parts when they are not all WF/SF conjuncts: every part is checked by the tableau of `assumed /\ ~part`. */
    private readonly assumed: readonly TemporalPart[] = [],
  ) {
    this.norm = new TemporalNormalizer(compiler)
    this.ltl = new LtlTranslator(compiler)
  }

  /** Adds a property's temporal parts; throws Unsupported for a form the search cannot check. */
  addProperty(name: string, parts: readonly TemporalPart[]): void {
    const patterns: Pattern[] = []
    const tableaux: CompiledTableau[] = []
    for (const part of parts) {
      const ps = this.violations(part)
      if (ps !== null) patterns.push(...ps)
      else tableaux.push(this.compileTableau(part))
    }
    this.properties.push({ name, patterns: patterns.map((v) => this.compilePattern(v)), tableaux })
  }

  /** The fair violations of `part` as patterns, or null when they have no (small) pattern form. */
  private violations(part: TemporalPart): Pattern[] | null {
    if (livenessTesting.tableauOnly || this.assumed.length > 0) return null
    try {
      let ps = this.norm.negate(part.expr, part.scope)
      // every violation must be a fair behaviour of the spec
      if (this.fairness.length > 0) ps = both(ps, [{ init: [], always: [], triggers: [], persist: [], recur: [], fair: this.fairness }])
      return ps.length > livenessTesting.maxPatterns ? null : ps
    } catch (e) {
      if (e instanceof Unsupported) return null
      throw e
    }
  }

  /** The tableau of `part`'s negation over plan atoms; the spec's fairness is checked on its components. */
  private compileTableau(part: TemporalPart): CompiledTableau {
    const assumed = this.assumed.map((a) => this.ltl.translate(a.expr, a.scope)).reduce<Ltl>(ltlAnd, { k: "true" })
    const negation = ltlAnd(assumed, ltlNot(this.ltl.translate(part.expr, part.scope)))
    // atoms numbered locally first: nothing is added to the plan if the tableau is refused
    const preds: TPred[] = []
    const local = new Map<string, number>()
    const numbered = mapAtoms(negation, (q) => {
      const key = atomKey(q)
      let i = local.get(key)
      if (i === undefined) {
        local.set(key, (i = preds.length))
        preds.push(q)
      }
      return i
    })
    const auto = buildAutomaton(numbered)
    const refs = preds.map((q) => this.atom(q, null))
    const lits = (ls: readonly { atom: number; pos: boolean }[], action: boolean) =>
      ls.filter((l) => refs[l.atom]!.action === action).map((l) => ({ atom: refs[l.atom]!.index, pos: l.pos }))
    return {
      nodes: auto.nodes.map((n) => ({ stateLits: lits(n.lits, false), actionLits: lits(n.lits, true), succ: n.succ })),
      initial: auto.initial,
      accept: auto.accept,
      fair: this.fairness.map((f) => this.compileFair(f)),
    }
  }

  build(): LivenessPlan | null {
    if (this.properties.length === 0) return null
    return { stateAtoms: this.stateAtoms, actionAtoms: this.actionAtoms, properties: this.properties, enabledSteps: this.enabledSteps, nextEnabled: this.nextEnabled }
  }

  private compilePattern(p: Pattern): CompiledPattern {
    const states = (ps: readonly TPred[]): number[] => ps.map((q) => this.atom(q, false).index)
    return {
      init: states(p.init),
      always: states(p.always),
      triggers: p.triggers.map((t) => ({ at: states(t.at), then: states(t.then) })),
      persist: p.persist.map((q) => this.atom(q, null)),
      recur: p.recur.map((q) => this.atom(q, null)),
      fair: p.fair.map((f) => this.compileFair(f)),
    }
  }

  private compileFair(f: TFair): CompiledPattern["fair"][number] {
    const viaNext = this.nextFairness(f)
    if (viaNext !== null) return viaNext
    const { enabled, step } = fairnessPreds(f)
    return { strong: f.strong, enabled: this.atom(enabled, false).index, step: this.atom(step, true).index }
  }

  /**
   * WF/SF of the spec's own Next: every transition of the graph is a Next step, so <<Next>>_w
   * is w' # w on a transition, and ENABLED <<Next>>_w is whether some successor changes w,
   * read from the successors the search computes anyway (out-of-model ones included), instead
   * of enumerating Next again per state and evaluating it again per transition.
   */
  private nextFairness(f: TFair): CompiledPattern["fair"][number] | null {
    const n = this.specNext
    if (n === null || f.action.k !== "ref" || n.expr.k !== "ref" || f.action.args.length > 0 || n.expr.args.length > 0 || f.action.sel.length > 0 || n.expr.sel.length > 0)
      return null
    const a = this.compiler.resolveEntity(f.scope, f.action.name)
    if (a === undefined || a !== this.compiler.resolveEntity(n.scope, n.expr.name)) return null
    const changed: Expr = { k: "bin", op: "#", a: { k: "prime", a: f.sub, at: f.sub.at }, b: f.sub, at: f.sub.at, opAt: f.sub.at }
    const step = this.atom({ expr: changed, scope: f.scope }, true).index
    const { enabled } = fairnessPreds(f)
    const en = this.atom(enabled, false).index
    this.nextEnabled.set(en, step)
    return { strong: f.strong, enabled: en, step }
  }

  /** The atom for `q`: a state atom, an action atom, or (null) whichever its level makes it. */
  private atom(q: TPred, action: boolean | null): AtomRef {
    const isAction = action ?? this.compiler.isAction(q.expr, q.scope)
    const key = atomKey(q)
    const keys = isAction ? this.actionKeys : this.stateKeys
    const atoms = isAction ? this.actionAtoms : this.stateAtoms
    let index = keys.get(key)
    if (index === undefined) {
      index = atoms.length
      atoms.push(this.compiler.expr(q.expr, { mod: q.scope, locals: null }))
      keys.set(key, index)
      // ENABLED <<A>>_v of an instance's action can also be read off the graph through the
      // <<A>>_v atom, for when the substitution primes an expression the evaluator cannot
      // enumerate (EWD840's TD!Spec); in the root module such a failure is the spec's error
      if (!isAction && q.scope !== this.root && q.expr.k === "un" && q.expr.op === "ENABLED" && q.expr.a.k === "angleAct") {
        const enabled = index
        const step = this.atom({ expr: q.expr.a, scope: q.scope }, true).index
        this.enabledSteps.set(enabled, { step, where: `line ${q.expr.at[0]}, column ${q.expr.at[1]} of module ${q.scope.module.name}` })
      }
    }
    return { action: isAction, index }
  }
}

/** Equal keys: the same predicate in the same scope (positions ignored). */
const atomKey = (q: TPred): string => `${q.scope.module.name}|${scopeId(q.scope)}|${JSON.stringify(q.expr, (k, v) => (k === "at" || k === "opAt" ? undefined : v))}`

// instances of one module with different substitutions are different scopes
const scopeIds = new WeakMap<ModuleScope, number>()
let scopeCount = 0
const scopeId = (s: ModuleScope): number => {
  let id = scopeIds.get(s)
  if (id === undefined) scopeIds.set(s, (id = scopeCount++))
  return id
}
