// ObjectStore over the cluster: metadata in the pollen tables (quorum reads and writes to
// every active layout version, src/node/table), data in content-addressed blocks of
// `blockSize` replicated by the BlockManager. Small objects live inline in the object row.
//
// Write order for an object with blocks (Garage's): the object row first gets the new
// version as Uploading, then the version row (the block list) and one block_ref row per
// block, then the version turns Complete. A write that dies half way leaves an Uploading
// version that the next write of the key drops; the drop cascades (object -> version ->
// block_ref -> refcount on the block's holders) and frees its blocks.
import { randomHex } from "./random-hex.ts"
import { cancelingSome, cancelingUnset, lww, lwwMapSet, present, type Hlc } from "../core/crdt/index.ts"
import {
  blockKey,
  currentVersion,
  partKey,
  type BlockRefRow,
  type BucketAliasRow,
  type BucketParams,
  type BucketRow,
  type LifecycleRule as LifecycleRuleRow,
  type WebsiteConfigRow,
  type MultipartUploadRow,
  type ObjectRow,
  type ObjectVersion,
  type VersionRow,
} from "../core/table/pollen/index.ts"
import type { ChecksumAlgorithm } from "../api/s3/checksums.ts"
import { BlockUnavailableError } from "./blocks/hedged-fetch.ts"
import type { BlockManager } from "./blocks/block-manager.ts"
import { WriteQuorumError } from "./blocks/replicated-write.ts"
import type { BucketCounters } from "./bucket-counters.ts"
import type { BucketNames } from "./cluster/bucket-names.ts"
import type { Placement } from "./cluster/interfaces.ts"
import type { HlcClock } from "./hlc-clock.ts"
import { KeyLocks } from "./key-locks.ts"
import {
  StoreUnavailableError,
  type Bucket,
  type BucketStats,
  type Checksum,
  type CorsRule,
  type LifecycleRule,
  type ListFrom,
  type MultipartUpload,
  type ObjectData,
  type ObjectMeta,
  type ObjectStore,
  type ObjectSummary,
  type Part,
  type StagedData,
  type Tag,
  type WebsiteConfig,
  type BucketQuotas,
  type WriteGuard,
} from "./object-store.ts"
import type { TableService } from "./table/table-service.ts"
import { QuorumError, type Table } from "./table/table.ts"

export interface ClusterObjectStoreOptions {
  readonly tables: TableService
  readonly blocks: BlockManager
  readonly names: BucketNames
  readonly placement: Placement
  readonly clock: HlcClock
  readonly blockSize: number
  readonly inlineThreshold: number
  readonly counters: BucketCounters
}

type Fields = Extract<Extract<ObjectVersion["state"], { _tag: "Complete" }>["data"], { _tag: "Blocks" }>["meta"]

/** Longer keys and names cannot be stored (LMDB key limit), so lookups answer "absent". */
const MAX_KEY_BYTES = 1024
const MAX_NAME_BYTES = 255
/** Block writes of one object in flight at once. */
const WRITE_WINDOW = 4
/** Version rows fetched at once while listing. */
const FETCH_WINDOW = 32

const newId = (): string => randomHex(16)
const bytesOf = (s: string): number => Buffer.byteLength(s)
const compareUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

const tableOf = <E>(tables: TableService, name: string): Table<E> => {
  const t = tables.table<E>(name)
  if (t === undefined) throw new Error(`the ${name} table is not declared`)
  return t
}

/** Runs `f` on items at most `window` at a time, keeping their order. */
const mapWindowed = async <T, R>(items: readonly T[], window: number, f: (t: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = []
  for (let i = 0; i < items.length; i += window) out.push(...(await Promise.all(items.slice(i, i + window).map(f))))
  return out
}

/** The row fields of a new version stamped `ts` (its tags carry the version's timestamp). */
const toFields = (meta: ObjectMeta, ts: Hlc): Fields => ({
  size: meta.size,
  etag: meta.etag,
  contentType: meta.contentType,
  headers: meta.headers,
  userMeta: meta.userMeta,
  checksum: meta.checksum ?? null,
  partSizes: meta.partSizes ?? null,
  ...(meta.tags !== undefined && meta.tags.length > 0 ? { tags: lww(ts, meta.tags) } : {}),
})

const toMeta = (key: string, ts: Hlc, f: Fields, data: ObjectData): ObjectMeta => ({
  key,
  size: f.size,
  etag: f.etag,
  lastModified: ts.l,
  contentType: f.contentType,
  headers: f.headers,
  userMeta: f.userMeta,
  checksum: f.checksum === null ? undefined : { ...f.checksum, algorithm: f.checksum.algorithm as ChecksumAlgorithm },
  partSizes: f.partSizes ?? undefined,
  tags: f.tags === undefined || f.tags.value.length === 0 ? undefined : f.tags.value,
  data,
})

/** Key, size, Last-Modified and ETag of a current version (a Complete one with data: see currentVersion). */
const summaryOf = (key: string, v: ObjectVersion): ObjectSummary => {
  const data = v.state._tag === "Complete" ? v.state.data : undefined
  const meta = data !== undefined && data._tag !== "DeleteMarker" ? data.meta : undefined
  return { key, size: meta?.size ?? 0, lastModified: v.ts.l, tags: meta?.tags?.value, etag: meta?.etag }
}

const blocksOfRow = (row: VersionRow): ObjectData => ({
  blocks: Object.entries(row.blocks)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, b]) => ({ hash: b.hash, size: b.size })),
})

const blockMap = (partNumber: number, data: ObjectData, into: Record<string, VersionRow["blocks"][string]> = {}) => {
  if (!("blocks" in data)) throw new Error("inline data where blocks are required")
  let offset = 0
  for (const b of data.blocks) {
    into[blockKey(partNumber, offset)] = { hash: b.hash, size: b.size }
    offset += b.size
  }
  return into
}

const toBucket = (row: BucketRow | undefined): Bucket | undefined => {
  if (row === undefined || row.state._tag !== "Present") return undefined
  const p = row.state.value
  // The oldest live name is the primary one.
  const aliases = Object.entries(p.aliases)
    .filter(([, v]) => v.value)
    .sort(([an, a], [bn, b]) => a.ts.l - b.ts.l || a.ts.c - b.ts.c || (an < bn ? -1 : 1))
    .map(([name]) => name)
  const cors =
    p.cors.value._tag === "Some"
      ? p.cors.value.value.map((r) => ({
          id: r.id ?? undefined,
          allowedOrigins: r.allowedOrigins,
          allowedMethods: r.allowedMethods,
          allowedHeaders: r.allowedHeaders,
          exposeHeaders: r.exposeHeaders,
          maxAgeSeconds: r.maxAgeSeconds ?? undefined,
        }))
      : undefined
  const tags = p.tags?.value._tag === "Some" ? p.tags.value.value : undefined
  const lifecycle = p.lifecycle?.value._tag === "Some" ? p.lifecycle.value.value.map(lifecycleRuleOf) : undefined
  const website = p.website?.value._tag === "Some" ? websiteOf(p.website.value.value) : undefined
  const quotas = p.quotas.value
  return { id: row.id, aliases, createdAt: p.createdAt, cors, tags, lifecycle, website, quotas: { maxSize: quotas.maxSize, maxObjects: quotas.maxObjects } }
}

const websiteOf = (w: WebsiteConfigRow): WebsiteConfig => ({
  indexSuffix: w.indexSuffix ?? undefined,
  errorKey: w.errorKey ?? undefined,
  redirectAll: w.redirectHost === null ? undefined : { hostName: w.redirectHost, protocol: w.redirectProtocol ?? undefined },
  routingRules: w.routingRules?.map((r) => ({
    keyPrefixEquals: r.keyPrefixEquals ?? undefined,
    httpErrorCodeReturnedEquals: r.httpErrorCodeReturnedEquals ?? undefined,
    hostName: r.hostName ?? undefined,
    protocol: r.protocol ?? undefined,
    replaceKeyPrefixWith: r.replaceKeyPrefixWith ?? undefined,
    replaceKeyWith: r.replaceKeyWith ?? undefined,
    httpRedirectCode: r.httpRedirectCode ?? undefined,
  })),
})

const websiteRowOf = (w: WebsiteConfig): WebsiteConfigRow => ({
  indexSuffix: w.indexSuffix ?? null,
  errorKey: w.errorKey ?? null,
  redirectHost: w.redirectAll?.hostName ?? null,
  redirectProtocol: w.redirectAll?.protocol ?? null,
  ...(w.routingRules === undefined || w.routingRules.length === 0
    ? {}
    : {
      routingRules: w.routingRules.map((r) => ({
        keyPrefixEquals: r.keyPrefixEquals ?? null,
        httpErrorCodeReturnedEquals: r.httpErrorCodeReturnedEquals ?? null,
        hostName: r.hostName ?? null,
        protocol: r.protocol ?? null,
        replaceKeyPrefixWith: r.replaceKeyPrefixWith ?? null,
        replaceKeyWith: r.replaceKeyWith ?? null,
        httpRedirectCode: r.httpRedirectCode ?? null,
      })),
    }),
})

const lifecycleRuleOf = (r: LifecycleRuleRow): LifecycleRule => ({
  id: r.id ?? undefined,
  enabled: r.enabled,
  filterForm: r.filterForm,
  filter: { prefix: r.prefix ?? undefined, sizeGreaterThan: r.sizeGreaterThan ?? undefined, sizeLessThan: r.sizeLessThan ?? undefined, tags: r.tags },
  expirationDays: r.expirationDays ?? undefined,
  expirationDate: r.expirationDate ?? undefined,
  abortIncompleteUploadDays: r.abortIncompleteUploadDays ?? undefined,
})

const lifecycleRowOf = (r: LifecycleRule): LifecycleRuleRow => ({
  id: r.id ?? null,
  enabled: r.enabled,
  filterForm: r.filterForm,
  prefix: r.filter.prefix ?? null,
  ...(r.filter.tags !== undefined && r.filter.tags.length > 0 ? { tags: r.filter.tags } : {}),
  sizeGreaterThan: r.filter.sizeGreaterThan ?? null,
  sizeLessThan: r.filter.sizeLessThan ?? null,
  expirationDays: r.expirationDays ?? null,
  expirationDate: r.expirationDate ?? null,
  abortIncompleteUploadDays: r.abortIncompleteUploadDays ?? null,
})

/** A new bucket's parameters; `ts` stamps its LWW fields (any later change wins over them). */
export const freshBucketParams = (name: string, ts: Hlc, createdAt: number): BucketParams => ({
  createdAt,
  authorizedKeys: {},
  aliases: { [name]: lww(ts, true) },
  localAliases: {},
  cors: lww(ts, cancelingUnset),
  quotas: lww(ts, { maxSize: null, maxObjects: null }),
})

export class ClusterObjectStore implements ObjectStore {
  private readonly buckets: Table<BucketRow>
  private readonly objects: Table<ObjectRow>
  private readonly versions: Table<VersionRow>
  private readonly uploads: Table<MultipartUploadRow>
  private readonly refs: Table<BlockRefRow>
  private readonly blocks: BlockManager
  private readonly names: BucketNames
  private readonly clock: HlcClock
  private readonly locks = new KeyLocks()

  constructor(private readonly options: ClusterObjectStoreOptions) {
    this.buckets = tableOf(options.tables, "bucket")
    this.objects = tableOf(options.tables, "object")
    this.versions = tableOf(options.tables, "version")
    this.uploads = tableOf(options.tables, "multipart_upload")
    this.refs = tableOf(options.tables, "block_ref")
    this.blocks = options.blocks
    this.names = options.names
    this.clock = options.clock
  }

  /** Runs a store operation; quorum failures (tables or blocks) become StoreUnavailableError. */
  private async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw new StoreUnavailableError("the node is shutting down")
    this.assertLayout()
    const op = f()
    this.inFlight.add(op)
    try {
      return await op
    } catch (e) {
      throw unavailable(e)
    } finally {
      this.inFlight.delete(op)
    }
  }

  /** Operations started through `run`: close waits for them, so none writes after LMDB closed. */
  private readonly inFlight = new Set<Promise<unknown>>()
  private closing: Promise<void> | undefined

  private assertLayout(): void {
    if (this.options.placement.currentVersion() === 0)
      throw new StoreUnavailableError("no cluster layout has been applied yet (pollen layout assign, then pollen layout apply)")
  }

  // ---- buckets

  async bucketByName(name: string): Promise<Bucket | undefined> {
    if (bytesOf(name) > MAX_NAME_BYTES) return undefined
    return this.run(async () => {
      const id = await this.names.lookup(name)
      return id === undefined ? undefined : this.bucketById(id)
    })
  }

  /** This node's copy of the full-copy row first; on a miss a quorum read. */
  async bucketById(id: string): Promise<Bucket | undefined> {
    if (bytesOf(id) > MAX_NAME_BYTES) return undefined
    const local = this.buckets.store.get("", id)
    if (local !== undefined) return toBucket(local)
    return this.run(async () => toBucket(await this.buckets.get("", id)))
  }

  async listBuckets(): Promise<readonly Bucket[]> {
    return this.run(async () => {
      const out: Bucket[] = []
      let start: string | undefined = ""
      while (start !== undefined) {
        const page: { entries: readonly BucketRow[]; next: string | undefined } = await this.buckets.getRange("", { start })
        for (const row of page.entries) {
          const b = toBucket(row)
          if (b !== undefined) out.push(b)
        }
        start = page.next
      }
      return out
    })
  }

  async createBucket(name: string): Promise<{ bucket: Bucket; created: boolean }> {
    return this.run(async () => {
      const existing = await this.names.lookup(name)
      const known = existing === undefined ? undefined : await this.bucketById(existing)
      if (known !== undefined) return { bucket: known, created: false }
      const id = randomHex(32)
      const outcome = await this.names.claim(name, id, newId())
      if (outcome.kind === "unavailable") throw new StoreUnavailableError("the bucket name registry cannot reach a majority")
      if (outcome.kind === "exists") {
        const bucket = (await this.bucketById(outcome.bucketId)) ?? (await this.project(name, outcome.bucketId))
        return { bucket, created: false }
      }
      return { bucket: await this.project(name, id), created: true }
    })
  }

  /** Writes the bucket row of a decided binding (only after a claim: no orphan rows); the alias row is the names' own. */
  private async project(name: string, id: string): Promise<Bucket> {
    const ts = this.clock.now()
    const row: BucketRow = { id, state: present(freshBucketParams(name, ts, ts.l)) }
    await this.buckets.insert(row)
    return toBucket(row)!
  }

  async deleteBucket(id: string): Promise<"deleted" | "not-empty" | "no-such-bucket"> {
    return this.run(async () => {
      const bucket = await this.bucketById(id)
      if (bucket === undefined) return "no-such-bucket"
      if (!(await this.isEmpty(id))) return "not-empty"
      for (const upload of await this.listUploads(id)) await this.abortUpload(upload)
      for (const name of bucket.aliases) {
        const r = await this.names.release(name, id, newId())
        if (r === "unavailable") throw new StoreUnavailableError("the bucket name registry cannot reach a majority")
      }
      await this.buckets.insert({ id, state: { _tag: "Deleted" } })
      return "deleted"
    })
  }

  private async isEmpty(bucketId: string): Promise<boolean> {
    for await (const _ of this.listObjects(bucketId, { prefix: "" })) return false
    return true
  }

  async addAlias(id: string, name: string): Promise<"added" | "taken" | "no-such-bucket"> {
    return this.run(async () => {
      if ((await this.bucketById(id)) === undefined) return "no-such-bucket"
      const outcome = await this.names.claim(name, id, newId())
      if (outcome.kind === "unavailable") throw new StoreUnavailableError("the bucket name registry cannot reach a majority")
      if (outcome.bucketId !== id) return "taken"
      const ts = this.clock.now()
      await this.updateBucket(id, (p) => ({ ...p, aliases: lwwMapSet(p.aliases, name, ts, true) }))
      return "added"
    })
  }

  async removeAlias(id: string, name: string): Promise<"removed" | "last-alias" | "no-such-alias"> {
    return this.run(async () => {
      const bucket = await this.bucketById(id)
      if (bucket === undefined || (await this.names.lookup(name)) !== id) return "no-such-alias"
      if (bucket.aliases.length <= 1) return "last-alias"
      const r = await this.names.release(name, id, newId())
      if (r === "unavailable") throw new StoreUnavailableError("the bucket name registry cannot reach a majority")
      if (r === "not-bound") return "no-such-alias"
      const ts = this.clock.now()
      await this.updateBucket(id, (p) => ({ ...p, aliases: lwwMapSet(p.aliases, name, ts, false) }))
      return "removed"
    })
  }

  async setCors(id: string, rules: readonly CorsRule[] | undefined): Promise<void> {
    await this.run(async () => {
      const ts = this.clock.now()
      const value =
        rules === undefined
          ? cancelingUnset
          : cancelingSome(
              rules.map((r) => ({
                id: r.id ?? null,
                allowedOrigins: [...r.allowedOrigins],
                allowedMethods: [...r.allowedMethods],
                allowedHeaders: [...r.allowedHeaders],
                exposeHeaders: [...r.exposeHeaders],
                maxAgeSeconds: r.maxAgeSeconds ?? null,
              })),
            )
      await this.updateBucket(id, (p) => ({ ...p, cors: lww(ts, value) }))
    })
  }

  async setBucketTags(id: string, tags: readonly Tag[] | undefined): Promise<void> {
    await this.run(async () => {
      const ts = this.clock.now()
      const value = tags === undefined ? cancelingUnset : cancelingSome([...tags])
      await this.updateBucket(id, (p) => ({ ...p, tags: lww(ts, value) }))
    })
  }

  async setLifecycle(id: string, rules: readonly LifecycleRule[] | undefined): Promise<void> {
    await this.run(async () => {
      const ts = this.clock.now()
      const value = rules === undefined ? cancelingUnset : cancelingSome(rules.map(lifecycleRowOf))
      await this.updateBucket(id, (p) => ({ ...p, lifecycle: lww(ts, value) }))
    })
  }

  async setWebsite(id: string, config: WebsiteConfig | undefined): Promise<void> {
    await this.run(async () => {
      const ts = this.clock.now()
      const value = config === undefined ? cancelingUnset : cancelingSome(websiteRowOf(config))
      await this.updateBucket(id, (p) => ({ ...p, website: lww(ts, value) }))
    })
  }

  async setQuotas(id: string, quotas: BucketQuotas): Promise<void> {
    await this.run(async () => {
      const ts = this.clock.now()
      await this.updateBucket(id, (p) => ({ ...p, quotas: lww(ts, { maxSize: quotas.maxSize, maxObjects: quotas.maxObjects }) }))
    })
  }

  /** Rewrites a live bucket row with `change` applied (fields changed carry a new timestamp). */
  private async updateBucket(id: string, change: (p: BucketParams) => BucketParams): Promise<void> {
    const row = await this.buckets.get("", id)
    if (row === undefined || row.state._tag !== "Present") return
    await this.buckets.insert({ id, state: present(change(row.state.value)) })
  }

  /**
   * Approximate (bucket-counters.ts): the counter table's estimate, after publishing this
   * node's pending counts so that writes made through this node are included.
   */
  async bucketStats(id: string): Promise<BucketStats> {
    return this.run(async () => {
      await this.options.counters.flush()
      return this.options.counters.read(id)
    })
  }

  /** Rows this node holds (its replicas, tombstones included), not cluster-wide figures. */
  async storeStats(): Promise<{ objects: number; blocks: number; uploads: number; buckets: number }> {
    return {
      objects: this.objects.store.rowCount(),
      blocks: this.refs.store.rowCount(),
      uploads: this.uploads.store.rowCount(),
      buckets: this.buckets.store.rowCount(),
    }
  }

  // ---- objects

  async getObject(bucketId: string, key: string): Promise<ObjectMeta | undefined> {
    if (bytesOf(key) > MAX_KEY_BYTES) return undefined
    return this.run(async () => {
      // A version row deleted under us means a newer write replaced the object: read again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const row = await this.objects.get(bucketId, key)
        const v = row === undefined ? undefined : currentVersion(row)
        if (v === undefined) return undefined
        const meta = await this.metaOf(key, v)
        if (meta !== undefined) return meta
      }
      throw new StoreUnavailableError(`the block list of ${key.slice(0, 80)} could not be read`)
    })
  }

  /** The ObjectMeta of a Complete version (undefined if its version row is gone). */
  private async metaOf(key: string, v: ObjectVersion): Promise<ObjectMeta | undefined> {
    this.clock.observe(v.ts)
    if (v.state._tag !== "Complete" || v.state.data._tag === "DeleteMarker") return undefined
    const data = v.state.data
    if (data._tag === "Inline") return toMeta(key, v.ts, data.meta, { inline: data.bytes })
    const row = await this.versions.get(v.uuid, "")
    if (row === undefined || row.deleted) return undefined
    return toMeta(key, v.ts, data.meta, blocksOfRow(row))
  }

  /**
   * NOT atomic cluster-wide: the guard sees a quorum read of the current version, then the
   * write follows. Writes of the key through this node wait for each other (KeyLocks); a
   * concurrent write through another node between the read and the write is not detected
   * (that needs consensus on the key; docs/s3-api.md).
   */
  private async checkGuard(bucketId: string, key: string, guard: WriteGuard | undefined): Promise<void> {
    if (guard === undefined) return
    const refused = guard(await this.getObject(bucketId, key))
    if (refused !== undefined) throw refused
  }

  async putObject(bucketId: string, meta: ObjectMeta, guard?: WriteGuard): Promise<void> {
    await this.run(() =>
      this.locks.with(`${bucketId}/${meta.key}`, async () => {
        await this.checkGuard(bucketId, meta.key, guard)
        await this.commit(bucketId, meta, "blocks" in meta.data ? blockMap(0, meta.data) : undefined)
      }),
    )
  }

  /** Makes `meta` the key's current version; `blocks` (block list keyed by blockKey) unless inline. */
  private async commit(bucketId: string, meta: ObjectMeta, blocks: VersionRow["blocks"] | undefined): Promise<void> {
    const uuid = newId()
    const ts = this.clock.now(meta.lastModified)
    const key = meta.key
    if (blocks === undefined) {
      if (!("inline" in meta.data)) throw new Error("a version without blocks must be inline")
      const state = { _tag: "Complete" as const, data: { _tag: "Inline" as const, meta: toFields(meta, ts), bytes: meta.data.inline } }
      await this.objects.insert({ bucketId, key, versions: [{ uuid, ts, state }] })
      return
    }
    await this.objects.insert({ bucketId, key, versions: [{ uuid, ts, state: { _tag: "Uploading", multipart: false } }] })
    await this.writeVersion({ id: uuid, deleted: false, blocks, backlink: { _tag: "Object", bucketId, key } })
    const state = { _tag: "Complete" as const, data: { _tag: "Blocks" as const, meta: toFields(meta, ts) } }
    await this.objects.insert({ bucketId, key, versions: [{ uuid, ts, state }] })
  }

  /** The version row and one reference per distinct block (the holders count them). */
  private async writeVersion(row: VersionRow): Promise<void> {
    const hashes = [...new Set(Object.values(row.blocks).map((b) => b.hash))]
    await Promise.all([
      this.versions.insert(row),
      this.refs.insertMany(hashes.map((block) => ({ block, version: row.id, deleted: false }))),
    ])
  }

  async deleteObject(bucketId: string, key: string, onlyIf?: (current: ObjectSummary) => boolean): Promise<boolean> {
    if (bytesOf(key) > MAX_KEY_BYTES) return false
    return this.run(() => this.locks.with(`${bucketId}/${key}`, async () => {
      const row = await this.objects.get(bucketId, key)
      const v = row === undefined ? undefined : currentVersion(row)
      if (v === undefined) return false
      if (onlyIf !== undefined && !onlyIf(summaryOf(key, v))) return false
      this.clock.observe(v.ts)
      const marker = { _tag: "Complete" as const, data: { _tag: "DeleteMarker" as const } }
      await this.objects.insert({ bucketId, key, versions: [{ uuid: newId(), ts: this.clock.now(), state: marker }] })
      return true
    }))
  }

  /**
   * Rewrites the current version with new tags under the same uuid and timestamp (the object
   * row's merge keeps the newer tags of a version): data, ETag and Last-Modified stay. A newer
   * version written meanwhile through another node replaces this one whatever the timestamps.
   */
  async setObjectTags(bucketId: string, key: string, tags: readonly Tag[]): Promise<boolean> {
    if (bytesOf(key) > MAX_KEY_BYTES) return false
    return this.run(() => this.locks.with(`${bucketId}/${key}`, async () => {
      const row = await this.objects.get(bucketId, key)
      const v = row === undefined ? undefined : currentVersion(row)
      if (v === undefined || v.state._tag !== "Complete" || v.state.data._tag === "DeleteMarker") return false
      const data = v.state.data
      this.clock.observe(v.ts)
      if (data.meta.tags !== undefined) this.clock.observe(data.meta.tags.ts)
      const meta = { ...data.meta, tags: lww(this.clock.now(), [...tags]) }
      const state = { _tag: "Complete" as const, data: { ...data, meta } }
      await this.objects.insert({ bucketId, key, versions: [{ uuid: v.uuid, ts: v.ts, state }] })
      return true
    }))
  }

  /** Each object with a block list costs a read of its version row (FETCH_WINDOW at once). */
  async *listObjects(bucketId: string, from: ListFrom): AsyncIterable<ObjectMeta> {
    this.assertLayout()
    const { prefix } = from
    if (bytesOf(prefix) > MAX_KEY_BYTES) return
    let after = from.after
    // A start point longer than any key: start at a prefix of it that fits, skip up to it.
    let skipUpTo: string | undefined
    if (after !== undefined && bytesOf(after) > MAX_KEY_BYTES) {
      skipUpTo = after
      while (bytesOf(after) > MAX_KEY_BYTES) after = after.slice(0, -1)
    }
    let start: string | undefined = after !== undefined && compareUtf8(`${after}\u0000`, prefix) > 0 ? `${after}\u0000` : prefix
    while (start !== undefined) {
      const page = await this.run(() => this.objects.getRange(bucketId, { start }))
      const rows: ObjectRow[] = []
      let done = false
      for (const row of page.entries) {
        if (!row.key.startsWith(prefix)) {
          done = true // rows are in key order and start at the prefix: past it
          break
        }
        if (skipUpTo !== undefined && compareUtf8(row.key, skipUpTo) <= 0) continue
        rows.push(row)
      }
      const metas = await this.run(() =>
        mapWindowed(rows, FETCH_WINDOW, async (row): Promise<ObjectMeta | undefined> => {
          const v = currentVersion(row)
          if (v === undefined || v.state._tag !== "Complete") return undefined
          // A version replaced meanwhile: its row is gone; the object's newest version is read.
          return (await this.metaOf(row.key, v)) ?? (await this.getObject(bucketId, row.key))
        }),
      )
      for (const m of metas) if (m !== undefined) yield m
      start = done ? undefined : page.next
    }
  }

  // ---- data

  async writeData(chunks: AsyncIterable<Uint8Array>, options: { allowInline: boolean }): Promise<StagedData> {
    this.assertLayout()
    const { blockSize, inlineThreshold } = this.options
    const hashes: Promise<string>[] = []
    const sizes: number[] = []
    let buffer: Buffer[] = []
    let buffered = 0
    let size = 0
    const window = this.blocks.referenceWindow()
    const flush = async (block: Buffer): Promise<void> => {
      if (hashes.length >= WRITE_WINDOW) await hashes[hashes.length - WRITE_WINDOW]
      const put = this.blocks.put(block)
      put.catch(() => undefined) // awaited below; a rejection meanwhile is not unhandled
      hashes.push(put)
      sizes.push(block.length)
    }
    // Blocks are counted by their block_ref rows once a version uses them; data that never
    // gets a version is collected by its holders after block_orphan_delay_secs (docs/blocks.md),
    // so release has nothing to do.
    const staged = (data: ObjectData): StagedData => ({ data, size, release: async () => {} })
    try {
      for await (const chunk of chunks) {
        let piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
        size += piece.length
        while (buffered + piece.length >= blockSize) {
          const take = blockSize - buffered
          buffer.push(piece.subarray(0, take))
          piece = piece.subarray(take)
          await flush(Buffer.concat(buffer))
          buffer = []
          buffered = 0
        }
        if (piece.length > 0) {
          buffer.push(piece)
          buffered += piece.length
        }
      }
      const rest = Buffer.concat(buffer)
      if (hashes.length === 0 && options.allowInline && rest.length < inlineThreshold) return staged({ inline: rest })
      if (rest.length > 0 || hashes.length === 0) await flush(rest)
      const done = await Promise.all(hashes)
      // Holders collect a block nobody references after a delay; an upload slower than half
      // of it could reference blocks that are already gone.
      if (window.expired()) throw new StoreUnavailableError("the upload took longer than half of block_orphan_delay_secs; send it again")
      return staged({ blocks: done.map((hash, i) => ({ hash, size: sizes[i]! })) })
    } catch (e) {
      await Promise.allSettled(hashes)
      throw unavailable(e)
    }
  }

  hold(data: ObjectData): StagedData {
    // The source keeps its references until the copy's own block_ref rows are written; a
    // source deleted in between keeps its blocks for the block layer's delete delay.
    return { data, size: 0, release: async () => {} }
  }

  async *readData(data: ObjectData, start: number, end: number): AsyncIterable<Uint8Array> {
    if ("inline" in data) {
      if (end > start) yield Buffer.from(data.inline).subarray(start, end)
      return
    }
    const wanted: Array<{ hash: string; from: number; to: number }> = []
    let offset = 0
    for (const block of data.blocks) {
      const blockStart = offset
      offset += block.size
      if (offset <= start) continue
      if (blockStart >= end) break
      const from = Math.max(start, blockStart) - blockStart
      const to = Math.min(end, offset) - blockStart
      if (to > from) wanted.push({ hash: block.hash, from, to })
    }
    // One block fetched ahead, so the next block's round trip overlaps this one's sending.
    const fetch = (i: number) => {
      const w = wanted[i]!
      const p = this.blocks.get(w.hash, { start: w.from, end: w.to })
      p.catch(() => undefined)
      return p
    }
    let next = wanted.length > 0 ? fetch(0) : undefined
    for (let i = 0; i < wanted.length; i++) {
      let bytes: Buffer
      try {
        bytes = await next!
      } catch (e) {
        throw unavailable(e)
      }
      next = i + 1 < wanted.length ? fetch(i + 1) : undefined
      yield bytes
    }
  }

  // ---- multipart

  async createUpload(upload: MultipartUpload): Promise<void> {
    await this.run(async () => {
      const ts = this.clock.now(upload.initiated)
      const info = {
        initiated: upload.initiated,
        contentType: upload.contentType,
        headers: upload.headers,
        userMeta: upload.userMeta,
        checksumAlgorithm: upload.checksumAlgorithm ?? null,
        ...(upload.checksumType === "FULL_OBJECT" ? { checksumType: "FULL_OBJECT" as const } : {}),
        ...(upload.tags !== undefined && upload.tags.length > 0 ? { tags: upload.tags } : {}),
      }
      await this.uploads.insert({ id: upload.uploadId, bucketId: upload.bucketId, key: upload.key, deleted: false, info, parts: {} })
      // The object row lists the key's uploads (ListMultipartUploads), as in Garage.
      const state = { _tag: "Uploading" as const, multipart: true }
      await this.objects.insert({ bucketId: upload.bucketId, key: upload.key, versions: [{ uuid: upload.uploadId, ts, state }] })
    })
  }

  async getUpload(bucketId: string, uploadId: string): Promise<MultipartUpload | undefined> {
    if (uploadId.length > 64) return undefined
    return this.run(async () => {
      const row = await this.uploads.get(uploadId, "")
      if (row === undefined || row.deleted || row.bucketId !== bucketId || row.info === null) return undefined
      const i = row.info
      return {
        uploadId,
        bucketId,
        key: row.key,
        initiated: i.initiated,
        contentType: i.contentType,
        headers: i.headers,
        userMeta: i.userMeta,
        checksumAlgorithm: (i.checksumAlgorithm ?? undefined) as ChecksumAlgorithm | undefined,
        ...(i.checksumType === "FULL_OBJECT" ? { checksumType: "FULL_OBJECT" as const } : {}),
        ...(i.tags !== undefined ? { tags: i.tags } : {}),
      }
    })
  }

  async endedUpload(bucketId: string, uploadId: string): Promise<{ readonly key: string } | undefined> {
    if (uploadId.length > 64) return undefined
    return this.run(async () => {
      const row = await this.uploads.get(uploadId, "")
      return row !== undefined && row.deleted && row.bucketId === bucketId ? { key: row.key } : undefined
    })
  }

  async putPart(uploadId: string, part: Part): Promise<void> {
    await this.run(async () => {
      const upload = await this.uploads.get(uploadId, "")
      if (upload === undefined || upload.deleted) return // aborted or completed meanwhile: nothing refers to the part
      const data: ObjectData = "inline" in part.data ? { blocks: [{ hash: await this.blocks.put(part.data.inline), size: part.data.inline.length }] } : part.data
      const versionId = newId()
      const backlink = { _tag: "Upload" as const, uploadId }
      await this.writeVersion({ id: versionId, deleted: false, blocks: blockMap(part.partNumber, data), backlink })
      const ts = this.clock.now(part.lastModified)
      const entry = { versionId, etag: part.etag, size: part.size, checksum: part.checksum === undefined ? null : JSON.stringify(part.checksum) }
      await this.uploads.insert({ ...upload, info: null, parts: { [partKey(part.partNumber, ts.l * 1000 + (ts.c % 1000))]: entry } })
    })
  }

  async listParts(uploadId: string): Promise<readonly Part[]> {
    return this.run(async () => {
      const row = await this.uploads.get(uploadId, "")
      if (row === undefined || row.deleted) return []
      // Per part number the newest upload of it (keys sort by part number, then time).
      const newest = new Map<number, [string, MultipartUploadRow["parts"][string]]>()
      for (const [k, p] of Object.entries(row.parts).sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (p.etag !== null && p.size !== null) newest.set(Number(k.slice(0, 5)), [k, p])
      }
      const parts = await mapWindowed([...newest], FETCH_WINDOW, async ([partNumber, [k, p]]): Promise<Part | undefined> => {
        const v = await this.versions.get(p.versionId, "")
        if (v === undefined || v.deleted) return undefined
        return {
          partNumber,
          size: p.size!,
          etag: p.etag!,
          lastModified: Math.floor(Number(k.slice(6)) / 1000),
          checksum: p.checksum === null ? undefined : (JSON.parse(p.checksum) as Checksum),
          data: blocksOfRow(v),
        }
      })
      return parts.filter((p): p is Part => p !== undefined).sort((a, b) => a.partNumber - b.partNumber)
    })
  }

  async completeUpload(upload: MultipartUpload, meta: ObjectMeta, parts: readonly Part[], guard?: WriteGuard): Promise<void> {
    await this.run(() => this.locks.with(`${upload.bucketId}/${meta.key}`, async () => {
      await this.checkGuard(upload.bucketId, meta.key, guard)
      // A version of its own (not the upload id): the upload's entry in the object row may
      // already have been dropped by a newer write of the key, which deletes that id's row.
      const blocks: Record<string, VersionRow["blocks"][string]> = {}
      for (const p of parts) blockMap(p.partNumber, p.data, blocks)
      await this.commit(upload.bucketId, meta, blocks)
      await this.dropUpload(upload)
    }))
  }

  async abortUpload(upload: MultipartUpload): Promise<void> {
    await this.run(async () => {
      await this.dropUpload(upload)
      const state = { _tag: "Aborted" as const }
      await this.objects.insert({ bucketId: upload.bucketId, key: upload.key, versions: [{ uuid: upload.uploadId, ts: this.clock.now(), state }] })
    })
  }

  /** Deleting the row cascades to its parts' version rows, then to their block references. */
  private async dropUpload(upload: MultipartUpload): Promise<void> {
    await this.uploads.insert({ id: upload.uploadId, bucketId: upload.bucketId, key: upload.key, deleted: true, info: null, parts: {} })
  }

  async listUploads(bucketId: string): Promise<readonly MultipartUpload[]> {
    return this.run(async () => {
      const ids: string[] = []
      let start: string | undefined = ""
      while (start !== undefined) {
        const page: { entries: readonly ObjectRow[]; next: string | undefined } = await this.objects.getRange(bucketId, { start })
        for (const row of page.entries)
          for (const v of row.versions) if (v.state._tag === "Uploading" && v.state.multipart) ids.push(v.uuid)
        start = page.next
      }
      const uploads = await mapWindowed(ids, FETCH_WINDOW, (id) => this.getUpload(bucketId, id))
      return uploads.filter((u): u is MultipartUpload => u !== undefined)
    })
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.inFlight].map((p) => p.catch(() => undefined))).then(() => undefined)
    return this.closing
  }
}

/** Quorum failures of the table and block layers, as the store's "retry later" error. */
const unavailable = (e: unknown): unknown =>
  e instanceof QuorumError || e instanceof WriteQuorumError || e instanceof BlockUnavailableError
    ? new StoreUnavailableError((e as Error).message)
    : e
