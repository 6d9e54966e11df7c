// Values, client operations, wire messages, replies and disk records of the name registry
// (consensus.md §5.2), declared once with effect/Schema: the TypeScript types, the decoders
// that reject malformed peer input, and the fast-check generators all come from here.
import { Schema } from "effect"
import { BallotSchema } from "./ballot.ts"

/** What the CRDT rows of a new bucket need, carried inside the decided value. */
export const BucketParamsSchema = Schema.Struct({ quotaBytes: Schema.NullOr(Schema.Int) })

/** The register value of one name: free at generation `gen`, or bound to one bucket. */
export const NameValSchema = Schema.Union([
  Schema.TaggedStruct("Free", { gen: Schema.Int }),
  Schema.TaggedStruct("Bound", {
    gen: Schema.Int,
    bucketId: Schema.String,
    reqId: Schema.String,
    ownerKey: Schema.String,
    initParams: BucketParamsSchema,
  }),
])
export type NameVal = typeof NameValSchema.Type

/** Client operations; `reqId` is chosen by the client (or the API node) and makes retries exact. */
export const NameOpSchema = Schema.Union([
  Schema.TaggedStruct("Claim", {
    name: Schema.String,
    bucketId: Schema.String,
    reqId: Schema.String,
    ownerKey: Schema.String,
    initParams: BucketParamsSchema,
  }),
  Schema.TaggedStruct("Release", { name: Schema.String, bucketId: Schema.String, reqId: Schema.String }),
  Schema.TaggedStruct("Read", { name: Schema.String, reqId: Schema.String }),
])
export type NameOp = typeof NameOpSchema.Type

const AccValSchema = Schema.NullOr(NameValSchema)

export const NameMsgSchema = Schema.Union([
  /** Phase 1a: proposer → voters. */
  Schema.TaggedStruct("Prepare", { name: Schema.String, b: BallotSchema }),
  /** Phase 1b: voter → proposer, with the voter's last accepted ballot and value. */
  Schema.TaggedStruct("Promise", { name: Schema.String, b: BallotSchema, accBal: BallotSchema, accVal: AccValSchema }),
  /** Phase 2a: proposer → voters. */
  Schema.TaggedStruct("Accept", { name: Schema.String, b: BallotSchema, val: NameValSchema }),
  /** Phase 2b: voter → proposer. */
  Schema.TaggedStruct("Accepted", { name: Schema.String, b: BallotSchema }),
  /** Rejection: the voter has seen ballot `seen` > b (or runs configuration `cfg`). */
  Schema.TaggedStruct("Nack", { name: Schema.String, b: BallotSchema, seen: BallotSchema, cfg: Schema.Int }),
  /** Learning: a value chosen at ballot b (idempotent; feeds the CRDT projection). */
  Schema.TaggedStruct("Decided", { name: Schema.String, b: BallotSchema, val: NameValSchema }),
])
export type NameMsg = typeof NameMsgSchema.Type

export const NameResSchema = Schema.Union([
  Schema.TaggedStruct("Created", { bucketId: Schema.String }),
  Schema.TaggedStruct("BucketAlreadyOwnedByYou", { bucketId: Schema.String }),
  Schema.TaggedStruct("BucketAlreadyExists", {}),
  /** No majority before the deadline: the outcome is unknown; retry with the same reqId. */
  Schema.TaggedStruct("Unavailable", {}),
  Schema.TaggedStruct("Released", { bucketId: Schema.String }),
  Schema.TaggedStruct("NoSuchBucket", {}),
  Schema.TaggedStruct("Value", { val: AccValSchema }),
])
export type NameRes = typeof NameResSchema.Type

/** The alias row of a name: a projection of the decision with the highest rank. */
export const AliasRowSchema = Schema.Struct({
  gen: Schema.Int,
  kind: Schema.Literals(["free", "bound"]),
  bucketId: Schema.NullOr(Schema.String),
  decidedBallot: BallotSchema,
})
export type AliasRow = typeof AliasRowSchema.Type

/** The bucket row created (or marked deleted) by a decision. */
export const BucketRowSchema = Schema.Struct({
  name: Schema.String,
  ownerKey: Schema.String,
  initParams: BucketParamsSchema,
  deleted: Schema.Boolean,
})
export type BucketRow = typeof BucketRowSchema.Type

export const NameRecSchema = Schema.Union([
  /** `acc/<name>`: the voter's durable register state, fsynced before Promise/Accepted. */
  Schema.TaggedStruct("Acceptor", { promised: BallotSchema, accBal: BallotSchema, accVal: AccValSchema }),
  /** `round`: the proposer's highest round ever used (a ballot is never reused). */
  Schema.TaggedStruct("Round", { maxRound: Schema.Int }),
  /** `intent/<reqId>`: an operation this node proposes; its outcome once decided. */
  Schema.TaggedStruct("Intent", { op: NameOpSchema, outcome: AccValSchema, done: Schema.Boolean, b: BallotSchema }),
  /** `alias/<name>` and `bucket/<id>`: the CRDT rows projected from decisions. */
  Schema.TaggedStruct("Alias", { row: AliasRowSchema }),
  Schema.TaggedStruct("Bucket", { id: Schema.String, row: BucketRowSchema }),
])
export type NameRec = typeof NameRecSchema.Type
