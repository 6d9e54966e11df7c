// Liveness search over the recorded behaviour graph: is there a lasso (a path from an
// initial state into a cycle) whose behaviour fits a pattern of temporal.ts, that is, a
// fair behaviour of the spec that violates the property? Every state may also stutter
// forever (TLA+ allows stuttering), so one state with its stuttering step is a cycle.
//
// The cycle is searched among the strongly connected components of the part of the graph
// the pattern allows (Tarjan). In a component every allowed state and step can be visited
// infinitely often, so it fits when each `recur` atom and each fairness condition is met
// somewhere in it: WF_v(A) by a state where <<A>>_v is disabled or an <<A>>_v step, SF_v(A)
// by an <<A>>_v step or by no state enabling it. A component that fails only a strong
// fairness condition may still contain a fitting cycle that avoids the states enabling the
// action: those are removed and the rest searched again (the usual Streett emptiness check).
import { ComponentSearch } from "./components.ts"
import type { BehaviorGraph } from "./behavior-graph.ts"

/** An atom of a pattern: a state atom or an action atom (by index). */
export interface AtomRef {
  readonly action: boolean
  readonly index: number
}

export interface CompiledPattern {
  readonly init: readonly number[]
  readonly always: readonly number[]
  /** Stages reached in order (temporal.ts): a state meeting `at` and `then`, then `then` from it on. */
  readonly triggers: readonly { readonly at: readonly number[]; readonly then: readonly number[] }[]
  readonly persist: readonly AtomRef[]
  readonly recur: readonly AtomRef[]
  /** `enabled` is a state atom (ENABLED <<A>>_v), `step` an action atom (<<A>>_v). */
  readonly fair: readonly { readonly strong: boolean; readonly enabled: number; readonly step: number }[]
}

/** A counterexample: state ids from an initial state to the cycle's first state, then the cycle. */
export interface Lasso {
  readonly prefix: readonly number[]
  /**
   * The states after the prefix's last one, around the cycle back to it (a state repeated
   * is a stuttering step); empty: it stutters forever.
   */
  readonly cycle: readonly number[]
}

type Step = { readonly to: number; readonly edge: number } // edge -1: the stuttering step

export const findLasso = (g: BehaviorGraph, p: CompiledPattern): Lasso | null => new LassoSearch(g, p).run()

class LassoSearch {
  private readonly n: number
  private readonly cs: ComponentSearch
  constructor(
    private readonly g: BehaviorGraph,
    private readonly p: CompiledPattern,
  ) {
    this.n = g.states
    this.cs = new ComponentSearch({ edgeStart: (v) => g.edgeStart(v), edgeEnd: (v) => g.edgeEnd(v), target: (e) => g.edgeTarget(e) }, this.n)
  }

  private allStates(id: number, atoms: readonly number[]): boolean {
    for (const a of atoms) if (!this.g.stateAtom(id, a)) return false
    return true
  }

  private atomAtState(id: number, a: AtomRef): boolean {
    return a.action ? this.g.stutterAtom(id, a.index) : this.g.stateAtom(id, a.index)
  }

  /** What holds from stage `k`'s state on: the `then` of the stages up to it (each lasts for ever). */
  private thenUpTo(k: number): number[] {
    return this.p.triggers.slice(0, k).flatMap((t) => t.then)
  }

  /** A state the cycle may pass through (persist's state atoms; action atoms are checked on steps). */
  private persistsAt(id: number): boolean {
    for (const a of this.p.persist) if (!a.action && !this.g.stateAtom(id, a.index)) return false
    return true
  }

  /** A step the cycle may take: edge e from `from`, or its stuttering step (e = -1). */
  private persistsOn(from: number, e: number): boolean {
    for (const a of this.p.persist) {
      if (!a.action) continue
      if (!(e < 0 ? this.g.stutterAtom(from, a.index) : this.g.edgeAtom(e, a.index))) return false
    }
    return true
  }

  run(): Lasso | null {
    const g = this.g
    const p = this.p
    // states on some path from an initial state that satisfies `init`, through `always` states
    const starts = g.initialStates().filter((id) => this.allStates(id, p.init) && this.allStates(id, p.always))
    let region = this.reach(starts, (id) => this.allStates(id, p.always)).seen
    const stageStarts: number[][] = []
    for (let i = 0; i < p.triggers.length; i++) {
      const at: number[] = []
      const then = this.thenUpTo(i + 1)
      for (let id = 0; id < this.n; id++) if (region[id] === 1 && this.allStates(id, p.triggers[i]!.at) && this.allStates(id, then)) at.push(id)
      stageStarts.push(at)
      region = this.reach(at, (id) => this.allStates(id, p.always) && this.allStates(id, then)).seen
    }
    const inside = new Uint8Array(this.n)
    const members: number[] = []
    for (let id = 0; id < this.n; id++)
      if (region[id] === 1 && this.persistsAt(id)) {
        inside[id] = 1
        members.push(id)
      }
    const found = this.searchComponents(members, inside)
    if (found === null) return null
    const comp = new Uint8Array(this.n)
    for (const v of found) comp[v] = 1
    return this.lasso(starts, stageStarts, comp)
  }

  /** Breadth-first reach from `from` through states accepted by `ok`, with parent pointers. */
  private reach(from: readonly number[], ok: (id: number) => boolean, stopAt?: Uint8Array): { seen: Uint8Array; parent: Int32Array; hit: number } {
    const seen = new Uint8Array(this.n)
    const parent = new Int32Array(this.n).fill(-1)
    const queue: number[] = []
    for (const id of from)
      if (seen[id] === 0) {
        seen[id] = 1
        queue.push(id)
      }
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi]!
      if (stopAt !== undefined && stopAt[v] === 1) return { seen, parent, hit: v }
      for (let e = this.g.edgeStart(v); e < this.g.edgeEnd(v); e++) {
        const w = this.g.edgeTarget(e)
        if (seen[w] === 1 || !ok(w)) continue
        seen[w] = 1
        parent[w] = v
        queue.push(w)
      }
    }
    return { seen, parent, hit: -1 }
  }

  // ------------------------------------------------------------ components

  /**
   * A component (a set of states) among `members` that fits the pattern, or null: the one
   * with the state found first by the breadth-first search (ids are in that order), for a
   * short counterexample.
   */
  private searchComponents(members: readonly number[], inside: Uint8Array): readonly number[] | null {
    let best: readonly number[] | null = null
    let bestFirst = Number.POSITIVE_INFINITY
    for (const comp of this.components(members, (w) => inside[w] === 1)) {
      let first = Number.POSITIVE_INFINITY
      for (const v of comp) first = Math.min(first, v)
      if (first >= bestFirst) continue
      const fit = this.fits(comp)
      if (fit === null) continue
      best = fit
      bestFirst = first
    }
    return best
  }

  /** Components of the allowed subgraph on `members`: steps into `isIn` along which the pattern persists. */
  private components(members: readonly number[], isIn: (w: number) => boolean): number[][] {
    return this.cs.components(members, (v, e, w) => isIn(w) && this.persistsOn(v, e))
  }

  /** The steps of `comp` that stay in it (the stuttering steps included when allowed). */
  private stepsWithin(v: number, inComp: (w: number) => boolean, f: (s: Step) => void): void {
    if (this.persistsOn(v, -1)) f({ to: v, edge: -1 })
    for (let e = this.g.edgeStart(v); e < this.g.edgeEnd(v); e++) {
      const w = this.g.edgeTarget(e)
      if (inComp(w) && this.persistsOn(v, e)) f({ to: w, edge: e })
    }
  }

  private edgeAtomOf(v: number, s: Step, atom: number): boolean {
    return s.edge < 0 ? this.g.stutterAtom(v, atom) : this.g.edgeAtom(s.edge, atom)
  }

  /** `comp` (or a part of it) when it holds a cycle meeting every recur atom and fairness condition. */
  private fits(comp: readonly number[], depth = 0): readonly number[] | null {
    const inComp = this.cs.stamped(comp)
    let hasCycle = comp.length > 1
    if (!hasCycle) this.stepsWithin(comp[0]!, inComp, () => (hasCycle = true))
    if (!hasCycle) return null
    const met = (a: AtomRef): boolean => {
      for (const v of comp) {
        if (!a.action) {
          if (this.g.stateAtom(v, a.index)) return true
          continue
        }
        let hit = false
        this.stepsWithin(v, inComp, (s) => (hit ||= this.edgeAtomOf(v, s, a.index)))
        if (hit) return true
      }
      return false
    }
    for (const a of this.p.recur) if (!met(a)) return null
    for (const f of this.p.fair) {
      const taken = met({ action: true, index: f.step })
      if (taken) continue
      const enabledAt = comp.filter((v) => this.g.stateAtom(v, f.enabled))
      if (!f.strong) {
        if (enabledAt.length === comp.length) return null // always enabled, never taken
        continue
      }
      if (enabledAt.length === 0) continue
      // strong fairness: a cycle here must avoid every state that enables the action
      // (the recursion stamps its own sets; this call's set is not used after it). A part
      // without those states cannot fail this condition again, so the recursion is at most
      // as deep as there are SF conditions.
      if (depth > this.p.fair.length) throw new Error("liveness: strong fairness recursion deeper than its conditions")
      const rest = comp.filter((v) => !this.g.stateAtom(v, f.enabled))
      for (const sub of this.components(rest, this.cs.stamped(rest))) {
        const fit = this.fits(sub, depth + 1)
        if (fit !== null) return fit
      }
      return null
    }
    return comp
  }

  // ------------------------------------------------------------ the counterexample

  private lasso(starts: readonly number[], stageStarts: readonly (readonly number[])[], comp: Uint8Array): Lasso {
    const p = this.p
    // prefix, built backwards: the last stage's states -> the component, each earlier
    // stage's -> the next stage's first state, the initial states -> the first stage's
    let prefix: number[] = []
    let goal = comp
    for (let i = p.triggers.length; i >= 0; i--) {
      const then = this.thenUpTo(i)
      const from = i === 0 ? starts : stageStarts[i - 1]!
      const r = this.reach(from, (id) => this.allStates(id, p.always) && this.allStates(id, then), goal)
      const path = pathTo(r.parent, r.hit)
      prefix = [...path, ...prefix.slice(1)]
      goal = new Uint8Array(this.n)
      goal[path[0]!] = 1
    }
    const entry = prefix[prefix.length - 1]!
    // cycle: from the entry through a witness of every recur atom and fairness condition, back
    const targets: ((v: number, s: Step | null) => boolean)[] = []
    for (const a of p.recur) targets.push((v, s) => (a.action ? s !== null && this.edgeAtomOf(v, s, a.index) : s === null && this.g.stateAtom(v, a.index)))
    for (const f of p.fair) {
      const weakByState = !f.strong && this.anyState(comp, (v) => !this.g.stateAtom(v, f.enabled))
      const strongIdle = f.strong && !this.anyState(comp, (v) => this.g.stateAtom(v, f.enabled))
      if (weakByState) targets.push((v, s) => s === null && !this.g.stateAtom(v, f.enabled))
      else if (!strongIdle) targets.push((v, s) => s !== null && this.edgeAtomOf(v, s, f.step))
    }
    const cycle: number[] = []
    let at = entry
    for (const target of targets) {
      if (target(at, null)) continue
      let stutterOk = false
      this.stepsWithin(at, (w) => comp[w] === 1, (s) => (stutterOk ||= s.edge < 0 && target(at, s)))
      if (stutterOk) {
        cycle.push(at) // a stuttering step the behaviour must take infinitely often
        continue
      }
      const path = this.walk(at, comp, target)
      cycle.push(...path)
      if (path.length > 0) at = path[path.length - 1]!
    }
    if (at !== entry || (cycle.length === 0 && !this.stutters(entry, comp))) {
      // close the cycle: back to the entry by at least one real step
      const back = this.walk(at, comp, (v, s) => s !== null && s.edge >= 0 && s.to === entry)
      cycle.push(...back)
    }
    // a cycle of stuttering steps at the entry only: it stutters forever
    return { prefix, cycle: cycle.every((v) => v === entry) ? [] : cycle }
  }

  private stutters(v: number, comp: Uint8Array): boolean {
    let ok = false
    this.stepsWithin(v, (w) => comp[w] === 1, (s) => (ok ||= s.edge < 0))
    return ok
  }

  private anyState(comp: Uint8Array, f: (v: number) => boolean): boolean {
    for (let v = 0; v < this.n; v++) if (comp[v] === 1 && f(v)) return true
    return false
  }

  /**
   * Breadth-first walk inside the component from `from` to the first state (s = null) or
   * step meeting `target`; the states visited after `from`, a met step's target included
   * (the same state again for a stuttering step).
   */
  private walk(from: number, compSet: Uint8Array, target: (v: number, s: Step | null) => boolean): number[] {
    const comp = (w: number): boolean => compSet[w] === 1
    const parent = new Map<number, number>([[from, -1]])
    const queue = [from]
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi]!
      if (v !== from && target(v, null)) return pathFrom(parent, v)
      let hit: Step | null = null
      // a stuttering step may be the one met (then v repeats in the cycle)
      this.stepsWithin(v, comp, (s) => {
        if (hit === null && target(v, s)) hit = s
      })
      if (hit !== null) return [...pathFrom(parent, v), (hit as Step).to]
      this.stepsWithin(v, comp, (s) => {
        if (s.edge >= 0 && !parent.has(s.to)) {
          parent.set(s.to, v)
          queue.push(s.to)
        }
      })
    }
    throw new Error("liveness: a component's witness is not reachable inside it")
  }
}

const pathTo = (parent: Int32Array, last: number): number[] => {
  if (last < 0) throw new Error("liveness: the component is not reachable from the start states")
  const out: number[] = []
  for (let v = last; v >= 0; v = parent[v]!) out.push(v)
  return out.reverse()
}

/** The path from the walk's start (excluded) to `v`. */
const pathFrom = (parent: Map<number, number>, v: number): number[] => {
  const out: number[] = []
  for (let x = v; parent.get(x)! >= 0; x = parent.get(x)!) out.push(x)
  return out.reverse()
}
