// 64-bit fingerprints of encoded states (two independent 32-bit lanes), in the spirit of
// TLC's FP64: only fingerprints are stored, and the report prints the optimistic
// collision estimate n·(g−n)/2^64 as TLC does.
export interface Fingerprint {
  hi: number
  lo: number
}

const mix = (h: number, k: number): number => {
  k = Math.imul(k, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

const finish = (h: number, length: number): number => {
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Fingerprints `words[0..length)` into `out` (reused to avoid allocation on the hot path). */
export const fingerprintWords = (words: ArrayLike<number>, length: number, out: Fingerprint): void => {
  let a = 0x9747b28c
  let b = 0x2f1e3d5b
  for (let i = 0; i < length; i++) {
    const w = words[i]! | 0
    a = mix(a, w)
    b = mix(b, w ^ 0x5bd1e995)
  }
  out.hi = finish(a, length)
  out.lo = finish(b ^ 0x7feb352d, length + 1)
}

/** TLC's "calculated (optimistic)" probability that a fingerprint collision hid a state. */
export const optimisticCollisionProbability = (distinct: number, generated: number): number =>
  (distinct * Math.max(0, generated - distinct)) / 2 ** 64
