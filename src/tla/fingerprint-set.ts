// A set of 64-bit fingerprints (two 32-bit lanes) in typed arrays with open addressing.
export class FingerprintSet {
  private hi: Int32Array
  private lo: Int32Array
  private mask: number
  /** The id stored with each fingerprint (addOrFind), when kept. */
  private ids: Int32Array | null
  size = 0
  constructor(capacityLog2 = 16, withIds = false) {
    const cap = 1 << capacityLog2
    this.hi = new Int32Array(cap)
    this.lo = new Int32Array(cap)
    this.ids = withIds ? new Int32Array(cap) : null
    this.mask = cap - 1
  }

  /** Adds (h, l) with `id` and returns -1, or returns the id it was added with before. */
  addOrFind(h: number, l: number, id: number): number {
    const ids = this.ids
    if (ids === null) throw new Error("FingerprintSet made without ids")
    if (h === 0 && l === 0) l = 1
    let i = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask
    for (;;) {
      const a = this.hi[i]!
      const b = this.lo[i]!
      if (a === 0 && b === 0) break
      if (a === h && b === l) return ids[i]!
      i = (i + 1) & this.mask
    }
    this.hi[i] = h
    this.lo[i] = l
    ids[i] = id
    this.size++
    if (this.size * 2 > this.mask) this.grow()
    return -1
  }

  /** Adds (h, l); returns true if it was not present. (0, 0) is stored as (0, 1). */
  add(h: number, l: number): boolean {
    if (h === 0 && l === 0) l = 1
    let i = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask
    const hi = this.hi
    const lo = this.lo
    for (;;) {
      const a = hi[i]!
      const b = lo[i]!
      if (a === 0 && b === 0) break
      if (a === h && b === l) return false
      i = (i + 1) & this.mask
    }
    hi[i] = h
    lo[i] = l
    this.size++
    if (this.size * 2 > this.mask) this.grow()
    return true
  }

  has(h: number, l: number): boolean {
    if (h === 0 && l === 0) l = 1
    let i = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask
    for (;;) {
      const a = this.hi[i]!
      const b = this.lo[i]!
      if (a === 0 && b === 0) return false
      if (a === h && b === l) return true
      i = (i + 1) & this.mask
    }
  }

  private grow(): void {
    const oh = this.hi
    const ol = this.lo
    const oi = this.ids
    const cap = oh.length * 2
    this.hi = new Int32Array(cap)
    this.lo = new Int32Array(cap)
    this.ids = oi === null ? null : new Int32Array(cap)
    this.mask = cap - 1
    this.size = 0
    for (let i = 0; i < oh.length; i++) {
      const a = oh[i]!
      const b = ol[i]!
      if (a === 0 && b === 0) continue
      if (oi === null) this.add(a, b)
      else this.addOrFind(a, b, oi[i]!)
    }
  }
}

/** A growable Int32 column (parent pointers, fingerprints and levels of stored states). */
export class IntColumn {
  private data = new Int32Array(1 << 16)
  length = 0
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2)
      d.set(this.data)
      this.data = d
    }
    this.data[this.length++] = v
  }
  get(i: number): number {
    return this.data[i]!
  }
  set(i: number, v: number): void {
    if (i >= this.length) throw new RangeError(`IntColumn.set(${i}) past its length ${this.length}`)
    this.data[i] = v
  }
}
