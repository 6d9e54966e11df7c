// effect/Schema declarations of the CRDT toolkit's types, for table rows.
import { Schema } from "effect"

export const Hlc = Schema.Struct({
  l: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)),
  c: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
})

export const Lww = <S extends Schema.Top>(value: S) => Schema.Struct({ ts: Hlc, value })

export const LwwMap = <S extends Schema.Top>(value: S) => Schema.Record(Schema.String, Lww(value))

export const Deletable = <S extends Schema.Top>(value: S) =>
  Schema.Union([Schema.TaggedStruct("Present", { value }), Schema.TaggedStruct("Deleted", {})])

export const CancelingOption = <S extends Schema.Top>(value: S) =>
  Schema.Union([
    Schema.TaggedStruct("Unset", {}),
    Schema.TaggedStruct("Some", { value }),
    Schema.TaggedStruct("Cancelled", {}),
  ])

/** Read, write and owner rights of a key on a bucket, last writer wins. */
export const Permission = Lww(Schema.Struct({ read: Schema.Boolean, write: Schema.Boolean, owner: Schema.Boolean }))
