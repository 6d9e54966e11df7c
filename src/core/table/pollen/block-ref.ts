// block reference (sharded by block hash): one row per (block, version using it). The
// block layer counts a block's live references from these rows; a block with none is
// deleted after a delay (DESIGN §5.5). Partitioned like the block itself (the hash's
// bytes, block-messages.ts blockPartitionOf), so the rows sit on the block's holders.
import { Schema } from "effect"
import { mergeBool } from "../../crdt/index.ts"
import { defineTable } from "../schema.ts"

export const BlockRefRow = Schema.Struct({ block: Schema.String, version: Schema.String, deleted: Schema.Boolean })
export type BlockRefRow = typeof BlockRefRow.Type

export const blockRefTable = defineTable<BlockRefRow>({
  name: "block_ref",
  replication: "sharded",
  shardBy: "partitionKey",
  entry: BlockRefRow,
  partitionKey: (r) => r.block,
  sortKey: (r) => r.version,
  partitionBytes: (pk) => Buffer.from(pk, "hex"),
  merge: (a, b) => (mergeBool(a.deleted, b.deleted) === a.deleted ? a : b),
  isTombstone: (r) => r.deleted,
})
