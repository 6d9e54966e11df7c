// bucket alias (full copy): global name -> bucket id, as a projection of the name
// registry's decisions (DESIGN §5.4). Unset or Cancelled reads as "no bucket".
import { Schema } from "effect"
import { defineTable } from "../schema.ts"
import { CancelingOption, Lww } from "./crdt-schemas.ts"
import { mergeLwwCanceling } from "./merges.ts"

export const BucketAliasRow = Schema.Struct({ name: Schema.String, bucket: Lww(CancelingOption(Schema.String)) })
export type BucketAliasRow = typeof BucketAliasRow.Type

export const bucketAliasTable = defineTable<BucketAliasRow>({
  name: "bucket_alias",
  replication: "fullCopy",
  shardBy: "partitionKey",
  entry: BucketAliasRow,
  partitionKey: () => "",
  sortKey: (r) => r.name,
  merge: (a, b) => {
    const bucket = mergeLwwCanceling(a.bucket, b.bucket)
    return bucket === a.bucket ? a : { name: a.name, bucket }
  },
  isTombstone: (r) => r.bucket.value._tag !== "Some",
})
