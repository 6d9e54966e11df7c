// key (full copy): one row per access key id (Garage's key_table). The secret never
// changes; deletion is final; local aliases give each key its own bucket namespace.
import { Schema } from "effect"
import { defineTable } from "../schema.ts"
import { CancelingOption, Deletable, Lww, LwwMap, Permission } from "./crdt-schemas.ts"
import { mergeByOrder, mergeDeletable, mergeLwwValue, mergeMin, mergePermissions, sameFields } from "./merges.ts"
import { mergeCancelingOption, mergeLwwMap } from "../../crdt/index.ts"

export const KeyParams = Schema.Struct({
  secret: Schema.String,
  name: Lww(Schema.String),
  createdAt: Schema.Number,
  allowCreateBucket: Lww(Schema.Boolean),
  authorizedBuckets: Schema.Record(Schema.String, Permission),
  localAliases: LwwMap(CancelingOption(Schema.String)),
})
export type KeyParams = typeof KeyParams.Type

export const KeyRow = Schema.Struct({ id: Schema.String, state: Deletable(KeyParams) })
export type KeyRow = typeof KeyRow.Type

const mergeKeyParams = (a: KeyParams, b: KeyParams): KeyParams =>
  sameFields(a, {
    secret: mergeByOrder(a.secret, b.secret),
    name: mergeLwwValue(a.name, b.name),
    createdAt: mergeMin(a.createdAt, b.createdAt),
    allowCreateBucket: mergeLwwValue(a.allowCreateBucket, b.allowCreateBucket),
    authorizedBuckets: mergePermissions(a.authorizedBuckets, b.authorizedBuckets),
    localAliases: mergeLocalAliases(a.localAliases, b.localAliases),
  })

/** Per name: newer wins; a tie of two different buckets cancels. */
const mergeLocalAliases = (a: KeyParams["localAliases"], b: KeyParams["localAliases"]) =>
  mergeLwwMap(a, b, mergeCancelingOption)

export const keyTable = defineTable<KeyRow>({
  name: "key",
  replication: "fullCopy",
  shardBy: "partitionKey",
  entry: KeyRow,
  partitionKey: () => "",
  sortKey: (r) => r.id,
  merge: (a, b) => {
    const state = mergeDeletable(a.state, b.state, mergeKeyParams)
    return state === a.state ? a : state === b.state ? b : { id: a.id, state }
  },
  isTombstone: (r) => r.state._tag === "Deleted",
})
