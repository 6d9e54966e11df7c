// Checksums S3 clients send and ask for: CRC32, CRC32C (table-driven, no dependency), SHA1,
// SHA256, plus MD5 for ETags and Content-MD5. Every hasher is incremental.
import { createHash, type Hash } from "node:crypto"

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "SHA1" | "SHA256"
export const checksumAlgorithms: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "SHA1", "SHA256"]

const crcTable = (poly: number): Uint32Array => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1
    table[n] = c >>> 0
  }
  return table
}
const CRC32_TABLE = crcTable(0xedb88320)
const CRC32C_TABLE = crcTable(0x82f63b78)

/** Reflected CRC-32 with the given table; `crc` is the running value (start with 0). */
const crcUpdate = (table: Uint32Array, crc: number, data: Uint8Array): number => {
  let c = ~crc >>> 0
  for (let i = 0; i < data.length; i++) c = (table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)) >>> 0
  return ~c >>> 0
}

export const crc32 = (data: Uint8Array, crc = 0): number => crcUpdate(CRC32_TABLE, crc, data)
export const crc32c = (data: Uint8Array, crc = 0): number => crcUpdate(CRC32C_TABLE, crc, data)

const crcBase64 = (crc: number): string => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(crc >>> 0)
  return b.toString("base64")
}

export interface Hasher {
  update(data: Uint8Array): void
  /** The digest as S3 writes it (base64). */
  digest(): string
}

const crcHasher = (table: Uint32Array): Hasher => {
  let crc = 0
  return {
    update: (data) => {
      crc = crcUpdate(table, crc, data)
    },
    digest: () => crcBase64(crc),
  }
}

const nodeHasher = (name: string): Hasher => {
  const h: Hash = createHash(name)
  return { update: (data) => void h.update(data), digest: () => h.digest("base64") }
}

export const newHasher = (algorithm: ChecksumAlgorithm): Hasher => {
  switch (algorithm) {
    case "CRC32":
      return crcHasher(CRC32_TABLE)
    case "CRC32C":
      return crcHasher(CRC32C_TABLE)
    case "SHA1":
      return nodeHasher("sha1")
    case "SHA256":
      return nodeHasher("sha256")
  }
}

/** The checksum of whole data, base64. */
export const checksumOf = (algorithm: ChecksumAlgorithm, data: Uint8Array): string => {
  const h = newHasher(algorithm)
  h.update(data)
  return h.digest()
}

export const parseAlgorithm = (name: string | undefined): ChecksumAlgorithm | undefined => {
  const upper = name?.toUpperCase()
  return checksumAlgorithms.find((a) => a === upper)
}

/** The expected raw length of each algorithm's digest, to reject malformed header values. */
export const digestLength: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32 }

// ---- combining CRCs: the CRC of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine, with
// the GF(2) operator for a zero byte squared repeatedly), for FULL_OBJECT multipart checksums.

const gf2Times = (mat: Uint32Array, vec: number): number => {
  let sum = 0
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i]!
  return sum >>> 0
}
const gf2Square = (square: Uint32Array, mat: Uint32Array): void => {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]!)
}

const crcCombine = (poly: number, crc1: number, crc2: number, len2: number): number => {
  if (len2 <= 0) return crc1 >>> 0
  const even = new Uint32Array(32)
  const odd = new Uint32Array(32)
  odd[0] = poly
  for (let n = 1, row = 1; n < 32; n++, row = (row << 1) >>> 0) odd[n] = row
  gf2Square(even, odd) // two zero bits
  gf2Square(odd, even) // four zero bits
  let len = len2
  for (;;) {
    gf2Square(even, odd)
    if (len % 2 === 1) crc1 = gf2Times(even, crc1)
    len = Math.floor(len / 2)
    if (len === 0) break
    gf2Square(odd, even)
    if (len % 2 === 1) crc1 = gf2Times(odd, crc1)
    len = Math.floor(len / 2)
    if (len === 0) break
  }
  return (crc1 ^ crc2) >>> 0
}

/** The algorithms whose part checksums combine into a checksum of the whole object. */
export const isCrc = (algorithm: ChecksumAlgorithm): algorithm is "CRC32" | "CRC32C" => algorithm === "CRC32" || algorithm === "CRC32C"

/** The CRC (base64) of the concatenation of parts given their CRCs (base64) and sizes. */
export const combinedCrc = (algorithm: "CRC32" | "CRC32C", parts: readonly { readonly value: string; readonly size: number }[]): string => {
  const poly = algorithm === "CRC32" ? 0xedb88320 : 0x82f63b78
  let crc = 0
  for (const p of parts) crc = crcCombine(poly, crc, Buffer.from(p.value, "base64").readUInt32BE(0), p.size)
  return crcBase64(crc)
}

export const headerName = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`
