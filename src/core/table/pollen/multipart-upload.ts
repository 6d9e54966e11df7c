// multipart upload (sharded by upload id): the parts uploaded so far, each pointing at the
// version row that holds its blocks. Aborting or completing deletes the row, which
// queues the deletion of the parts' versions.
import { Schema } from "effect"
import { mapEmpty, mergeBool, mergeMap, type Json } from "../../crdt/index.ts"
import { defineTable } from "../schema.ts"
import { mergeByOrder, sameFields } from "./merges.ts"
import { TagSet } from "./tag.ts"
import { deletedVersion } from "./version.ts"

export const UploadPart = Schema.Struct({
  versionId: Schema.String,
  etag: Schema.NullOr(Schema.String),
  size: Schema.NullOr(Schema.Number),
  checksum: Schema.NullOr(Schema.String),
})
export type UploadPart = typeof UploadPart.Type

/** What CreateMultipartUpload was given: the headers the completed object gets. Written once. */
export const UploadInfo = Schema.Struct({
  initiated: Schema.Number,
  contentType: Schema.String,
  headers: Schema.Record(Schema.String, Schema.String),
  userMeta: Schema.Record(Schema.String, Schema.String),
  checksumAlgorithm: Schema.NullOr(Schema.String),
  /** x-amz-checksum-type FULL_OBJECT; absent for COMPOSITE (and in rows written before it existed). */
  checksumType: Schema.optional(Schema.Literal("FULL_OBJECT")),
  /** x-amz-tagging, applied at completion; absent without tags. */
  tags: Schema.optional(TagSet),
})
export type UploadInfo = typeof UploadInfo.Type

export const MultipartUploadRow = Schema.Struct({
  id: Schema.String,
  bucketId: Schema.String,
  key: Schema.String,
  deleted: Schema.Boolean,
  /** null in a row that only carries parts (written before the creation reached this replica). */
  info: Schema.NullOr(UploadInfo),
  /** partKey(partNumber, ts) -> part: a re-uploaded part is a new entry. */
  parts: Schema.Record(Schema.String, UploadPart),
})
export type MultipartUploadRow = typeof MultipartUploadRow.Type

export const partKey = (partNumber: number, ts: number): string =>
  `${String(partNumber).padStart(5, "0")}:${String(ts).padStart(16, "0")}`

// A part's fields become known at different times (etag once uploaded): known beats null.
const field = <T>(x: T | null, y: T | null): T | null =>
  x === null ? y : y === null ? x : (mergeByOrder(x as unknown as Json, y as unknown as Json) as unknown as T)

const mergePart = (a: UploadPart, b: UploadPart): UploadPart =>
  sameFields(a, {
    versionId: mergeByOrder(a.versionId, b.versionId),
    etag: field(a.etag, b.etag),
    size: field(a.size, b.size),
    checksum: field(a.checksum, b.checksum),
  })

export const multipartUploadTable = defineTable<MultipartUploadRow>({
  name: "multipart_upload",
  replication: "sharded",
  shardBy: "partitionKey",
  entry: MultipartUploadRow,
  partitionKey: (r) => r.id,
  sortKey: () => "",
  merge: (a, b) => {
    const deleted = mergeBool(a.deleted, b.deleted)
    return sameFields(a, {
      id: a.id,
      bucketId: mergeByOrder(a.bucketId, b.bucketId),
      key: mergeByOrder(a.key, b.key),
      deleted,
      info: field(a.info, b.info),
      parts: deleted ? (Object.keys(a.parts).length === 0 ? a.parts : mapEmpty) : mergeMap(a.parts, b.parts, mergePart),
    })
  },
  isTombstone: (r) => r.deleted,
  cascade: (old, next) =>
    next.deleted && old !== undefined && !old.deleted
      ? Object.values(old.parts).map((p) => ({
          table: "version",
          entry: deletedVersion(p.versionId, { _tag: "Upload", uploadId: next.id }),
        }))
      : [],
})
