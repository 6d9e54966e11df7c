// Liveness search for a property checked by its tableau (tableau.ts): the strongly
// connected components of the product with the behaviour graph (tableau-product.ts) are
// searched for one that is fulfilling (it visits every acceptance set of the automaton) and
// fair (the SPECIFICATION's WF/SF, by the same Streett check as liveness.ts: a component
// failing only SF is searched again without the states enabling the action). Such a
// component, reached from an initial product node, is a fair behaviour of the spec that
// violates the property; the counterexample is a lasso through it.
import { ComponentSearch } from "./components.ts"
import type { BehaviorGraph } from "./behavior-graph.ts"
import type { Lasso } from "./liveness.ts"
import type { CompiledTableau, Graph } from "./tableau-product.ts"
import { Product } from "./tableau-product.ts"


/** A fair behaviour of the graph the automaton accepts, as a lasso of state ids, or null. */
export const findTableauLasso = (g: BehaviorGraph, t: CompiledTableau): Lasso | null => {
  const found = new ProductSearch(new Product(g, t, true), t).run()
  return found === null ? null : withoutStutters(g, t, found)
}

/**
 * The lasso without repeated states (stuttering steps the product took to move the tableau
 * on), when it is still accepted: TLC's shape, with stuttering only as a last state's
 * forever. Properties that tell stuttering apart (an action such as x' = x) keep those they
 * need: then the repeats are taken out one at a time, each kept out when still accepted.
 */
const withoutStutters = (g: BehaviorGraph, t: CompiledTableau, l: ProductLasso): Lasso => {
  const entry = l.prefix[l.prefix.length - 1]!
  const lasso = (prefix: readonly number[], cycle: readonly number[]): Lasso => ({ prefix, cycle: cycle.every((s) => s === entry) ? [] : cycle })
  const dedupe = (xs: readonly number[], before: number): number[] => xs.filter((x, i) => x !== (i === 0 ? before : xs[i - 1]))
  const all = lasso(dedupe(l.prefix, -1), dedupe(l.cycle, entry))
  if (all.prefix.length === l.prefix.length && all.cycle.length === l.cycle.length) return all
  if (accepts(g, t, all)) return all
  let prefix = [...l.prefix]
  let cycle = [...l.cycle]
  if (prefix.length + cycle.length > 1000) return lasso(prefix, cycle)
  for (let i = prefix.length - 1; i > 0; i--) {
    if (prefix[i] !== prefix[i - 1]) continue
    const shorter = [...prefix.slice(0, i), ...prefix.slice(i + 1)]
    if (accepts(g, t, lasso(shorter, cycle))) prefix = shorter
  }
  for (let j = cycle.length - 1; j >= 0; j--) {
    if (cycle[j] !== (j === 0 ? entry : cycle[j - 1])) continue
    const shorter = [...cycle.slice(0, j), ...cycle.slice(j + 1)]
    if (accepts(g, t, lasso(prefix, shorter))) cycle = shorter
  }
  return lasso(prefix, cycle)
}

/** Whether the behaviour of `l` (repeated states as stuttering steps) is fair and accepted. */
const accepts = (g: BehaviorGraph, t: CompiledTableau, l: Lasso): boolean => {
  const w = [...l.prefix, ...l.cycle]
  const loop = l.prefix.length - 1 // back to the entry (itself, stuttering, for an empty cycle)
  if (l.cycle.length > 0) w.pop() // the cycle's last state is the entry again
  const next = (i: number): number => (i + 1 < w.length ? i + 1 : loop)
  const move = (i: number): number => {
    const s = w[i]!
    const to = w[next(i)]!
    if (s === to) return -1
    for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) if (g.edgeTarget(e) === to) return e
    throw new Error("liveness: a counterexample's step is not in the graph")
  }
  const moves = w.map((_, i) => move(i))
  const word: Graph = {
    initialStates: () => [0],
    edgeStart: (i) => i,
    edgeEnd: (i) => i + 1,
    edgeTarget: (i) => next(i),
    stateAtom: (i, a) => g.stateAtom(w[i]!, a),
    edgeAtom: (i, a) => (moves[i]! < 0 ? g.stutterAtom(w[i]!, a) : g.edgeAtom(moves[i]!, a)),
    stutterAtom: (i, a) => g.stutterAtom(w[i]!, a),
  }
  return new ProductSearch(new Product(word, t, false), t).run() !== null
}

/** States of the product's lasso: the prefix to the entry, then the cycle back to the entry's state. */
interface ProductLasso {
  readonly prefix: readonly number[]
  readonly cycle: readonly number[]
}

class ProductSearch {
  private readonly cs: ComponentSearch

  constructor(
    private readonly p: Product,
    private readonly t: CompiledTableau,
  ) {
    this.cs = new ComponentSearch(p, p.count)
  }

  run(): ProductLasso | null {
    const all: number[] = []
    for (let i = 0; i < this.p.count; i++) all.push(i)
    // the component whose first node the breadth-first construction found earliest: a short prefix
    let best: readonly number[] | null = null
    let bestFirst = Number.POSITIVE_INFINITY
    for (const comp of this.components(all, () => true)) {
      const first = least(comp)
      if (first >= bestFirst) continue
      const fit = this.fits(comp, 0)
      if (fit === null) continue
      best = fit
      bestFirst = first
    }
    return best === null ? null : this.lasso(best)
  }

  /** Components of the product's subgraph on `members` (edges into `isIn`). */
  private components(members: readonly number[], isIn: (w: number) => boolean): number[][] {
    return this.cs.components(members, (_v, _e, w) => isIn(w))
  }

  /** Calls `f` with each edge of `v` staying inside (`inside`). */
  private within(v: number, inside: (w: number) => boolean, f: (e: number, w: number) => void): void {
    for (let e = this.p.edgeStart(v); e < this.p.edgeEnd(v); e++) {
      const w = this.p.target(e)
      if (inside(w)) f(e, w)
    }
  }

  private enabledAt(v: number, atom: number): boolean {
    return this.p.g.stateAtom(this.p.state.get(v), atom)
  }

  /** `comp` (or a part of it) when it holds a cycle visiting every acceptance set, fairly. */
  private fits(comp: readonly number[], depth: number): readonly number[] | null {
    const inComp = this.cs.stamped(comp)
    let hasCycle = comp.length > 1
    if (!hasCycle) this.within(comp[0]!, inComp, () => (hasCycle = true))
    if (!hasCycle) return null
    for (const set of this.t.accept) if (!comp.some((v) => set[this.p.node.get(v)] === 1)) return null
    const stepIn = (atom: number): boolean => {
      for (const v of comp) {
        let hit = false
        this.within(v, inComp, (e) => (hit ||= this.p.actionOn(v, e, atom)))
        if (hit) return true
      }
      return false
    }
    for (const f of this.t.fair) {
      if (stepIn(f.step)) continue
      const enabled = comp.filter((v) => this.enabledAt(v, f.enabled))
      if (!f.strong) {
        if (enabled.length === comp.length) return null // always enabled, never taken
        continue
      }
      if (enabled.length === 0) continue
      // strong fairness: a cycle here must avoid the states enabling the action
      if (depth > this.t.fair.length) throw new Error("liveness: strong fairness recursion deeper than its conditions")
      const rest = comp.filter((v) => !this.enabledAt(v, f.enabled))
      for (const sub of this.components(rest, this.cs.stamped(rest))) {
        const fit = this.fits(sub, depth + 1)
        if (fit !== null) return fit
      }
      return null
    }
    return comp
  }

  // ------------------------------------------------------------ the counterexample

  private lasso(comp: readonly number[]): ProductLasso {
    const p = this.p
    const entry = least(comp)
    const inComp = new Uint8Array(p.count)
    for (const v of comp) inComp[v] = 1
    const inside = (w: number): boolean => inComp[w] === 1
    const prefix: number[] = []
    for (let v = entry; v >= 0; v = p.parent.get(v)) prefix.push(p.state.get(v))
    prefix.reverse()
    // the cycle: from the entry through a witness of every acceptance set and fairness condition, back
    type Target = (v: number, e: number) => boolean // e -1: the node itself
    const targets: Target[] = []
    for (const set of this.t.accept) targets.push((v, e) => e < 0 && set[p.node.get(v)] === 1)
    for (const f of this.t.fair) {
      const idle = comp.some((v) => !this.enabledAt(v, f.enabled))
      const strongIdle = f.strong && !comp.some((v) => this.enabledAt(v, f.enabled))
      if (!f.strong && idle) targets.push((v, e) => e < 0 && !this.enabledAt(v, f.enabled))
      else if (!strongIdle) targets.push((v, e) => e >= 0 && p.actionOn(v, e, f.step))
    }
    const cycle: number[] = [] // product nodes after the entry
    let at = entry
    for (const target of targets) {
      const path = this.walk(at, inside, target, false)
      cycle.push(...path)
      if (path.length > 0) at = path[path.length - 1]!
    }
    if (at !== entry || cycle.length === 0) cycle.push(...this.walk(at, inside, (_v, e) => e >= 0 && p.target(e) === entry, true))
    return { prefix, cycle: cycle.map((v) => p.state.get(v)) }
  }

  /**
   * Breadth-first walk inside the component from `from` to the first node (e = -1) or edge
   * meeting `target` (the start itself counts unless `step` asks for at least one edge);
   * the nodes visited after `from`, a met edge's target included.
   */
  private walk(from: number, inside: (w: number) => boolean, target: (v: number, e: number) => boolean, step: boolean): number[] {
    const parent = new Map<number, number>([[from, -1]])
    const queue = [from]
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi]!
      if ((v !== from || !step) && target(v, -1)) return pathFrom(parent, v)
      let hit = -1
      this.within(v, inside, (e, w) => {
        if (hit < 0 && target(v, e)) hit = w
      })
      if (hit >= 0) return [...pathFrom(parent, v), hit]
      this.within(v, inside, (_e, w) => {
        if (!parent.has(w)) {
          parent.set(w, v)
          queue.push(w)
        }
      })
    }
    throw new Error("liveness: a component's witness is not reachable inside it")
  }
}

/** The path from the walk's start (excluded) to `v`. */
const pathFrom = (parent: Map<number, number>, v: number): number[] => {
  const out: number[] = []
  for (let x = v; parent.get(x)! >= 0; x = parent.get(x)!) out.push(x)
  return out.reverse()
}

const least = (xs: readonly number[]): number => {
  let m = Number.POSITIVE_INFINITY
  for (const x of xs) if (x < m) m = x
  return m
}
