// Schemas of the cluster layout: what layout gossip carries and what the node persists.
// A peer's layout is decoded with these before any of it is merged.
import { Schema } from "effect"

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const NodeIdSchema = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))

export const NodeRoleSchema = Schema.Struct({
  zone: Schema.String,
  capacity: Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  tags: Schema.Array(Schema.String),
})

export const ClusterLayoutVersionSchema = Schema.Struct({
  version: NonNegativeInt,
  nodes: Schema.Array(NodeIdSchema),
  partitions: Schema.Array(Schema.Array(NodeIdSchema)),
  writeQuorum: NonNegativeInt,
  readQuorum: NonNegativeInt,
  roles: Schema.Record(Schema.String, NodeRoleSchema),
  replicationFactor: NonNegativeInt,
  zoneRedundancy: NonNegativeInt,
  partitionSize: NonNegativeInt,
  layoutId: Schema.String,
})

const TrackerSchema = Schema.Record(Schema.String, NonNegativeInt)

export const ClusterLayoutSchema = Schema.Struct({
  history: Schema.Struct({
    versions: Schema.Array(ClusterLayoutVersionSchema).check(Schema.isMinLength(1)),
    trackers: Schema.Struct({ ack: TrackerSchema, sync: TrackerSchema, syncAck: TrackerSchema }),
  }),
  staging: Schema.Struct({
    stamp: NonNegativeInt,
    roles: Schema.Record(Schema.String, Schema.Struct({ ts: NonNegativeInt, role: Schema.NullOr(NodeRoleSchema) })),
  }),
})
