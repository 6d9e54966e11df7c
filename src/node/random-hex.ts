// Random identifiers (request ids, version uuids) drawn from a pooled buffer: one call to
// the system generator per 4 KiB instead of one per id (each call also checks for a fork,
// a getpid system call; ids were a visible share of a small request's CPU).
import { randomFillSync } from "node:crypto"

const POOL_BYTES = 4096
const pool = Buffer.allocUnsafe(POOL_BYTES)
let used = POOL_BYTES

/** `bytes` fresh random bytes as lowercase hex (bytes <= 256). */
export const randomHex = (bytes: number): string => {
  if (!(Number.isInteger(bytes) && bytes > 0 && bytes <= 256)) throw new RangeError(`randomHex: ${bytes} bytes`)
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool)
    used = 0
  }
  const out = pool.toString("hex", used, used + bytes)
  used += bytes
  return out
}
