// The breadth-first queue of states still to explore, with their ids and levels. On a large
// run the states waiting here are most of the memory (MCNanoSmall: 1.1 GB RSS at 530k
// states, a third of the CPU in GC moving them between generations), so beyond the first
// `inMemory` waiting states a state is kept as MessagePack bytes of its values
// (value-codec) and rebuilt when it is taken; TLC keeps its queue on disk for the same
// reason. A state holding a lazy set or function (which has no finite encoding) stays
// an object.
import { Packr } from "msgpackr"
import type { Value } from "./values.ts"
import { decodeValue, encodePlain, type Encoded } from "./value-codec.ts"

type State = readonly Value[]

const packr = new Packr({ useRecords: false, moreTypes: false })

/**
 * Waiting states kept as objects. Bytes cost CPU (MCNanoSmall with every state past 50k
 * encoded: 28–30 s of CPU instead of 21.5, 0.44 GB RSS instead of 1.13), so only a queue
 * longer than most runs ever see is encoded: its purpose is to let a large run finish
 * instead of running out of memory.
 */
export const DEFAULT_IN_MEMORY = 200_000

export class StateQueue {
  private items: Array<State | Buffer> = []
  private ids: number[] = []
  private levels: number[] = []
  private head = 0

  constructor(private readonly inMemory = DEFAULT_IN_MEMORY) {}

  get length(): number {
    return this.items.length - this.head
  }

  push(state: State, id: number, level: number): void {
    let item: State | Buffer = state
    if (this.length >= this.inMemory) {
      const encoded: Encoded[] = []
      for (const v of state) {
        const e = encodePlain(v)
        if (e === undefined) break
        encoded.push(e)
      }
      if (encoded.length === state.length) item = packr.pack(encoded)
    }
    this.items.push(item)
    this.ids.push(id)
    this.levels.push(level)
  }

  /** The oldest state with its id and level; the queue must not be empty. */
  shift(): { readonly state: State; readonly id: number; readonly level: number } {
    const item = this.items[this.head]!
    const out = {
      state: Buffer.isBuffer(item) ? (packr.unpack(item) as Encoded[]).map(decodeValue) : item,
      id: this.ids[this.head]!,
      level: this.levels[this.head]!,
    }
    this.items[this.head] = undefined as unknown as State // let it go now, not at the next compaction
    this.head++
    if (this.head > 65536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.ids = this.ids.slice(this.head)
      this.levels = this.levels.slice(this.head)
      this.head = 0
    }
    return out
  }
}
