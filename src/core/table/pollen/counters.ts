// counters (sharded by scope, e.g. a bucket id): per-node figures such as the objects and
// bytes a node holds for a bucket, each node writing only its own entry (LWW by its HLC).
// Like Garage's index counters they are approximate: quotas and statistics, not truth.
import { Schema } from "effect"
import { mergeLwwMap } from "../../crdt/index.ts"
import { defineTable } from "../schema.ts"
import { LwwMap } from "./crdt-schemas.ts"

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
