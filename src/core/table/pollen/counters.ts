// counters (sharded by scope, e.g. a bucket id): per-node figures such as the objects and
// bytes a node holds for a bucket, each node writing only its own entry (LWW by its HLC).
// Like Garage's index counters they are approximate: quotas and statistics, not truth.
import { Schema } from "effect"
import { mergeLwwMap } from "../../crdt/index.ts"
import { defineTable } from "../schema.ts"
import { LwwMap } from "./crdt-schemas.ts"
import { currentVersion, type ObjectRow } from "./object.ts"

export const CounterRow = Schema.Struct({ scope: Schema.String, name: Schema.String, perNode: LwwMap(Schema.Number) })
export type CounterRow = typeof CounterRow.Type

/** Sum over nodes divided by the replication factor: each row is counted by each holder. */
export const counterEstimate = (row: CounterRow, replicationFactor: number): number =>
  Object.values(row.perNode).reduce((s, e) => s + e.value, 0) / Math.max(1, replicationFactor)

export const counterTable = defineTable<CounterRow>({
  name: "counter",
  replication: "sharded",
  shardBy: "partitionKey",
  entry: CounterRow,
  partitionKey: (r) => r.scope,
  sortKey: (r) => r.name,
  merge: (a, b) => {
    const perNode = mergeLwwMap(a.perNode, b.perNode)
    return perNode === a.perNode ? a : { ...a, perNode }
  },
  isTombstone: () => false,
})

/** The counter rows of a bucket that the object table maintains (scope = bucket id). */
export const BUCKET_COUNTERS = ["objects", "bytes", "uploads"] as const
export type BucketCounts = Record<(typeof BUCKET_COUNTERS)[number], number>

/** What one object row adds to its bucket's counts: its current object and open uploads. */
export const bucketCountsOf = (row: ObjectRow | undefined): BucketCounts => {
  const cur = row === undefined ? undefined : currentVersion(row)
  const size = cur?.state._tag === "Complete" && cur.state.data._tag !== "DeleteMarker" ? cur.state.data.meta.size : 0
  const uploads = row === undefined ? 0 : row.versions.filter((v) => v.state._tag === "Uploading" && v.state.multipart).length
  return { objects: cur === undefined ? 0 : 1, bytes: size, uploads }
}
