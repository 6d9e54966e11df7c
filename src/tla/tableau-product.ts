// The product of the recorded behaviour graph (every state with its stuttering step) with
// the tableau of a property's negation (tableau.ts), built breadth-first from the initial
// states paired with the tableau's initial nodes. A product node is a state and a tableau
// node whose state literals hold there; a product edge is a step of the graph (or the
// stuttering step) on which the tableau node's action literals hold, to a successor node
// of the tableau. tableau-search.ts searches it.
import { IntColumn } from "./fingerprint-set.ts"
import type { CompiledPattern } from "./liveness.ts"
import type { Lit } from "./tableau.ts"

export interface CompiledTableau {
  /** Per tableau node: its literals over state atoms and over action atoms, its successors. */
  readonly nodes: readonly { readonly stateLits: readonly Lit[]; readonly actionLits: readonly Lit[]; readonly succ: readonly number[] }[]
  readonly initial: readonly number[]
  readonly accept: readonly Uint8Array[]
  readonly fair: CompiledPattern["fair"]
}

/** What the product reads of a graph: the behaviour graph, or one lasso as a graph (a check of a counterexample). */
export interface Graph {
  initialStates(): number[]
  edgeStart(id: number): number
  edgeEnd(id: number): number
  edgeTarget(e: number): number
  stateAtom(id: number, atom: number): boolean
  edgeAtom(e: number, atom: number): boolean
  stutterAtom(id: number, atom: number): boolean
}

/** The reachable product, built breadth-first (ids in discovery order, parents kept for the prefix). */
export class Product {
  readonly state = new IntColumn()
  readonly node = new IntColumn()
  readonly parent = new IntColumn()
  private readonly starts = new IntColumn()
  private readonly targets = new IntColumn()
  /** The graph edge of each product edge; -1 the stuttering step. */
  private readonly moves = new IntColumn()
  private readonly ids = new PairIds()
  count = 0

  constructor(
    readonly g: Graph,
    private readonly t: CompiledTableau,
    /** Whether every state may also stutter (not for a lasso read as a graph: its positions are explicit). */
    stutter: boolean,
  ) {
    const idOf = (s: number, q: number, from: number): number => {
      let id = this.ids.get(s, q)
      if (id < 0) {
        id = this.count++
        this.ids.set(s, q, id)
        this.state.push(s)
        this.node.push(q)
        this.parent.push(from)
      }
      return id
    }
    for (const s of g.initialStates()) for (const q of t.initial) if (this.stateOk(s, q)) idOf(s, q, -1)
    for (let id = 0; id < this.count; id++) {
      const s = this.state.get(id)
      const q = this.node.get(id)
      const tn = t.nodes[q]!
      this.starts.push(this.targets.length)
      const move = (to: number, e: number): void => {
        for (const l of tn.actionLits) if ((e < 0 ? g.stutterAtom(s, l.atom) : g.edgeAtom(e, l.atom)) !== l.pos) return
        for (const q2 of tn.succ)
          if (this.stateOk(to, q2)) {
            this.targets.push(idOf(to, q2, id))
            this.moves.push(e)
          }
      }
      if (stutter) move(s, -1)
      for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) move(g.edgeTarget(e), e)
    }
    this.starts.push(this.targets.length)
  }

  private stateOk(s: number, q: number): boolean {
    for (const l of this.t.nodes[q]!.stateLits) if (this.g.stateAtom(s, l.atom) !== l.pos) return false
    return true
  }

  edgeStart(id: number): number {
    return this.starts.get(id)
  }
  edgeEnd(id: number): number {
    return this.starts.get(id + 1)
  }
  target(e: number): number {
    return this.targets.get(e)
  }
  /** Action atom `atom` on product edge `e` out of product node `from`. */
  actionOn(from: number, e: number, atom: number): boolean {
    const ge = this.moves.get(e)
    return ge < 0 ? this.g.stutterAtom(this.state.get(from), atom) : this.g.edgeAtom(ge, atom)
  }
}

/** Ids of (state, tableau node) pairs: open addressing in typed arrays (a Map of millions of keys costs ~100 bytes each). */
class PairIds {
  private keysA = new Int32Array(1 << 12).fill(-1)
  private keysB = new Int32Array(1 << 12)
  private vals = new Int32Array(1 << 12)
  private size = 0

  private slot(a: number, b: number): number {
    const mask = this.keysA.length - 1
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0
    for (;;) {
      h &= mask
      const k = this.keysA[h]!
      if (k === -1 || (k === a && this.keysB[h] === b)) return h
      h++
    }
  }

  get(a: number, b: number): number {
    const h = this.slot(a, b)
    return this.keysA[h] === -1 ? -1 : this.vals[h]!
  }

  set(a: number, b: number, v: number): void {
    if ((this.size + 1) * 2 > this.keysA.length) this.grow()
    const h = this.slot(a, b)
    if (this.keysA[h] === -1) this.size++
    this.keysA[h] = a
    this.keysB[h] = b
    this.vals[h] = v
  }

  private grow(): void {
    const [ka, kb, vs] = [this.keysA, this.keysB, this.vals]
    this.keysA = new Int32Array(ka.length * 2).fill(-1)
    this.keysB = new Int32Array(ka.length * 2)
    this.vals = new Int32Array(ka.length * 2)
    for (let i = 0; i < ka.length; i++) if (ka[i] !== -1) {
      const h = this.slot(ka[i]!, kb[i]!)
      this.keysA[h] = ka[i]!
      this.keysB[h] = kb[i]!
      this.vals[h] = vs[i]!
    }
  }
}

