// Symmetry reduction by fingerprint: a state's fingerprint is the smallest fingerprint of its
// images under the symmetry group (a function of the orbit, so two states get the same one
// exactly when one is a permutation of the other, as with TLC's canonical states). Set and
// function hashes are order-independent sums (values.ts), so the hash of a value's image is
// computed from its parts' image hashes without building or re-sorting the image; the image
// hashes are cached on the value, and values no permutation moves are marked INVARIANT.
import type { Value } from "./values.ts"
import {
  FcnValue, LazyFcn, LazySet, ModelValue, SetValue, finishFcnA, finishFcnB, finishSetA, finishSetB, hashLo, hashValue, pairA, pairB,
  setElemA, setElemB,
} from "./values.ts"

/** Marks a value whose image under every permutation is itself. */
const INVARIANT = new Int32Array(0)

let groups = 0

export class SymmetryGroup {
  /** Tells apart caches filled for different groups (values outlive models, e.g. in tests). */
  readonly id = groups++
  /** Number of permutations (the identity excluded). */
  readonly n: number
  private readonly moved = new Map<ModelValue, Int32Array>()
  private readonly scratchA: Int32Array
  private readonly scratchB: Int32Array

  constructor(readonly perms: readonly Map<ModelValue, ModelValue>[]) {
    this.n = perms.length
    for (const p of perms)
      for (const m of p.keys())
        if (!this.moved.has(m)) {
          const arr = new Int32Array(2 * this.n)
          for (let pi = 0; pi < this.n; pi++) {
            const img = perms[pi]!.get(m) ?? m
            arr[2 * pi] = img.h1
            arr[2 * pi + 1] = img.h2
          }
          this.moved.set(m, arr)
        }
    this.scratchA = new Int32Array(this.n)
    this.scratchB = new Int32Array(this.n)
  }

  /** Hash lanes of v's image under each permutation ([h1, h2] per permutation), or INVARIANT. */
  imageHashes(v: Value): Int32Array {
    if (typeof v !== "object") return INVARIANT
    if (v instanceof ModelValue) return this.moved.get(v) ?? INVARIANT
    let o: SetValue | FcnValue
    if (v instanceof LazySet) o = v.toSet()
    else if (v instanceof LazyFcn) o = v.materialize()
    else o = v
    if (o.phGroup === this.id) return o.ph!
    const r = o instanceof SetValue ? this.setImages(o) : this.fcnImages(o)
    o.ph = r
    o.phGroup = this.id
    return r
  }

  private setImages(s: SetValue): Int32Array {
    const n = this.n
    const el = s.elems
    let parts: Int32Array[] | null = null
    for (let i = 0; i < el.length; i++) {
      const x = this.imageHashes(el[i]!)
      if (x !== INVARIANT) (parts ??= new Array<Int32Array>(el.length))[i] = x
    }
    if (parts === null) return INVARIANT
    const a = this.scratchA.fill(0)
    const b = this.scratchB.fill(0)
    for (let i = 0; i < el.length; i++) {
      const x = parts[i]
      if (x === undefined) {
        const ea = setElemA(hashValue(el[i]!))
        const eb = setElemB(hashLo)
        for (let pi = 0; pi < n; pi++) {
          a[pi] = a[pi]! + ea
          b[pi] = b[pi]! + eb
        }
      } else
        for (let pi = 0; pi < n; pi++) {
          a[pi] = a[pi]! + setElemA(x[2 * pi]!)
          b[pi] = b[pi]! + setElemB(x[2 * pi + 1]!)
        }
    }
    const out = new Int32Array(2 * n)
    for (let pi = 0; pi < n; pi++) {
      out[2 * pi] = finishSetA(a[pi]!, el.length)
      out[2 * pi + 1] = finishSetB(b[pi]!, el.length)
    }
    return out
  }

  private fcnImages(f: FcnValue): Int32Array {
    const n = this.n
    const vals = f.vals
    const keys = f.keys
    // tuple indices and record field names are never moved
    const keysFixed = keys === null || typeof keys[0] === "string"
    let vparts: Int32Array[] | null = null
    let kparts: Int32Array[] | null = null
    for (let i = 0; i < vals.length; i++) {
      const x = this.imageHashes(vals[i]!)
      if (x !== INVARIANT) (vparts ??= new Array<Int32Array>(vals.length))[i] = x
      if (!keysFixed) {
        const y = this.imageHashes(keys[i]!)
        if (y !== INVARIANT) (kparts ??= new Array<Int32Array>(vals.length))[i] = y
      }
    }
    if (vparts === null && kparts === null) return INVARIANT
    const a = this.scratchA.fill(0)
    const b = this.scratchB.fill(0)
    for (let i = 0; i < vals.length; i++) {
      const kx = kparts?.[i]
      const vx = vparts?.[i]
      const hk = hashValue(keys === null ? i + 1 : keys[i]!)
      const lk = hashLo
      const hv = hashValue(vals[i]!)
      const lv = hashLo
      if (kx === undefined && vx === undefined) {
        const pa = pairA(hk, hv)
        const pb = pairB(lk, lv)
        for (let pi = 0; pi < n; pi++) {
          a[pi] = a[pi]! + pa
          b[pi] = b[pi]! + pb
        }
        continue
      }
      for (let pi = 0; pi < n; pi++) {
        const k1 = kx === undefined ? hk : kx[2 * pi]!
        const k2 = kx === undefined ? lk : kx[2 * pi + 1]!
        const v1 = vx === undefined ? hv : vx[2 * pi]!
        const v2 = vx === undefined ? lv : vx[2 * pi + 1]!
        a[pi] = a[pi]! + pairA(k1, v1)
        b[pi] = b[pi]! + pairB(k2, v2)
      }
    }
    const out = new Int32Array(2 * n)
    for (let pi = 0; pi < n; pi++) {
      out[2 * pi] = finishFcnA(a[pi]!, vals.length)
      out[2 * pi + 1] = finishFcnB(b[pi]!, vals.length)
    }
    return out
  }
}

export const isInvariant = (x: Int32Array): boolean => x === INVARIANT
