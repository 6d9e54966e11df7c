// A seeded PRNG kept in reducer state (DESIGN §3: no Math.random in the core). mulberry32:
// 32-bit state, one multiply-xorshift round per draw; good enough for backoff jitter.

/** The next state and a uniform draw in [0, 1). */
export const nextRandom = (seed: number): { readonly seed: number; readonly value: number } => {
  const s = (seed + 0x6d2b79f5) | 0
  let t = s
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296
  return { seed: s, value }
}

/** A seed derived from a string (FNV-1a), so each node's PRNG starts differently but reproducibly. */
export const seedOf = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h | 0
}

/**
 * Randomised exponential backoff: uniform in [0, min(cap, base · 2^attempt)), rounded to
 * whole milliseconds, at least 1 ms.
 */
export const backoffDelay = (seed: number, attempt: number, baseMs: number, capMs: number) => {
  const r = nextRandom(seed)
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30))
  return { seed: r.seed, delayMs: Math.max(1, Math.floor(r.value * ceiling)) }
}
