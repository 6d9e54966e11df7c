// Row keys: [partition u16][sha256(partition key) 32 bytes][sort key UTF-8]. A partition's
// rows are one contiguous range, and inside it one partition key's rows are contiguous and
// ordered by sort key in byte order (S3 listing order).
import { createHash } from "node:crypto"
import type { ShardBy } from "./schema.ts"

export const HASH_BYTES = 32
export const PARTITION_BYTES = 2
const HEADER = PARTITION_BYTES + HASH_BYTES

export const sha256 = (data: string | Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest())

/** Partition of a hash: its top log2(count) bits (the same rule as cluster's partitionOf). */
export const partitionOfHash = (hash: Uint8Array, partitionCount: number): number => {
  if (partitionCount <= 1) return 0
  const top = ((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0
  return top >>> (32 - Math.log2(partitionCount))
}

/** The partition a row lives in (`partitionBytes`: the schema's override, see TableSchema). */
export const partitionOfRow = (
  shardBy: ShardBy,
  pk: string,
  sk: string,
  partitionCount: number,
  partitionBytes?: (pk: string) => Uint8Array,
): number =>
  partitionOfHash(
    shardBy === "partitionKey" ? sha256(partitionBytes === undefined ? pk : partitionBytes(pk)) : sha256(`${pk.length}:${pk}${sk}`),
    partitionCount,
  )

const partitionBytes = (p: number): Uint8Array => new Uint8Array([(p >>> 8) & 0xff, p & 0xff])

export const concatBytes = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder("utf-8", { fatal: true })

export const rowKey = (partition: number, pk: string, sk: string): Uint8Array =>
  concatBytes(partitionBytes(partition), sha256(pk), utf8.encode(sk))

/** First and one-past-last row keys of a partition. */
export const partitionRange = (partition: number): { start: Uint8Array; end: Uint8Array } => ({
  start: partitionBytes(partition),
  end: partitionBytes(partition + 1),
})

/** Row keys of `pk` in `partition` with start <= sort key < end (end undefined: no bound). */
export const sortKeyRange = (
  partition: number,
  pk: string,
  start: string,
  end: string | undefined,
): { start: Uint8Array; end: Uint8Array } => {
  const head = concatBytes(partitionBytes(partition), sha256(pk))
  return {
    start: concatBytes(head, utf8.encode(start)),
    end: end === undefined ? successorPrefix(head) : concatBytes(head, utf8.encode(end)),
  }
}

/** The smallest byte string greater than every string that starts with `prefix`. */
const successorPrefix = (prefix: Uint8Array): Uint8Array => {
  const out = Uint8Array.from(prefix)
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1
      return out.subarray(0, i + 1)
    }
  }
  return concatBytes(prefix, new Uint8Array([0xff])) // all 0xff: cannot happen with a partition header
}

export const partitionOfKey = (key: Uint8Array): number => (key[0]! << 8) | key[1]!

export const sortKeyOfKey = (key: Uint8Array): string => fromUtf8.decode(key.subarray(HEADER))

export const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => compareBytes(a, b) === 0

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")
