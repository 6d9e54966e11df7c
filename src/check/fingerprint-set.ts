// The set of visited states: open addressing over 64-bit fingerprints in typed arrays,
// with each state's parent index and the index of the action that reached it, so a
// counterexample is rebuilt by re-executing from an initial state (as TLC does).
// Memory per stored state: 8 bytes of fingerprint per slot at load factor 0.25..0.5
// (16..32 bytes per state), plus 4 (parent) + 4 (action) per state.
// The all-zero fingerprint marks an empty slot, so a real (0, 0) is stored as (0, 1).
export class FingerprintSet {
  private capacity: number
  private his: Uint32Array
  private los: Uint32Array
  private parents: Int32Array
  private actions: Int32Array
  private count = 0

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity
    this.his = new Uint32Array(initialCapacity)
    this.los = new Uint32Array(initialCapacity)
    this.parents = new Int32Array(initialCapacity >> 1)
    this.actions = new Int32Array(initialCapacity >> 1)
  }

  get size(): number {
    return this.count
  }

  /** Bytes held by the set's arrays (the figure `bench:mc` reports per stored state). */
  get bytes(): number {
    return (
      this.his.byteLength + this.los.byteLength + this.parents.byteLength + this.actions.byteLength
    )
  }

  /** Adds the fingerprint; returns the new state's index, or -1 if it was already present. */
  add(hi: number, lo: number, parent: number, action: number): number {
    if (hi === 0 && lo === 0) lo = 1
    if ((this.count + 1) * 2 > this.capacity) this.grow()
    const mask = this.capacity - 1
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask
    for (;;) {
      const l = this.los[i]!
      const h = this.his[i]!
      if (l === 0 && h === 0) break
      if (l === lo && h === hi) return -1
      i = (i + 1) & mask
    }
    const index = this.count++
    this.his[i] = hi
    this.los[i] = lo
    this.parents[index] = parent
    this.actions[index] = action
    return index
  }

  parent(index: number): number {
    return this.parents[index]!
  }

  action(index: number): number {
    return this.actions[index]!
  }

  private grow(): void {
    const { his, los } = this
    const capacity = this.capacity * 2
    this.capacity = capacity
    this.his = new Uint32Array(capacity)
    this.los = new Uint32Array(capacity)
    const mask = capacity - 1
    for (let j = 0; j < his.length; j++) {
      const hi = his[j]!
      const lo = los[j]!
      if (hi === 0 && lo === 0) continue
      let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask
      while (this.his[i] !== 0 || this.los[i] !== 0) i = (i + 1) & mask
      this.his[i] = hi
      this.los[i] = lo
    }
    const parents = new Int32Array(capacity >> 1)
    parents.set(this.parents)
    this.parents = parents
    const actions = new Int32Array(capacity >> 1)
    actions.set(this.actions)
    this.actions = actions
  }
}
