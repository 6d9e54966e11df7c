// version (sharded by version id): the block list of one object version or one multipart
// part, one row per version so a large object never rewrites a growing list (Garage's
// O(n²) rewrite, reference/garage.md §10). Deleting a version clears its blocks and
// queues the deletion of their block references (a cascade).
import { Schema } from "effect"
import { mapEmpty, mergeBool, mergeMap, type Json } from "../../crdt/index.ts"
import { defineTable } from "../schema.ts"
import { mergeByOrder, sameFields } from "./merges.ts"

export const BlockEntry = Schema.Struct({ hash: Schema.String, size: Schema.Number })

export const Backlink = Schema.Union([
  Schema.TaggedStruct("Object", { bucketId: Schema.String, key: Schema.String }),
  Schema.TaggedStruct("Upload", { uploadId: Schema.String }),
])

export const VersionRow = Schema.Struct({
  id: Schema.String,
  deleted: Schema.Boolean,
  /** blockKey(part, offset) -> block. */
  blocks: Schema.Record(Schema.String, BlockEntry),
  backlink: Backlink,
})
export type VersionRow = typeof VersionRow.Type

/** Sorts blocks by part number, then offset. */
export const blockKey = (partNumber: number, offset: number): string =>
  `${String(partNumber).padStart(5, "0")}:${String(offset).padStart(16, "0")}`

export const deletedVersion = (id: string, backlink: VersionRow["backlink"]): VersionRow => ({
  id,
  deleted: true,
  blocks: mapEmpty,
  backlink,
})

const mergeBlock = (a: VersionRow["blocks"][string], b: VersionRow["blocks"][string]) =>
  mergeByOrder(a as unknown as Json, b as unknown as Json) as unknown as typeof a

export const versionTable = defineTable<VersionRow>({
  name: "version",
  replication: "sharded",
  shardBy: "partitionKey",
  entry: VersionRow,
  partitionKey: (r) => r.id,
  sortKey: () => "",
  merge: (a, b) => {
    const deleted = mergeBool(a.deleted, b.deleted)
    return sameFields(a, {
      id: a.id,
      deleted,
      blocks: deleted ? (Object.keys(a.blocks).length === 0 ? a.blocks : mapEmpty) : mergeMap(a.blocks, b.blocks, mergeBlock),
      backlink: mergeByOrder(a.backlink as unknown as Json, b.backlink as unknown as Json) as unknown as VersionRow["backlink"],
    })
  },
  isTombstone: (r) => r.deleted,
  cascade: (old, next) =>
    next.deleted && old !== undefined && !old.deleted
      ? Object.values(old.blocks).map((b) => ({
          table: "block_ref",
          entry: { block: b.hash, version: next.id, deleted: true },
        }))
      : [],
})
