// Hashes a body while it streams through: MD5 for the ETag and the requested checksum.
import { createHash } from "node:crypto"
import { newHasher, type ChecksumAlgorithm, type Hasher } from "./checksums.ts"
import { s3Error } from "./errors.ts"

export interface BodyDigests {
  md5(): Buffer
  checksum(): string | undefined
  size(): number
}

export const hashing = (
  source: AsyncIterable<Buffer>,
  algorithm: ChecksumAlgorithm | undefined,
  maxSize: number,
): { chunks: AsyncIterable<Buffer>; digests: BodyDigests } => {
  const md5 = createHash("md5")
  const checksum: Hasher | undefined = algorithm === undefined ? undefined : newHasher(algorithm)
  let size = 0
  let md5Digest: Buffer | undefined
  let checksumDigest: string | undefined
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      size += chunk.length
      if (size > maxSize) throw s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
      md5.update(chunk)
      checksum?.update(chunk)
      yield chunk
    }
  }
  return {
    chunks: chunks(),
    digests: {
      md5: () => (md5Digest ??= md5.digest()),
      checksum: () => (checksumDigest ??= checksum?.digest()),
      size: () => size,
    },
  }
}
