// object (sharded by hash of bucket id and object key, DESIGN §5.2): the versions of one
// key, as in Garage's object_table. Versions older than the newest Complete one are
// dropped, so a row holds the current object plus uploads started after it. A versions
// list that is a single delete marker is a tombstone. Versions that leave the row queue
// the deletion of their version rows, which frees their blocks.
//
// Unlike Garage, Complete is the top state (Uploading < Aborted < Complete): in Garage
// Aborted absorbs Complete, which lowers the "newest Complete" cut-off and makes the merge
// non-associative (fast-check found a three-row counterexample: test/table/pollen-tables).
// With Complete on top the cut-off only grows, and an abort racing a completion keeps the
// completed object. An aborted version's blocks are therefore freed only when a newer
// Complete version drops it, never on abort (an abort could still be overtaken).
//
// A version's tags are the one thing rewritten in place (PutObjectTagging keeps the
// version, as AWS keeps its ETag and Last-Modified): they are last-writer-wins within the
// version, while a newer version of the key still replaces the tagged one.
import { Schema } from "effect"
import { compareHlc, mergeLww } from "../../crdt/index.ts"
import { compareBytes } from "../keys.ts"
import { packCanonical } from "../row-codec.ts"
import { defineTable, type QueuedInsert } from "../schema.ts"
import { Hlc, Lww } from "./crdt-schemas.ts"
import { TagSet } from "./tag.ts"
import { deletedVersion } from "./version.ts"

export const ObjectChecksum = Schema.Struct({
  algorithm: Schema.String,
  value: Schema.String,
  type: Schema.Literals(["FULL_OBJECT", "COMPOSITE"]),
})

export const ObjectMetaFields = Schema.Struct({
  size: Schema.Number,
  etag: Schema.String,
  contentType: Schema.String,
  headers: Schema.Record(Schema.String, Schema.String),
  userMeta: Schema.Record(Schema.String, Schema.String),
  checksum: Schema.NullOr(ObjectChecksum),
  partSizes: Schema.NullOr(Schema.Array(Schema.Number)),
  /** Absent when the object never had tags (and in rows written before tagging existed). */
  tags: Schema.optional(Lww(TagSet)),
})

export const ObjectData = Schema.Union([
  Schema.TaggedStruct("DeleteMarker", {}),
  /** Small objects: the bytes live in the row. */
  Schema.TaggedStruct("Inline", { meta: ObjectMetaFields, bytes: Schema.Uint8Array }),
  /** The block list is in the version row with this version's uuid. */
  Schema.TaggedStruct("Blocks", { meta: ObjectMetaFields }),
])

export const VersionState = Schema.Union([
  Schema.TaggedStruct("Uploading", { multipart: Schema.Boolean }),
  Schema.TaggedStruct("Complete", { data: ObjectData }),
  Schema.TaggedStruct("Aborted", {}),
])
export type VersionState = typeof VersionState.Type

export const ObjectVersion = Schema.Struct({ uuid: Schema.String, ts: Hlc, state: VersionState })
export type ObjectVersion = typeof ObjectVersion.Type

export const ObjectRow = Schema.Struct({ bucketId: Schema.String, key: Schema.String, versions: Schema.Array(ObjectVersion) })
export type ObjectRow = typeof ObjectRow.Type

const rank = { Uploading: 0, Aborted: 1, Complete: 2 } as const

type Complete = Extract<VersionState, { _tag: "Complete" }>
type WithMeta = Complete & { readonly data: Extract<Complete["data"], { meta: unknown }> }
type Tags = NonNullable<WithMeta["data"]["meta"]["tags"]>

const withTags = (s: WithMeta, tags: Tags | undefined): WithMeta => {
  const { tags: _old, ...meta } = s.data.meta
  return { ...s, data: { ...s.data, meta: tags === undefined ? meta : { ...meta, tags } } }
}

// Two Complete states with the same uuid differ in their tags after a PutObjectTagging: the
// newer tags win. Anything else differing is what a correct writer never produces; it is
// ordered by the canonical encodings without the tags (deterministic, and cheap for inline
// bytes, which as JSON lists of numbers cost an array per byte), and a delete marker wins.
// Each part is a join, so the pair is one.
const mergeComplete = (a: Complete, b: Complete): Complete => {
  if (a.data._tag === "DeleteMarker") return a
  if (b.data._tag === "DeleteMarker") return b
  const x = a as WithMeta
  const y = b as WithMeta
  const tx = x.data.meta.tags
  const ty = y.data.meta.tags
  const tags = tx === undefined ? ty : ty === undefined ? tx : mergeLww(tx, ty)
  const untagged = (s: WithMeta) => (s.data.meta.tags === undefined ? s : withTags(s, undefined))
  const rest = compareBytes(packCanonical(untagged(x)), packCanonical(untagged(y))) >= 0 ? x : y
  return rest.data.meta.tags === tags ? rest : withTags(rest, tags)
}

const mergeState = (a: VersionState, b: VersionState): VersionState => {
  if (rank[a._tag] !== rank[b._tag]) return rank[a._tag] > rank[b._tag] ? a : b
  if (a._tag === "Uploading" && b._tag === "Uploading") return a.multipart || !b.multipart ? a : b
  if (a === b) return a
  if (a._tag === "Complete" && b._tag === "Complete") return mergeComplete(a, b)
  return compareBytes(packCanonical(a), packCanonical(b)) >= 0 ? a : b
}

const mergeVersion = (a: ObjectVersion, b: ObjectVersion): ObjectVersion => {
  const ts = compareHlc(a.ts, b.ts) >= 0 ? a.ts : b.ts
  const state = mergeState(a.state, b.state)
  return ts === a.ts && state === a.state ? a : ts === b.ts && state === b.state ? b : { uuid: a.uuid, ts, state }
}

const order = (x: ObjectVersion, y: ObjectVersion): number => compareHlc(x.ts, y.ts) || (x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0)

export const mergeObjectRow = (a: ObjectRow, b: ObjectRow): ObjectRow => {
  const byId = new Map(a.versions.map((v) => [v.uuid, v]))
  for (const v of b.versions) {
    const cur = byId.get(v.uuid)
    byId.set(v.uuid, cur === undefined ? v : mergeVersion(cur, v))
  }
  const sorted = [...byId.values()].sort(order)
  let lastComplete = -1
  sorted.forEach((v, i) => v.state._tag === "Complete" && (lastComplete = i))
  const versions = lastComplete > 0 ? sorted.slice(lastComplete) : sorted
  const same = versions.length === a.versions.length && versions.every((v, i) => v === a.versions[i])
  return same ? a : { bucketId: a.bucketId, key: a.key, versions }
}

/** The object's current version: the newest Complete one that is not a delete marker. */
export const currentVersion = (row: ObjectRow): ObjectVersion | undefined => {
  const last = [...row.versions].reverse().find((v) => v.state._tag === "Complete")
  return last?.state._tag === "Complete" && last.state.data._tag !== "DeleteMarker" ? last : undefined
}

const releasedVersions = (old: ObjectRow | undefined, next: ObjectRow): QueuedInsert[] => {
  if (old === undefined) return []
  const now = new Map(next.versions.map((v) => [v.uuid, v]))
  return old.versions
    .filter((v) => !now.has(v.uuid))
    .map((v) => ({ table: "version", entry: deletedVersion(v.uuid, { _tag: "Object", bucketId: next.bucketId, key: next.key }) }))
}

export const objectTable = defineTable<ObjectRow>({
  name: "object",
  replication: "sharded",
  shardBy: "partitionAndSortKey",
  entry: ObjectRow,
  partitionKey: (r) => r.bucketId,
  sortKey: (r) => r.key,
  merge: mergeObjectRow,
  isTombstone: (r) =>
    r.versions.length === 1 && r.versions[0]!.state._tag === "Complete" && r.versions[0]!.state.data._tag === "DeleteMarker",
  cascade: releasedVersions,
})
