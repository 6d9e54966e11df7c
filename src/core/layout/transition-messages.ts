// Wire messages, client operations, replies and disk records of the layout-transition node
// (layout history + a small quorum-replicated key-value table as workload).
import { Schema } from "effect"

const Version = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const LayoutVersionSchema = Schema.Struct({
  version: Version,
  nodes: Schema.Array(Schema.String),
  partitions: Schema.Array(Schema.Array(Schema.String)),
  writeQuorum: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  readQuorum: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
})

const TrackerSchema = Schema.Record(Schema.String, Schema.Int)

export const LayoutHistorySchema = Schema.Struct({
  versions: Schema.Array(LayoutVersionSchema),
  trackers: Schema.Struct({ ack: TrackerSchema, sync: TrackerSchema, syncAck: TrackerSchema }),
})

/** A register: LWW by (ts, node, value), a total order. */
export const EntrySchema = Schema.Struct({ ts: Schema.Int, node: Schema.String, value: Schema.String })
export type Entry = typeof EntrySchema.Type

export const MsgSchema = Schema.Union([
  /** The sender's whole layout history (versions and trackers), sent on every change. */
  Schema.TaggedStruct("Gossip", { history: LayoutHistorySchema }),
  Schema.TaggedStruct("Write", { id: Schema.String, key: Schema.String, entry: EntrySchema }),
  Schema.TaggedStruct("WriteAck", { id: Schema.String }),
  Schema.TaggedStruct("Read", { id: Schema.String, key: Schema.String }),
  Schema.TaggedStruct("ReadReply", { id: Schema.String, entry: Schema.NullOr(EntrySchema) }),
  /** A sync push planned for `target`: the sender's indexed entries of the partitions it holds. */
  Schema.TaggedStruct("Push", { target: Version, entries: Schema.Record(Schema.String, EntrySchema) }),
  Schema.TaggedStruct("PushAck", { target: Version }),
])
export type Msg = typeof MsgSchema.Type

export const OpSchema = Schema.Union([
  Schema.TaggedStruct("Put", { key: Schema.String, value: Schema.String }),
  Schema.TaggedStruct("Get", { key: Schema.String }),
  /** Operator: adopt committed layout version `version` (it must be current + 1). */
  Schema.TaggedStruct("Apply", { version: Version }),
])
export type Op = typeof OpSchema.Type

export const ResSchema = Schema.Union([
  Schema.TaggedStruct("Written", { entry: EntrySchema }),
  Schema.TaggedStruct("Value", { entry: Schema.NullOr(EntrySchema) }),
  Schema.TaggedStruct("Applied", { current: Version }),
])
export type Res = typeof ResSchema.Type

export const RecSchema = Schema.Union([
  Schema.TaggedStruct("History", { history: LayoutHistorySchema }),
  Schema.TaggedStruct("Entry", { entry: EntrySchema }),
])
export type Rec = typeof RecSchema.Type

/** LWW order on registers (null below everything): negative, zero or positive. */
export const compareEntry = (a: Entry | null, b: Entry | null): number => {
  if (a === null || b === null) return (a === null ? 0 : 1) - (b === null ? 0 : 1)
  if (a.ts !== b.ts) return a.ts - b.ts
  if (a.node !== b.node) return a.node < b.node ? -1 : 1
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
}

export const maxEntry = (a: Entry | null, b: Entry | null): Entry | null => (compareEntry(a, b) >= 0 ? a : b)
