// The state graph the breadth-first search records when liveness is checked: for each
// stored state the truth of every state atom and of every action atom on its stuttering
// step, and for each transition its target and the truth of every action atom. Atoms are
// the predicates of the liveness patterns (temporal.ts), evaluated once during the search
// so that the graph search after it (liveness.ts) never needs the states again.
import { IntColumn } from "./fingerprint-set.ts"

export class BehaviorGraph {
  /** Words of atom bits per state and per edge. */
  readonly stateWords: number
  readonly actionWords: number
  private readonly stateBits = new IntColumn()
  private readonly stutterBits = new IntColumn()
  private readonly starts = new IntColumn()
  private readonly targets = new IntColumn()
  private readonly edgeBits = new IntColumn()
  private readonly initial = new IntColumn()
  states = 0
  private closed = false

  constructor(stateAtoms: number, actionAtoms: number) {
    this.stateWords = Math.max(1, Math.ceil(stateAtoms / 32))
    this.actionWords = Math.max(1, Math.ceil(actionAtoms / 32))
  }

  /** A new stored state (ids are consecutive from 0) with its state-atom bits. */
  addState(bits: Int32Array, initial: boolean): void {
    for (let w = 0; w < this.stateWords; w++) this.stateBits.push(bits[w]!)
    if (initial) this.initial.push(this.states)
    this.states++
  }

  /** Starts the transitions of state `id` (states are expanded in id order). */
  beginTransitions(id: number, stutter: Int32Array): void {
    if (id !== this.starts.length) throw new Error(`behaviour graph: state ${id} expanded out of order (expected ${this.starts.length})`)
    this.starts.push(this.targets.length)
    for (let w = 0; w < this.actionWords; w++) this.stutterBits.push(stutter[w]!)
  }

  addEdge(to: number, bits: Int32Array): void {
    this.targets.push(to)
    for (let w = 0; w < this.actionWords; w++) this.edgeBits.push(bits[w]!)
  }

  /** Ends the search: every stored state must have been expanded. */
  close(): void {
    if (this.starts.length !== this.states) throw new Error(`behaviour graph: ${this.states - this.starts.length} states not expanded`)
    this.starts.push(this.targets.length)
    this.closed = true
  }

  get edges(): number {
    return this.targets.length
  }

  initialStates(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.initial.length; i++) out.push(this.initial.get(i))
    return out
  }

  edgeStart(id: number): number {
    return this.starts.get(id)
  }

  edgeEnd(id: number): number {
    if (!this.closed) throw new Error("behaviour graph read before the search ended")
    return this.starts.get(id + 1)
  }

  edgeTarget(e: number): number {
    return this.targets.get(e)
  }

  stateAtom(id: number, atom: number): boolean {
    return ((this.stateBits.get(id * this.stateWords + (atom >>> 5)) >>> (atom & 31)) & 1) === 1
  }

  edgeAtom(e: number, atom: number): boolean {
    return ((this.edgeBits.get(e * this.actionWords + (atom >>> 5)) >>> (atom & 31)) & 1) === 1
  }

  setStateAtom(id: number, atom: number, v: boolean): void {
    const at = id * this.stateWords + (atom >>> 5)
    const word = this.stateBits.get(at)
    this.stateBits.set(at, v ? word | (1 << (atom & 31)) : word & ~(1 << (atom & 31)))
  }

  /**
   * Sets state atom `enabled` of every state to whether one of its transitions meets action
   * atom `step`: ENABLED <<A>>_v read off the graph, for an action the evaluator cannot
   * enumerate on its own (an instance's action whose substitution primes an expression).
   */
  deriveEnabled(enabled: number, step: number): void {
    for (let id = 0; id < this.states; id++) {
      let on = false
      for (let e = this.edgeStart(id); e < this.edgeEnd(id) && !on; e++) on = this.edgeAtom(e, step)
      this.setStateAtom(id, enabled, on)
    }
  }

  stutterAtom(id: number, atom: number): boolean {
    return ((this.stutterBits.get(id * this.actionWords + (atom >>> 5)) >>> (atom & 31)) & 1) === 1
  }
}

/** Sets bit `i` of `bits` to `v`. */
export const setBit = (bits: Int32Array, i: number, v: boolean): void => {
  if (v) bits[i >>> 5]! |= 1 << (i & 31)
  else bits[i >>> 5]! &= ~(1 << (i & 31))
}
