// Deterministic pseudo-random bytes for large uploads: AES-256-CTR keystream over zeros, keyed
// by a seed string, so a test can regenerate any stretch (a part, a range) instead of holding
// the whole object in memory.
import { createCipheriv, createHash } from "node:crypto"

const BLOCK = 16

/** `length` bytes of the stream named `seed`, starting at byte `offset` (a multiple of 16). */
export const deterministicBytes = (seed: string, offset: number, length: number): Buffer => {
  if (offset % BLOCK !== 0) throw new Error("offset must be a multiple of 16")
  const key = createHash("sha256").update(seed).digest()
  const iv = Buffer.alloc(BLOCK)
  iv.writeBigUInt64BE(BigInt(offset / BLOCK), 8)
  const cipher = createCipheriv("aes-256-ctr", key, iv)
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()])
}

/** The stream as 1 MiB pieces, for request bodies that must not be materialised. */
export async function* deterministicStream(seed: string, offset: number, length: number, piece = 1024 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < length; at += piece) yield deterministicBytes(seed, offset + at, Math.min(piece, length - at))
}

/** The SHA-256 of `length` bytes of the stream. */
export const deterministicSha256 = (seed: string, length: number): string => {
  const h = createHash("sha256")
  for (let at = 0; at < length; at += 4 * 1024 * 1024) h.update(deterministicBytes(seed, at, Math.min(4 * 1024 * 1024, length - at)))
  return h.digest("hex")
}
