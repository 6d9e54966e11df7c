// Breadth-first explicit-state model checker with TLC's counting rules:
// - "generated" counts every initial state and every successor produced (before dedup and
//   constraints); "distinct" counts in-model states inserted in the fingerprint set;
// - invariants are checked on new states and on out-of-model states; implied actions
//   (PROPERTY [][A]_v, refinement) on every transition;
// - deadlock = a dequeued state whose Next produced no successor at all;
// - depth = highest BFS level reached (initial states are level 1).
// Only fingerprints, parent pointers and levels are kept for visited states; traces are
// rebuilt by re-executing Init/Next along the parent chain, as TLC does.
import { TlaError } from "./errors.ts"
import { FingerprintSet, IntColumn } from "./fingerprint-set.ts"
import type { Model } from "./model.ts"
import type { ActionLabel } from "./runtime.ts"
import { Ctx, asBool } from "./runtime.ts"
import { BehaviorGraph, setBit } from "./behavior-graph.ts"
import { InvariantParts } from "./invariant-parts.ts"
import type { Lasso } from "./liveness.ts"
import { findLasso } from "./liveness.ts"
import type { LivenessPlan } from "./liveness-plan.ts"
import { findTableauLasso } from "./tableau-search.ts"
import { StateQueue } from "./state-queue.ts"
import { SymmetryGroup, isInvariant } from "./symmetry.ts"
import type { Value } from "./values.ts"
import { FcnValue, hashLo, hashValue, isSetValue, mkRecord, mkTuple, printValue } from "./values.ts"

export type State = readonly Value[]

export interface TraceStep {
  readonly state: State
  /** null for the initial state. */
  readonly action: ActionLabel | null
  /** A stuttering step inside a liveness counterexample's cycle: the state is unchanged. */
  readonly stutter?: true
}

export type Outcome =
  | { kind: "ok" }
  | { kind: "invariant"; name: string; trace: TraceStep[] }
  | { kind: "property"; name: string; trace: TraceStep[] }
  /**
   * A fair behaviour violating a temporal PROPERTY: `trace` then, if `backTo` is set, the
   * step `backAction` back to the trace's state number `backTo` (1-based), repeated forever;
   * otherwise the last state stutters forever.
   */
  | { kind: "liveness"; name: string; trace: TraceStep[]; backTo: number | null; backAction: ActionLabel | null }
  | { kind: "deadlock"; trace: TraceStep[] }
  | { kind: "assumption"; name: string }
  /** `assumption`: the error arose evaluating that ASSUME (TLC's exit code 10, as a false one). */
  | { kind: "error"; error: TlaError; trace: TraceStep[]; assumption?: string }

export interface CheckResult {
  readonly outcome: Outcome
  readonly generated: number
  readonly distinct: number
  readonly depth: number
  readonly queueLeft: number
  readonly seconds: number
}

export interface CheckOptions {
  /** Called about every `progressEvery` ms with running totals. */
  readonly onProgress?: (p: { generated: number; distinct: number; depth: number; queue: number; seconds: number }) => void
  readonly progressEveryMs?: number
  /** Called once the initial states are computed, with the number of distinct ones. */
  readonly onInitialStates?: (distinct: number) => void
  /** Stop (outcome ok, partial figures) once this many distinct states are found; for profiling. */
  readonly stopAfterDistinct?: number
  /** Waiting states kept as objects before the queue keeps them as bytes (state-queue.ts). */
  readonly queueStatesInMemory?: number
  /**
   * Called with every distinct state (`fp` its fingerprint as a decimal 64-bit number) and
   * every transition between states of the model, as found: TLC's `-dump dot`.
   */
  readonly onGraph?: {
    state(fp: string, s: State, initial: boolean): void
    transition(from: string, to: string, label: ActionLabel | null): void
  }
  /** Called with a warning found during the search (printed by the CLI as `Warning: ...`). */
  readonly onWarning?: (text: string) => void
  /** Called when the search is over and the temporal properties are checked on its graph. */
  readonly onCheckingLiveness?: (distinct: number, edges: number) => void
}

class Stop {
  constructor(readonly outcome: Outcome) {}
}

// ---------------------------------------------------------------- fingerprints

const FP_A = 0x2f1b3c5d
const FP_B = 0x61c88647
const fpStepA = (a: number, h: number, i: number): number => Math.imul(a ^ h, 0x01000193) + i
const fpStepB = (b: number, l: number, i: number): number => Math.imul(b ^ l, 0x5bd1e995) + i
const fpFinishA = (a: number): number => {
  a ^= a >>> 15
  a = Math.imul(a, 0x2c1b3c6d)
  return a ^ (a >>> 16)
}
const fpFinishB = (b: number): number => {
  b ^= b >>> 13
  b = Math.imul(b, 0x297a2d39)
  return b ^ (b >>> 16)
}

/** Fingerprint lanes of the last `fingerprint` call. */
let fpLo = 0
const fingerprint = (vals: readonly Value[]): number => {
  let a = FP_A
  let b = FP_B
  for (let i = 0; i < vals.length; i++) {
    const h = hashValue(vals[i]!)
    a = fpStepA(a, h, i)
    b = fpStepB(b, hashLo, i)
  }
  fpLo = fpFinishB(b)
  return fpFinishA(a)
}

/** The smallest fingerprint over the state's symmetry orbit (lanes compared as a pair). */
const symmetricFingerprint = (vals: readonly Value[], g: SymmetryGroup, plainH: Int32Array, plainL: Int32Array, images: Int32Array[]): number => {
  const n = vals.length
  let a = FP_A
  let b = FP_B
  for (let i = 0; i < n; i++) {
    const h = hashValue(vals[i]!)
    plainH[i] = h
    plainL[i] = hashLo
    a = fpStepA(a, h, i)
    b = fpStepB(b, hashLo, i)
    images[i] = g.imageHashes(vals[i]!)
  }
  let bestA = fpFinishA(a)
  let bestB = fpFinishB(b)
  for (let pi = 0; pi < g.n; pi++) {
    a = FP_A
    b = FP_B
    for (let i = 0; i < n; i++) {
      const x = images[i]!
      if (isInvariant(x)) {
        a = fpStepA(a, plainH[i]!, i)
        b = fpStepB(b, plainL[i]!, i)
      } else {
        a = fpStepA(a, x[2 * pi]!, i)
        b = fpStepB(b, x[2 * pi + 1]!, i)
      }
    }
    const fa = fpFinishA(a)
    const fb = fpFinishB(b)
    if (fa < bestA || (fa === bestA && fb < bestB)) {
      bestA = fa
      bestB = fb
    }
  }
  fpLo = bestB
  return bestA
}

/** A fingerprint's two lanes as one signed 64-bit decimal number (TLC's node ids in -dump). */
const fpText = (h: number, l: number): string => BigInt.asIntN(64, (BigInt(h) << 32n) | BigInt(l >>> 0)).toString()

// ---------------------------------------------------------------- the checker

export class Checker {
  private readonly ctx: Ctx
  private readonly seen: FingerprintSet
  /** The state graph, recorded when there are temporal properties to check. */
  private readonly graph: BehaviorGraph | null
  private readonly parent = new IntColumn()
  private readonly fpHi = new IntColumn()
  private readonly fpLoCol = new IntColumn()
  private generated = 0
  private depth = 0
  private queueLeft = 0
  private readonly n: number
  private readonly symmetry: SymmetryGroup | null
  private readonly plainH: Int32Array
  private readonly plainL: Int32Array
  private readonly images: Int32Array[]
  private readonly invariants: InvariantParts

  constructor(
    readonly model: Model,
    readonly opts: CheckOptions = {},
  ) {
    this.ctx = new Ctx(model.varNames)
    this.ctx.checkDeadlock = model.checkDeadlock
    this.n = model.varNames.length
    this.symmetry = model.symmetry === null ? null : new SymmetryGroup(model.symmetry)
    this.plainH = new Int32Array(this.n)
    this.plainL = new Int32Array(this.n)
    this.images = new Array<Int32Array>(this.n)
    this.invariants = new InvariantParts(model)
    const live = model.liveness
    this.graph = live === null || opts.stopAfterDistinct !== undefined ? null : new BehaviorGraph(live.stateAtoms.length, live.actionAtoms.length)
    this.seen = new FingerprintSet(16, this.graph !== null)
  }

  /** Adds (h, l) for a new state numbered `id`; returns -1 if it is new, else the number it has. */
  private admit(h: number, l: number, id: number): number {
    if (this.graph !== null) return this.seen.addOrFind(h, l, id)
    return this.seen.add(h, l) ? -1 : 0
  }

  /** The value of `node` in state `s`, with primed variables read from `t`. */
  evaluate(node: Model["init"], s: State, t: State): Value {
    const c = this.ctx
    const ss = c.s
    const sp = c.p
    c.s = s as Value[]
    c.p = t as Value[]
    c.gen++
    try {
      return node.ev(c, null)
    } finally {
      c.s = ss
      c.p = sp
      c.gen++
    }
  }

  /**
   * How each state of a trace is printed: with an ALIAS, its record's fields (primed
   * variables read from the next state of the trace, the state itself for the last), as
   * TLC does; the variables when there is none or it cannot be evaluated.
   */
  traceRows(trace: readonly TraceStep[]): (readonly (readonly [string, Value])[])[] {
    const alias = this.model.alias
    const plain = (s: State): [string, Value][] => this.model.varNames.map((n, i) => [n, s[i]!])
    return trace.map((st, i) => {
      if (alias === null) return plain(st.state)
      try {
        const v = this.evaluate(alias, st.state, trace[i + 1]?.state ?? st.state)
        if (v instanceof FcnValue && v.keys !== null && v.keys.every((k) => typeof k === "string")) return v.keys.map((k, j) => [k as string, v.vals[j]!])
      } catch (e) {
        if (!(e instanceof TlaError)) throw e
      }
      return plain(st.state)
    })
  }

  /** Fingerprint of a state as stored in the seen set (after VIEW and SYMMETRY). */
  fingerprintOf(s: State): [number, number] {
    if (this.model.view !== null) {
      const h = fingerprint([this.evalState(this.model.view.ev, s)])
      return [h, fpLo]
    }
    if (this.symmetry !== null) {
      const h = symmetricFingerprint(s, this.symmetry, this.plainH, this.plainL, this.images)
      return [h, fpLo]
    }
    const h = fingerprint(s)
    return [h, fpLo]
  }

  private evalState(ev: Model["init"]["ev"], s: State): Value {
    const c = this.ctx
    const saved = c.s
    c.s = s as Value[]
    c.gen++
    try {
      return ev(c, null)
    } finally {
      c.s = saved
      c.gen++
    }
  }

  private holds(node: Model["init"], s: State, t: State | null): boolean {
    const c = this.ctx
    const ss = c.s
    const sp = c.p
    c.s = s as Value[]
    if (t !== null) c.p = t as Value[]
    c.gen++
    try {
      return asBool(node.ev(c, null))
    } finally {
      c.s = ss
      c.p = sp
      c.gen++
    }
  }

  setLevel(level: number): void {
    this.ctx.level = level
  }

  /** CONSTRAINTs on t (or s) and ACTION_CONSTRAINTs on s -> t. */
  inModel(s: State, t: State | null): boolean {
    for (const cn of this.model.constraints) if (!this.holds(cn.node, t ?? s, null)) return false
    if (t !== null) for (const cn of this.model.actionConstraints) if (!this.holds(cn.node, s, t)) return false
    return true
  }

  invariantsHold(t: State): boolean {
    return this.invariants.firstViolated(this.ctx, t) === null
  }

  /** The name of the first INVARIANT (or PROPERTY []P) that `t` violates, or null. */
  violatedInvariant(t: State): string | null {
    const name = this.invariants.firstViolated(this.ctx, t)
    if (name !== null) return name
    for (const ii of this.model.impliedInvariants) if (!this.holds(ii.node, t, null)) return ii.name
    return null
  }

  /** The name of the first PROPERTY whose [][A]_v the step s -> t violates, or null. */
  violatedAction(s: State, t: State): string | null {
    for (const ia of this.model.impliedActions) if (!this.holds(ia.node, s, t)) return ia.name
    return null
  }

  /** The name of the first PROPERTY whose initial predicate `s` violates, or null. */
  violatedInit(s: State): string | null {
    for (const ii of this.model.impliedInits) if (!this.holds(ii.node, s, null)) return ii.name
    return null
  }

  impliedActionsHold(s: State, t: State): boolean {
    for (const ia of this.model.impliedActions) if (!this.holds(ia.node, s, t)) return false
    return true
  }

  impliedInitsHold(s: State): boolean {
    for (const ii of this.model.impliedInits) if (!this.holds(ii.node, s, null)) return false
    return true
  }

  /** All initial states, in TLC's enumeration order. */
  initialStates(f: (s: State) => void): void {
    const c = this.ctx
    c.s = new Array<Value | undefined>(this.n).fill(undefined)
    c.init = true
    c.splitting = true
    c.level = 1
    try {
      this.model.init.act(c, null, () => {
        for (let i = 0; i < this.n; i++)
          if (c.s[i] === undefined) throw new TlaError("eval", `the initial predicate does not assign a value to variable ${this.model.varNames[i]}`)
        f(c.s.slice() as Value[])
      })
    } finally {
      c.init = false
      // the working array was mutated in place; never leave it as the current state
      c.s = new Array<Value | undefined>(this.n).fill(undefined)
    }
  }

  /** All successors of `s` (with the label of the action producing each). */
  successors(s: State, f: (t: State, label: ActionLabel | null) => void): void {
    const c = this.ctx
    c.s = s as Value[]
    c.p = new Array<Value | undefined>(this.n).fill(undefined)
    c.init = false
    c.splitting = true
    c.label = null
    c.gen++
    this.model.next.act(c, null, () => {
      for (let i = 0; i < this.n; i++)
        if (c.p[i] === undefined) throw new TlaError("eval", `the successor state is not completely specified: variable ${this.model.varNames[i]} is not assigned by the action ${c.label?.name ?? "Next"}`)
      // a next-state action written inline ([][x' = 1 /\ ...]_x): TLC's <Action line ...> label
      f(c.p.slice() as Value[], c.label ?? (this.inlineLabel ??= { name: "Action", module: this.model.root.module.name, at: this.model.next.at }))
    })
  }

  private inlineLabel: ActionLabel | undefined

  /** The outcome of a false ASSUME, or null when all hold. */
  checkAssumptions(): Outcome | null {
    for (const a of this.model.assumptions) {
      // the search's own context: TLCSet registers set in an ASSUME hold afterwards (ConstantContextTLCCache)
      const c = this.ctx
      try {
        if (!asBool(a.node.ev(c, null), `assumption ${a.name}`)) return { kind: "assumption", name: a.name }
      } catch (e) {
        // TLC: "Evaluating assumption ... failed", exit status VIOLATION_ASSUMPTION (Github1109)
        if (e instanceof TlaError) return { kind: "error", error: e, trace: [], assumption: a.name }
        throw e
      }
    }
    return null
  }

  run(): CheckResult {
    const start = Date.now()
    let lastProgress = start
    const every = this.opts.progressEveryMs ?? 2000
    const m = this.model
    const queue = new StateQueue(this.opts.queueStatesInMemory)
    const result = (outcome: Outcome): CheckResult => ({
      outcome,
      generated: this.generated,
      distinct: this.seen.size,
      depth: this.depth,
      queueLeft: this.queueLeft,
      seconds: (Date.now() - start) / 1000,
    })
    let currentId = -1
    // a complete state being checked (constraints, invariants, action properties): an error there
    // shows it at the end of the trace, as TLC does (EvalExceptionTest: DistBakery)
    let pending: TraceStep | null = null
    let queueNow: () => number = () => 0
    this.ctx.stats = () => ({ diameter: Math.max(1, this.depth), distinct: this.seen.size, generated: this.generated, queue: queueNow(), duration: Math.floor((Date.now() - start) / 1000) })
    this.ctx.exitRequested = false
    try {
      const bad = this.checkAssumptions()
      if (bad !== null) return result(bad)
      const inModel = (s: State, t: State | null): boolean => {
        for (const cn of m.constraints) if (!this.holds(cn.node, t ?? s, null)) return false
        if (t !== null) for (const cn of m.actionConstraints) if (!this.holds(cn.node, s, t)) return false
        return true
      }
      const checkInvariants = (t: State, id: number, parentId: number, label: ActionLabel | null): void => {
        this.ctx.trace = () => this.traceValue(id >= 0 ? id : parentId, id >= 0 ? null : t)
        let name: string | null
        try {
          name = this.invariants.firstViolated(this.ctx, t)
          if (name === null) for (const ii of m.impliedInvariants) if (!this.holds(ii.node, t, null)) name ??= ii.name
        } finally {
          this.ctx.trace = null
        }
        if (name !== null) throw new Stop({ kind: "invariant", name, trace: this.trace(id >= 0 ? id : parentId, id >= 0 ? null : { state: t, action: label }) })
      }
      const graph = this.graph
      const live = m.liveness
      const stateBits = new Int32Array(graph?.stateWords ?? 0)
      const actionBits = new Int32Array(graph?.actionWords ?? 0)
      // ENABLED atoms the evaluator cannot compute are read off the graph at the end
      const derived = new Set<number>()
      const enabledNow = new Set<number>()
      const stateAtom = (i: number, s: State): boolean => {
        if (!live!.enabledSteps.has(i)) return this.holds(live!.stateAtoms[i]!, s, null)
        try {
          return this.holds(live!.stateAtoms[i]!, s, null)
        } catch (e) {
          if (!(e instanceof TlaError)) throw e
          if (!derived.has(i)) {
            this.opts.onWarning?.(
              `ENABLED of the action at ${live!.enabledSteps.get(i)!.where} cannot be evaluated (${e.message}); it is taken as true in a state one of whose transitions is such a step, which is exact when the action's steps are steps of the spec's Next and may miss a violation otherwise`,
            )
          }
          derived.add(i)
          return false
        }
      }
      const actionAtoms = (s: State, t: State): Int32Array => {
        const atoms = live!.actionAtoms
        for (let i = 0; i < atoms.length; i++) setBit(actionBits, i, this.holds(atoms[i]!, s, t))
        return actionBits
      }
      // ---- initial states
      this.initialStates((s) => {
        this.generated++
        pending = { state: s, action: null }
        const ok = inModel(s, null)
        let id = -1
        if (ok) {
          const [h, l] = this.fingerprintOf(s)
          if (this.admit(h, l, this.parent.length) >= 0) return
          id = this.parent.length
          this.parent.push(-1)
          this.fpHi.push(h)
          this.fpLoCol.push(l)
          this.depth = Math.max(this.depth, 1)
          queue.push(s, id, 1)
          this.opts.onGraph?.state(fpText(h, l), s, true)
        }
        checkInvariants(s, id, -1, null)
        for (const ii of m.impliedInits)
          if (!this.holds(ii.node, s, null)) throw new Stop({ kind: "property", name: ii.name, trace: this.trace(id, id >= 0 ? null : { state: s, action: null }) })
        pending = null
      })
      this.opts.onInitialStates?.(this.seen.size)
      queueNow = () => queue.length
      // ---- breadth-first search
      while (queue.length > 0 && !this.ctx.exitRequested) {
        const { state: s, id, level } = queue.shift()
        currentId = id
        this.ctx.level = level
        let count = 0
        if (graph !== null) {
          const atoms = live!.stateAtoms
          // ENABLED <<Next>>_w is set from the successors below
          for (let i = 0; i < atoms.length; i++) setBit(stateBits, i, !derived.has(i) && !live!.nextEnabled.has(i) && stateAtom(i, s))
          graph.addState(stateBits, this.parent.get(id) === -1)
          graph.beginTransitions(id, actionAtoms(s, s))
        }
        this.successors(s, (t, label) => {
          count++
          this.generated++
          if (graph !== null)
            for (const [en, step] of live!.nextEnabled)
              if (!enabledNow.has(en) && this.holds(live!.actionAtoms[step]!, s, t)) enabledNow.add(en)
          pending = { state: t, action: label }
          const ok = inModel(s, t)
          let tid = -1
          let fresh = false
          if (ok) {
            const [h, l] = this.fingerprintOf(t)
            const known = this.admit(h, l, this.parent.length)
            fresh = known < 0
            if (graph !== null) graph.addEdge(fresh ? this.parent.length : known, actionAtoms(s, t))
            if (fresh) {
              tid = this.parent.length
              this.parent.push(id)
              this.fpHi.push(h)
              this.fpLoCol.push(l)
              if (level + 1 > this.depth) this.depth = level + 1
            }
            const dump = this.opts.onGraph
            if (dump !== undefined) {
              if (fresh) dump.state(fpText(h, l), t, false)
              dump.transition(fpText(this.fpHi.get(id), this.fpLoCol.get(id)), fpText(h, l), label)
            }
          }
          if (fresh || !ok) checkInvariants(t, tid, id, label)
          for (const ia of m.impliedActions)
            if (!this.holds(ia.node, s, t)) throw new Stop({ kind: "property", name: ia.name, trace: [...this.trace(id, null), { state: t, action: label }] })
          pending = null
          if (fresh) queue.push(t, tid, level + 1)
        })
        if (graph !== null) {
          for (const en of enabledNow) graph.setStateAtom(id, en, true)
          enabledNow.clear()
        }
        if (count === 0 && m.checkDeadlock) {
          this.queueLeft = queue.length
          return result({ kind: "deadlock", trace: this.trace(id, null) })
        }
        if (this.opts.stopAfterDistinct !== undefined && this.seen.size >= this.opts.stopAfterDistinct) break
        const now = Date.now()
        if (this.opts.onProgress !== undefined && now - lastProgress >= every) {
          lastProgress = now
          this.opts.onProgress({ generated: this.generated, distinct: this.seen.size, depth: this.depth, queue: queue.length, seconds: (now - start) / 1000 })
        }
      }
      this.queueLeft = queue.length
      if (graph !== null && queue.length === 0) {
        currentId = -1
        graph.close()
        for (const i of derived) graph.deriveEnabled(i, live!.enabledSteps.get(i)!.step)
        this.opts.onCheckingLiveness?.(this.seen.size, graph.edges)
        const violated = this.searchLiveness(graph, live!)
        if (violated !== null) return result(violated)
      }
      return result({ kind: "ok" })
    } catch (e) {
      this.queueLeft = queue.length
      if (e instanceof Stop) return result(e.outcome)
      if (e instanceof TlaError) {
        let trace: TraceStep[] = []
        try {
          if (currentId >= 0) trace = this.trace(currentId, null)
        } catch {
          trace = []
        }
        const p = pending as TraceStep | null
        // (not when the state itself cannot be printed: a value TLC cannot fingerprint either)
        if (p !== null && (currentId >= 0 || p.action === null) && printable(p.state)) trace = [...trace, p]
        return result({ kind: "error", error: e, trace })
      }
      throw e
    }
  }

  /** The first property violated on the complete graph, by its patterns or its tableaux (a method of its own: run() is the hot loop). */
  private searchLiveness(graph: BehaviorGraph, live: LivenessPlan): Outcome | null {
    for (const prop of live.properties) {
      for (const pattern of prop.patterns) {
        const lasso = findLasso(graph, pattern)
        if (lasso !== null) return this.livenessOutcome(prop.name, lasso)
      }
      for (const tableau of prop.tableaux) {
        const lasso = findTableauLasso(graph, tableau)
        if (lasso !== null) return this.livenessOutcome(prop.name, lasso)
      }
    }
    return null
  }

  /** The counterexample of a lasso: its states, and the step back into the cycle. */
  private livenessOutcome(name: string, lasso: Lasso): Outcome {
    const steps = this.replay([...lasso.prefix, ...lasso.cycle])
    if (lasso.cycle.length === 0) return { kind: "liveness", name, trace: steps, backTo: null, backAction: null }
    const back = steps.pop()
    return { kind: "liveness", name, trace: steps, backTo: lasso.prefix.length, backAction: back?.action ?? null }
  }

  /**
   * TLCExt's Trace while a state is checked: the records of the states from an initial state
   * to it (stored state `id`, then `last` when the state itself is not stored). The search's
   * evaluation context is saved around the replay, which re-executes Init and Next.
   */
  private traceValue(id: number, last: State | null): Value {
    const c = this.ctx
    // the replay puts fresh arrays in c.s and c.p (never writing into the ones there now)
    const saved = { s: c.s, p: c.p, init: c.init, splitting: c.splitting, label: c.label, trace: c.trace, level: c.level }
    let states: State[]
    try {
      c.trace = null
      states = this.trace(id, null).map((st) => st.state)
    } finally {
      c.s = saved.s
      c.p = saved.p
      c.level = saved.level
      c.init = saved.init
      c.splitting = saved.splitting
      c.label = saved.label
      c.trace = saved.trace
      c.gen++
    }
    if (last !== null) states.push(last)
    const names = this.model.varNames
    return mkTuple(states.map((st) => mkRecord(names.map((n, i) => [n, st[i]!] as const))))
  }

  /** Rebuilds the path to stored state `id` by re-executing Init and Next along parent pointers. */
  trace(id: number, extra: TraceStep | null): TraceStep[] {
    const chain: number[] = []
    for (let x = id; x >= 0; x = this.parent.get(x)) chain.push(x)
    chain.reverse()
    const steps = this.replay(chain)
    if (extra !== null) steps.push(extra)
    return steps
  }

  /** The states of a path of stored state ids (each a successor of the one before), with their actions. */
  private replay(chain: readonly number[]): TraceStep[] {
    const steps: TraceStep[] = []
    const savedLevel = this.ctx.level
    for (let i = 0; i < chain.length; i++) {
      const want = chain[i]!
      const h = this.fpHi.get(want)
      const l = this.fpLoCol.get(want)
      let found: TraceStep | null = null
      const consider = (t: State, label: ActionLabel | null): void => {
        if (found !== null) return
        const [a, b] = this.fingerprintOf(t)
        if (a === h && b === l) found = { state: t, action: label }
      }
      if (i === 0) this.initialStates((s) => consider(s, null))
      else this.successors(steps[i - 1]!.state, (t, label) => consider(t, label))
      if (found === null && i > 0 && want === chain[i - 1]) found = { state: steps[i - 1]!.state, action: null, stutter: true }
      if (found === null) break
      steps.push(found)
    }
    this.ctx.level = savedLevel
    return steps
  }
}

export const isSet = isSetValue

const printable = (s: readonly Value[]): boolean => {
  try {
    for (const v of s) printValue(v)
    return true
  } catch {
    return false
  }
}
