// Requests and responses of the table RPC endpoints. Rows travel as their encoded bytes
// (row-codec) and are decoded with the table's entry Schema on arrival.
import { Schema } from "effect"
import { MerkleNodeSchema } from "./merkle.ts"

const Bytes = Schema.Uint8Array
const Partition = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(65536))
const TableName = Schema.String

export const UpdateReq = Schema.Struct({ table: TableName, rows: Schema.Array(Bytes) })
export const UpdateRes = Schema.Struct({ changed: Schema.Int })

export const ReadReq = Schema.Struct({ table: TableName, pk: Schema.String, sk: Schema.String })
export const ReadRes = Schema.Struct({ row: Schema.NullOr(Bytes) })

/** Rows per range answer: 1000 rows of a few KiB stay well under the RPC frame limit. */
export const MAX_RANGE_LIMIT = 1000

export const RangeReq = Schema.Struct({
  table: TableName,
  partitions: Schema.Array(Partition),
  pk: Schema.String,
  start: Schema.String,
  end: Schema.NullOr(Schema.String),
  limit: Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(MAX_RANGE_LIMIT)),
})
/**
 * The first `limit` rows over all the partitions asked about, in sort-key order. When not
 * `complete`, every row of those partitions up to the last row's sort key is included.
 */
export const RangeRes = Schema.Struct({
  rows: Schema.Array(Schema.Struct({ partition: Partition, sortKey: Schema.String, row: Bytes })),
  complete: Schema.Boolean,
})

export const RootsReq = Schema.Struct({ table: TableName, partitions: Schema.Array(Partition) })
export const RootsRes = Schema.Struct({ roots: Schema.Array(Bytes) })

export const MerkleReq = Schema.Struct({ table: TableName, partition: Partition, prefix: Bytes })
export const MerkleRes = Schema.Struct({ node: Schema.NullOr(MerkleNodeSchema) })

/** Delete each row only if its bytes still hash to `hash` (tombstone GC, offload). */
export const DeleteIfEqualReq = Schema.Struct({
  table: TableName,
  items: Schema.Array(Schema.Struct({ key: Bytes, hash: Bytes })),
})
export const DeleteIfEqualRes = Schema.Struct({ deleted: Schema.Int })

export const Endpoint = {
  update: "table/update",
  read: "table/read",
  range: "table/range",
  roots: "table/roots",
  merkle: "table/merkle",
  deleteIfEqual: "table/delete-if-equal",
} as const
