// The storage the S3 API sits on: buckets and their names, object metadata, object data
// (content-addressed blocks or inline bytes) and multipart uploads. The node implements it
// over the cluster's tables and blocks (cluster-object-store.ts).
import type { ChecksumAlgorithm } from "../api/s3/checksums.ts"

export interface BlockRef {
  /** sha256 of the block's bytes, hex. */
  readonly hash: string
  readonly size: number
}

export type ObjectData = { readonly inline: Uint8Array } | { readonly blocks: readonly BlockRef[] }

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm
  /** base64, as in the x-amz-checksum-* headers; composite values end with `-N`. */
  readonly value: string
  readonly type: "FULL_OBJECT" | "COMPOSITE"
}

/** An S3 tag (object or bucket tagging). */
export interface Tag {
  readonly key: string
  readonly value: string
}

/** What a client set when writing an object, kept and returned on reads. */
export interface ObjectHeaders {
  readonly contentType: string
  /** cache-control, content-disposition, content-encoding, content-language, expires. */
  readonly headers: Readonly<Record<string, string>>
  /** x-amz-meta-* without the prefix, lower-case names. */
  readonly userMeta: Readonly<Record<string, string>>
}

export interface ObjectMeta extends ObjectHeaders {
  readonly key: string
  readonly size: number
  /** Quoted, e.g. `"d41d8cd98f00b204e9800998ecf8427e"` or `"…-3"` for multipart. */
  readonly etag: string
  /** Milliseconds since the epoch. */
  readonly lastModified: number
  readonly checksum?: Checksum | undefined
  /** Sizes of the parts, for objects made by CompleteMultipartUpload. */
  readonly partSizes?: readonly number[] | undefined
  /** The object's tag set, in key order; undefined or empty without tags. */
  readonly tags?: readonly Tag[] | undefined
  readonly data: ObjectData
}

/** What lifecycle rules look at of an object's current version. */
export interface ObjectSummary {
  readonly key: string
  readonly size: number
  /** Milliseconds since the epoch. */
  readonly lastModified: number
  readonly tags?: readonly Tag[] | undefined
  /** Set where the store has it at hand (conditional deletes compare it). */
  readonly etag?: string | undefined
}

export interface CorsRule {
  readonly id?: string | undefined
  readonly allowedOrigins: readonly string[]
  readonly allowedMethods: readonly string[]
  readonly allowedHeaders: readonly string[]
  readonly exposeHeaders: readonly string[]
  readonly maxAgeSeconds?: number | undefined
}

/**
 * Which objects a lifecycle rule applies to: all conditions set must hold (an object whose
 * key starts with `prefix` and whose size is strictly between the two bounds).
 */
export interface LifecycleFilter {
  readonly prefix?: string | undefined
  readonly sizeGreaterThan?: number | undefined
  readonly sizeLessThan?: number | undefined
  /** Tags the object must all carry (key and value). */
  readonly tags?: readonly Tag[] | undefined
}

/** One rule of a bucket's lifecycle configuration (the actions Pollen carries out). */
export interface LifecycleRule {
  readonly id?: string | undefined
  readonly enabled: boolean
  /**
   * How the rule named its objects, so that GetBucketLifecycleConfiguration answers what was
   * put: the legacy top-level Prefix, a Filter with at most one condition, or a Filter with And.
   */
  readonly filterForm: "prefix" | "filter" | "and"
  readonly filter: LifecycleFilter
  /** Expiration after this many days (counted from Last-Modified, rounded to the next midnight UTC). */
  readonly expirationDays?: number | undefined
  /** Expiration on this date (ms since the epoch, a midnight UTC). */
  readonly expirationDate?: number | undefined
  /** AbortIncompleteMultipartUpload's DaysAfterInitiation. */
  readonly abortIncompleteUploadDays?: number | undefined
}

/**
 * A website routing rule (RoutingRules): when its condition holds (the key starts with
 * keyPrefixEquals, and/or serving the request failed with httpErrorCodeReturnedEquals), the
 * request is redirected. An absent part keeps the request's: host, protocol, key.
 */
export interface RoutingRule {
  readonly keyPrefixEquals?: string | undefined
  readonly httpErrorCodeReturnedEquals?: number | undefined
  readonly hostName?: string | undefined
  readonly protocol?: "http" | "https" | undefined
  /** Replaces keyPrefixEquals (or "" when the condition names no prefix) at the key's start. */
  readonly replaceKeyPrefixWith?: string | undefined
  readonly replaceKeyWith?: string | undefined
  /** 301 when absent. */
  readonly httpRedirectCode?: number | undefined
}

/**
 * A bucket's website configuration (PutBucketWebsite): either an index document suffix (and
 * optionally an error document and routing rules), or a redirect of every request to another host.
 */
export interface WebsiteConfig {
  /** IndexDocument Suffix: appended to a request for a "directory" (a path ending in `/`). */
  readonly indexSuffix?: string | undefined
  /** ErrorDocument Key: served, with the error's status, when a request fails with a 4xx. */
  readonly errorKey?: string | undefined
  /** RedirectAllRequestsTo: every request answers 301 to this host (and protocol, else the request's). */
  readonly redirectAll?: { readonly hostName: string; readonly protocol?: "http" | "https" | undefined } | undefined
  /** RoutingRules, in order: the first whose condition holds applies. */
  readonly routingRules?: readonly RoutingRule[] | undefined
}

/** Garage's bucket quotas (admin UpdateBucket): null where there is no limit. */
export interface BucketQuotas {
  /** Bytes of the bucket's current objects. */
  readonly maxSize: number | null
  readonly maxObjects: number | null
}

export interface Bucket {
  /** 64 hex characters. */
  readonly id: string
  /** Global names, the first is the primary one. */
  readonly aliases: readonly string[]
  readonly createdAt: number
  readonly cors?: readonly CorsRule[] | undefined
  readonly tags?: readonly Tag[] | undefined
  /** The lifecycle configuration's rules; undefined when none is set. */
  readonly lifecycle?: readonly LifecycleRule[] | undefined
  /** The website configuration; undefined when the bucket is not a website. */
  readonly website?: WebsiteConfig | undefined
  /** Undefined or all null: no limits. */
  readonly quotas?: BucketQuotas | undefined
}

export interface MultipartUpload extends ObjectHeaders {
  readonly uploadId: string
  readonly bucketId: string
  readonly key: string
  readonly initiated: number
  readonly checksumAlgorithm?: ChecksumAlgorithm | undefined
  /** How part checksums make the object's (x-amz-checksum-type); COMPOSITE when not given. */
  readonly checksumType?: "FULL_OBJECT" | "COMPOSITE" | undefined
  /** x-amz-tagging of CreateMultipartUpload: the completed object's tags. */
  readonly tags?: readonly Tag[] | undefined
}

export interface Part {
  readonly partNumber: number
  readonly size: number
  readonly etag: string
  readonly lastModified: number
  readonly checksum?: Checksum | undefined
  readonly data: ObjectData
}

/** Written data not yet referenced by metadata; `release` after the metadata commits (or fails). */
export interface StagedData {
  readonly data: ObjectData
  readonly size: number
  release(): Promise<void>
}

/**
 * The store cannot answer now (no quorum of replicas reachable, no layout applied, the
 * bucket-name registry cut off from its majority). Clients should retry: S3 answers
 * 503 ServiceUnavailable.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError"
}

/** A precondition on the current version of a key, checked in the same step as a write. */
export type WriteGuard = (current: ObjectMeta | undefined) => Error | undefined

export interface ListFrom {
  readonly prefix: string
  /** Only keys strictly greater than this. */
  readonly after?: string | undefined
}

export interface BucketStats {
  readonly objects: number
  readonly bytes: number
  readonly uploads: number
}

export interface ObjectStore {
  bucketByName(name: string): Promise<Bucket | undefined>
  bucketById(id: string): Promise<Bucket | undefined>
  listBuckets(): Promise<readonly Bucket[]>
  /** Creates a bucket under a new global name; `existing` when the name is taken. */
  createBucket(name: string): Promise<{ readonly bucket: Bucket; readonly created: boolean }>
  /** Deletes an empty bucket (aborting its uploads); `not-empty` when objects remain. */
  deleteBucket(id: string): Promise<"deleted" | "not-empty" | "no-such-bucket">
  addAlias(id: string, name: string): Promise<"added" | "taken" | "no-such-bucket">
  removeAlias(id: string, name: string): Promise<"removed" | "last-alias" | "no-such-alias">
  setCors(id: string, rules: readonly CorsRule[] | undefined): Promise<void>
  setBucketTags(id: string, tags: readonly Tag[] | undefined): Promise<void>
  /** Replaces the bucket's lifecycle configuration; undefined removes it. */
  setLifecycle(id: string, rules: readonly LifecycleRule[] | undefined): Promise<void>
  /** Replaces the bucket's website configuration; undefined removes it. */
  setWebsite(id: string, config: WebsiteConfig | undefined): Promise<void>
  /** Replaces the bucket's quotas (last writer wins). */
  setQuotas(id: string, quotas: BucketQuotas): Promise<void>
  bucketStats(id: string): Promise<BucketStats>
  /** Whole-store figures that are cheap to read (for /metrics). */
  storeStats(): Promise<{ readonly objects: number; readonly blocks: number; readonly uploads: number; readonly buckets: number }>

  getObject(bucketId: string, key: string): Promise<ObjectMeta | undefined>
  /**
   * Makes `meta` the current version of its key; the data must come from `writeData`.
   * `guard` sees the current version atomically with the write (conditional writes); when it
   * returns an error nothing is written and that error is thrown.
   */
  putObject(bucketId: string, meta: ObjectMeta, guard?: WriteGuard): Promise<void>
  /**
   * DeleteObject. With `onlyIf`, the key's current version (read under the key's write lock,
   * as a conditional write reads it) is deleted only when `onlyIf` holds for it: lifecycle
   * expiration, which must leave a version written since it looked. False when nothing was
   * deleted because there was no object or `onlyIf` refused.
   */
  deleteObject(bucketId: string, key: string, onlyIf?: (current: ObjectSummary) => boolean): Promise<boolean>
  /**
   * Replaces the tags of the key's current version, keeping its data, ETag and Last-Modified;
   * false when there is no object. A newer version of the key written meanwhile wins.
   */
  setObjectTags(bucketId: string, key: string, tags: readonly Tag[]): Promise<boolean>
  /** Objects in key order (UTF-8 byte order), lazily. */
  listObjects(bucketId: string, from: ListFrom): AsyncIterable<ObjectMeta>

  writeData(chunks: AsyncIterable<Uint8Array>, options: { readonly allowInline: boolean }): Promise<StagedData>
  /** Keeps the blocks of existing data alive while a copy references them. */
  hold(data: ObjectData): StagedData
  /** The bytes [start, end) of some stored data. */
  readData(data: ObjectData, start: number, end: number): AsyncIterable<Uint8Array>

  createUpload(upload: MultipartUpload): Promise<void>
  getUpload(bucketId: string, uploadId: string): Promise<MultipartUpload | undefined>
  /** The key of an upload that was completed or aborted, while its tombstone lasts. */
  endedUpload(bucketId: string, uploadId: string): Promise<{ readonly key: string } | undefined>
  putPart(uploadId: string, part: Part): Promise<void>
  listParts(uploadId: string): Promise<readonly Part[]>
  /** Turns an upload into an object made of `parts` (already validated) and drops the rest. */
  completeUpload(upload: MultipartUpload, meta: ObjectMeta, parts: readonly Part[], guard?: WriteGuard): Promise<void>
  abortUpload(upload: MultipartUpload): Promise<void>
  listUploads(bucketId: string): Promise<readonly MultipartUpload[]>

  close(): Promise<void>
}
