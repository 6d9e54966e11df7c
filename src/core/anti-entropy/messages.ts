// Wire messages, client operations, replies and disk records of the replicated LwwMap,
// declared once with effect/Schema: the types, the decoders that reject malformed peer
// input, and (through schema-arbitrary) the fast-check generators all come from here.
import { Schema } from "effect"

export const HlcSchema = Schema.Struct({
  l: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  c: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
})

export const EntrySchema = Schema.Struct({ ts: HlcSchema, value: Schema.String })

/** A whole replica: key -> LWW register. */
export const EntriesSchema = Schema.Record(Schema.String, EntrySchema)

export const MsgSchema = Schema.Union([
  /** Push: the sender's entries; the receiver merges and answers if it knows more. */
  Schema.TaggedStruct("SyncReq", { entries: EntriesSchema }),
  /** Pull: the receiver's merged entries, sent back only when the sender lacked some. */
  Schema.TaggedStruct("SyncResp", { entries: EntriesSchema }),
])
export type Msg = typeof MsgSchema.Type

export const OpSchema = Schema.Union([
  Schema.TaggedStruct("Put", { key: Schema.String, value: Schema.String }),
  Schema.TaggedStruct("Get", { key: Schema.String }),
])
export type Op = typeof OpSchema.Type

export const ResSchema = Schema.Union([
  Schema.TaggedStruct("Ok", {}),
  /** The register read: value and timestamp, or nulls for a key never written here. */
  Schema.TaggedStruct("Value", { value: Schema.NullOr(Schema.String), ts: Schema.NullOr(HlcSchema) }),
])
export type Res = typeof ResSchema.Type

/** One persisted register, under the disk key `kv/<key>`. */
export const RecSchema = EntrySchema
export type Rec = typeof RecSchema.Type
