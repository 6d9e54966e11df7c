// bucket (full copy): one row per bucket id. Garage's bucket_table: deletion is final
// (Deletable); names and permissions are CRDT maps inside the row.
import { Schema } from "effect"
import { defineTable } from "../schema.ts"
import { CancelingOption, Deletable, Lww, LwwMap, Permission } from "./crdt-schemas.ts"
import {
  mergeDeletable,
  mergeLwwCanceling,
  mergeLwwMapOf,
  mergeLwwValue,
  mergeMin,
  mergePermissions,
  sameFields,
} from "./merges.ts"
import { TagSet } from "./tag.ts"

export const CorsRule = Schema.Struct({
  id: Schema.NullOr(Schema.String),
  allowedOrigins: Schema.Array(Schema.String),
  allowedMethods: Schema.Array(Schema.String),
  allowedHeaders: Schema.Array(Schema.String),
  exposeHeaders: Schema.Array(Schema.String),
  maxAgeSeconds: Schema.NullOr(Schema.Number),
})

/** A lifecycle rule (src/node/object-store.ts LifecycleRule; null where the rule has none). */
export const LifecycleRule = Schema.Struct({
  id: Schema.NullOr(Schema.String),
  enabled: Schema.Boolean,
  filterForm: Schema.Literals(["prefix", "filter", "and"]),
  prefix: Schema.NullOr(Schema.String),
  sizeGreaterThan: Schema.NullOr(Schema.Number),
  sizeLessThan: Schema.NullOr(Schema.Number),
  expirationDays: Schema.NullOr(Schema.Number),
  /** ms since the epoch, a midnight UTC. */
  expirationDate: Schema.NullOr(Schema.Number),
  abortIncompleteUploadDays: Schema.NullOr(Schema.Number),
  /** A Tag filter (absent in rules written before tag filters). */
  tags: Schema.optional(TagSet),
})
export type LifecycleRule = typeof LifecycleRule.Type

/** A website routing rule (src/node/object-store.ts RoutingRule; null where it has none). */
export const RoutingRuleRow = Schema.Struct({
  keyPrefixEquals: Schema.NullOr(Schema.String),
  httpErrorCodeReturnedEquals: Schema.NullOr(Schema.Number),
  hostName: Schema.NullOr(Schema.String),
  protocol: Schema.NullOr(Schema.Literals(["http", "https"])),
  replaceKeyPrefixWith: Schema.NullOr(Schema.String),
  replaceKeyWith: Schema.NullOr(Schema.String),
  httpRedirectCode: Schema.NullOr(Schema.Number),
})
export type RoutingRuleRow = typeof RoutingRuleRow.Type

/** A bucket's website configuration (src/node/object-store.ts WebsiteConfig; null where it has none). */
export const WebsiteConfigRow = Schema.Struct({
  indexSuffix: Schema.NullOr(Schema.String),
  errorKey: Schema.NullOr(Schema.String),
  redirectHost: Schema.NullOr(Schema.String),
  redirectProtocol: Schema.NullOr(Schema.Literals(["http", "https"])),
  /** Absent in configurations written before routing rules existed, and in those without rules. */
  routingRules: Schema.optional(Schema.Array(RoutingRuleRow)),
})
export type WebsiteConfigRow = typeof WebsiteConfigRow.Type

export const BucketParams = Schema.Struct({
  /** ms since the epoch; the earliest wins. */
  createdAt: Schema.Number,
  /** key id -> rights. */
  authorizedKeys: Schema.Record(Schema.String, Permission),
  /** Global names pointing here (true) or no longer (false). */
  aliases: LwwMap(Schema.Boolean),
  /** `${keyId}/${name}` -> whether that local alias points here. */
  localAliases: LwwMap(Schema.Boolean),
  cors: Lww(CancelingOption(Schema.Array(CorsRule))),
  /** PutBucketTagging's tag set; absent in rows of buckets never tagged (and written before tagging existed). */
  tags: Schema.optional(Lww(CancelingOption(TagSet))),
  /** PutBucketLifecycleConfiguration's rules; absent in rows of buckets that never had any (and written before lifecycle existed). */
  lifecycle: Schema.optional(Lww(CancelingOption(Schema.Array(LifecycleRule)))),
  /** PutBucketWebsite's configuration; absent in rows of buckets that never had one (and written before websites existed). */
  website: Schema.optional(Lww(CancelingOption(WebsiteConfigRow))),
  quotas: Lww(Schema.Struct({ maxSize: Schema.NullOr(Schema.Number), maxObjects: Schema.NullOr(Schema.Number) })),
})
export type BucketParams = typeof BucketParams.Type

export const BucketRow = Schema.Struct({ id: Schema.String, state: Deletable(BucketParams) })
export type BucketRow = typeof BucketRow.Type

export const mergeBucketParams = (a: BucketParams, b: BucketParams): BucketParams => {
  // An absent tags, lifecycle or website field is below any written one.
  const tags = a.tags === undefined ? b.tags : b.tags === undefined ? a.tags : mergeLwwCanceling(a.tags, b.tags)
  const lifecycle = a.lifecycle === undefined ? b.lifecycle : b.lifecycle === undefined ? a.lifecycle : mergeLwwCanceling(a.lifecycle, b.lifecycle)
  const website = a.website === undefined ? b.website : b.website === undefined ? a.website : mergeLwwCanceling(a.website, b.website)
  return sameFields(a, {
    createdAt: mergeMin(a.createdAt, b.createdAt),
    authorizedKeys: mergePermissions(a.authorizedKeys, b.authorizedKeys),
    aliases: mergeLwwMapOf(a.aliases, b.aliases),
    localAliases: mergeLwwMapOf(a.localAliases, b.localAliases),
    cors: mergeLwwCanceling(a.cors, b.cors),
    ...(tags === undefined ? {} : { tags }),
    ...(lifecycle === undefined ? {} : { lifecycle }),
    ...(website === undefined ? {} : { website }),
    quotas: mergeLwwValue(a.quotas, b.quotas),
  })
}

export const bucketTable = defineTable<BucketRow>({
  name: "bucket",
  replication: "fullCopy",
  shardBy: "partitionKey",
  entry: BucketRow,
  partitionKey: () => "",
  sortKey: (r) => r.id,
  merge: (a, b) => {
    const state = mergeDeletable(a.state, b.state, mergeBucketParams)
    return state === a.state ? a : state === b.state ? b : { id: a.id, state }
  },
  isTombstone: (r) => r.state._tag === "Deleted",
})
