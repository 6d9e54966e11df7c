// Seeded randomness for tests whose schedules must be replayable from the seed they print.
import { nextRandom } from "../../src/core/consensus/prng.ts"

/** Draws in [0, 1) from the reducers' own PRNG (mulberry32), starting at `seed`. */
export const seededRandom = (seed: number): (() => number) => {
  let s = seed
  return () => {
    const r = nextRandom(s)
    s = r.seed
    return r.value
  }
}
