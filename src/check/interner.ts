// Interning gives every distinct value (a node state, a message, a disk) a small integer.
// A cluster state then becomes a short array of integers: cheap to copy, hash and compare,
// and the reducer's pure steps can be memoised per (state id, input id).
import { canonicalJson } from "./canonical-json.ts"

export class Interner<T> {
  private readonly ids = new Map<string, number>()
  private readonly values: T[] = []

  /** The id of `value`, allocating one if the value was never seen. */
  intern(value: T): number {
    const key = canonicalJson(value)
    const found = this.ids.get(key)
    if (found !== undefined) return found
    const id = this.values.length
    this.values.push(value)
    this.ids.set(key, id)
    return id
  }

  value(id: number): T {
    const v = this.values[id]
    if (v === undefined && !(id in this.values)) throw new Error(`interner: unknown id ${id}`)
    return v as T
  }

  get size(): number {
    return this.values.length
  }
}

/** Interns pairs of non-negative integers (used for persistent lists such as the history). */
export class PairInterner {
  private readonly ids = new Map<number, number>()
  private readonly firsts: number[] = []
  private readonly seconds: number[] = []

  intern(a: number, b: number): number {
    // a < 2^26 and b < 2^26 keep the key exact in a double.
    const key = a * 67_108_864 + b
    const found = this.ids.get(key)
    if (found !== undefined) return found
    const id = this.firsts.length
    this.firsts.push(a)
    this.seconds.push(b)
    this.ids.set(key, id)
    return id
  }

  first(id: number): number {
    return this.firsts[id]!
  }

  second(id: number): number {
    return this.seconds[id]!
  }

  get size(): number {
    return this.firsts.length
  }
}
