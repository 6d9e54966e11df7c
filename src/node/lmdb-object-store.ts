// ObjectStore on one machine: metadata in LMDB, data in content-addressed block files
// (objects under the inline threshold live in the object row). Blocks are reference
// counted in LMDB in the same transaction as the rows that use them; a block file is
// removed when its count is zero and no write in progress holds it.
import { randomBytes } from "node:crypto"
import { BlockStore } from "./block-store.ts"
import type { MetadataDb } from "./metadata-db.ts"
import type {
  Bucket,
  BucketStats,
  CorsRule,
  ListFrom,
  MultipartUpload,
  ObjectData,
  ObjectMeta,
  ObjectStore,
  Part,
  StagedData,
  WriteGuard,
} from "./object-store.ts"

export interface LmdbObjectStoreOptions {
  readonly blockSize: number
  readonly inlineThreshold: number
  /** How long a block with no reference stays on disk before it is deleted (0: at once). */
  readonly blockDeleteDelayMs?: number
}

const blocksOf = (data: ObjectData): readonly string[] => ("blocks" in data ? data.blocks.map((b) => b.hash) : [])
const MAX_CHAR = "\u{10FFFF}"
/** LMDB keys are limited (~1978 bytes): longer names cannot exist, so lookups answer "absent". */
const MAX_KEY_BYTES = 1024
const MAX_NAME_BYTES = 255
/** Block writes of one object in flight at once. */
const WRITE_WINDOW = 4

export class LmdbObjectStore implements ObjectStore {
  private readonly buckets
  private readonly aliases
  private readonly objects
  private readonly refs
  private readonly uploads
  private readonly parts
  /** Blocks whose count reached zero, with the time it did; swept after the delay. */
  private readonly blockGc
  private readonly sweeper: NodeJS.Timeout | undefined
  /** Blocks written by requests whose metadata has not committed yet. */
  private readonly pending = new Map<string, number>()
  /** Asynchronous LMDB writes not yet committed. */
  private readonly writes = new Set<Promise<unknown>>()
  private closed = false

  constructor(
    private readonly db: MetadataDb,
    private readonly blocks: BlockStore,
    private readonly options: LmdbObjectStoreOptions,
  ) {
    this.buckets = db.table<Bucket>("buckets")
    this.aliases = db.table<string>("bucket_aliases")
    this.objects = db.table<ObjectMeta>("objects")
    this.refs = db.table<number>("block_refs")
    this.uploads = db.table<MultipartUpload>("uploads")
    this.parts = db.table<Part>("parts")
    this.blockGc = db.table<number>("block_gc")
    const delay = options.blockDeleteDelayMs ?? 0
    if (delay > 0) {
      this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), Math.min(delay, 60_000))
      this.sweeper.unref()
    }
  }

  // ---- buckets

  async bucketByName(name: string): Promise<Bucket | undefined> {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) return undefined
    const id = this.aliases.get(name)
    return id === undefined ? undefined : this.buckets.get(id)
  }

  async bucketById(id: string): Promise<Bucket | undefined> {
    if (Buffer.byteLength(id) > MAX_NAME_BYTES) return undefined
    return this.buckets.get(id)
  }

  async listBuckets(): Promise<readonly Bucket[]> {
    return [...this.buckets.getRange({}).map(({ value }) => value)]
  }

  async createBucket(name: string): Promise<{ bucket: Bucket; created: boolean }> {
    return this.db.root.transactionSync(() => {
      const existing = this.aliases.get(name)
      if (existing !== undefined) {
        const bucket = this.buckets.get(existing)
        if (bucket !== undefined) return { bucket, created: false }
      }
      const bucket: Bucket = { id: randomBytes(32).toString("hex"), aliases: [name], createdAt: Date.now() }
      this.buckets.putSync(bucket.id, bucket)
      this.aliases.putSync(name, bucket.id)
      return { bucket, created: true }
    })
  }

  async deleteBucket(id: string): Promise<"deleted" | "not-empty" | "no-such-bucket"> {
    const bucket = this.buckets.get(id)
    if (bucket === undefined) return "no-such-bucket"
    for (const _ of this.objects.getKeys({ start: `${id}/`, end: `${id}/${MAX_CHAR}`, limit: 1 })) return "not-empty"
    for (const upload of await this.listUploads(id)) await this.abortUpload(upload)
    const result = this.db.root.transactionSync(() => {
      for (const _ of this.objects.getKeys({ start: `${id}/`, end: `${id}/${MAX_CHAR}`, limit: 1 })) return "not-empty" as const
      for (const alias of bucket.aliases) if (this.aliases.get(alias) === id) this.aliases.removeSync(alias)
      this.buckets.removeSync(id)
      return "deleted" as const
    })
    return result
  }

  async addAlias(id: string, name: string): Promise<"added" | "taken" | "no-such-bucket"> {
    return this.db.root.transactionSync(() => {
      const bucket = this.buckets.get(id)
      if (bucket === undefined) return "no-such-bucket"
      const current = this.aliases.get(name)
      if (current !== undefined) return current === id ? "added" : "taken"
      this.aliases.putSync(name, id)
      this.buckets.putSync(id, { ...bucket, aliases: [...bucket.aliases, name] })
      return "added"
    })
  }

  async removeAlias(id: string, name: string): Promise<"removed" | "last-alias" | "no-such-alias"> {
    return this.db.root.transactionSync(() => {
      const bucket = this.buckets.get(id)
      if (bucket === undefined || this.aliases.get(name) !== id) return "no-such-alias"
      if (bucket.aliases.length <= 1) return "last-alias"
      this.aliases.removeSync(name)
      this.buckets.putSync(id, { ...bucket, aliases: bucket.aliases.filter((a) => a !== name) })
      return "removed"
    })
  }

  async setCors(id: string, rules: readonly CorsRule[] | undefined): Promise<void> {
    this.db.root.transactionSync(() => {
      const bucket = this.buckets.get(id)
      if (bucket !== undefined) this.buckets.putSync(id, { ...bucket, cors: rules })
    })
  }

  async bucketStats(id: string): Promise<BucketStats> {
    let objects = 0
    let bytes = 0
    for (const { value } of this.objects.getRange({ start: `${id}/`, end: `${id}/${MAX_CHAR}` })) {
      objects++
      bytes += value.size
    }
    return { objects, bytes, uploads: (await this.listUploads(id)).length }
  }

  async storeStats(): Promise<{ objects: number; blocks: number; uploads: number; buckets: number }> {
    const count = (db: { getStats(): unknown }) => Number((db.getStats() as { entryCount?: number }).entryCount ?? 0)
    return { objects: count(this.objects), blocks: count(this.refs), uploads: count(this.uploads), buckets: count(this.buckets) }
  }

  // ---- objects
  // Writes use lmdb's asynchronous transactions: the callback runs in the write transaction
  // (so guards see the current version atomically), and concurrent writes are committed
  // together, one fsync for the batch, on lmdb's write thread. A synchronous transaction would
  // block the event loop for every commit's fsync.

  async getObject(bucketId: string, key: string): Promise<ObjectMeta | undefined> {
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) return undefined
    return this.objects.get(`${bucketId}/${key}`)
  }

  async putObject(bucketId: string, meta: ObjectMeta, guard?: WriteGuard): Promise<void> {
    const result = await this.write(() => this.db.root.transaction(() => {
      const id = `${bucketId}/${meta.key}`
      const previous = this.objects.get(id)
      const refused = guard?.(previous)
      if (refused !== undefined) return refused
      this.objects.putSync(id, meta)
      this.addRefs(blocksOf(meta.data), 1)
      return previous === undefined ? [] : this.addRefs(blocksOf(previous.data), -1)
    }))
    if (result instanceof Error) throw result
    await this.collect(result)
  }

  async deleteObject(bucketId: string, key: string): Promise<boolean> {
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) return false
    const result = await this.write(() => this.db.root.transaction(() => {
      const id = `${bucketId}/${key}`
      const previous = this.objects.get(id)
      if (previous === undefined) return undefined
      this.objects.removeSync(id)
      return this.addRefs(blocksOf(previous.data), -1)
    }))
    if (result === undefined) return false
    await this.collect(result)
    return true
  }

  async *listObjects(bucketId: string, from: ListFrom): AsyncIterable<ObjectMeta> {
    if (Buffer.byteLength(from.prefix) > MAX_KEY_BYTES) return
    const base = `${bucketId}/`
    let after = from.after
    // A start point longer than any key: begin at a prefix of it that fits, skip up to it.
    let skipUpTo: Buffer | undefined
    if (after !== undefined && Buffer.byteLength(after) > MAX_KEY_BYTES + 4) {
      skipUpTo = Buffer.from(after)
      while (Buffer.byteLength(after) > MAX_KEY_BYTES) after = after.slice(0, -1)
    }
    const start = after !== undefined && after >= from.prefix ? `${base}${after}` : `${base}${from.prefix}`
    const end = `${base}${from.prefix}${MAX_CHAR}`
    for (const { key, value } of this.objects.getRange({ start, end })) {
      if (after !== undefined && key === `${base}${after}`) continue
      if (skipUpTo !== undefined && Buffer.compare(Buffer.from(value.key), skipUpTo) <= 0) continue
      if (!value.key.startsWith(from.prefix)) continue
      yield value
    }
  }

  // ---- data

  async writeData(chunks: AsyncIterable<Uint8Array>, options: { allowInline: boolean }): Promise<StagedData> {
    const { blockSize, inlineThreshold } = this.options
    const written: { hash: string; size: number }[] = []
    let buffer: Buffer[] = []
    let buffered = 0
    let size = 0
    // Up to WRITE_WINDOW block writes in flight, so their fsyncs overlap with each other and
    // with reading the rest of the body.
    const inFlight: Promise<void>[] = []
    const drain = async (): Promise<void> => {
      while (inFlight.length > 0) await inFlight.shift()
    }
    const flush = async (block: Buffer): Promise<void> => {
      const hash = BlockStore.hash(block)
      this.pending.set(hash, (this.pending.get(hash) ?? 0) + 1)
      written.push({ hash, size: block.length })
      if (inFlight.length >= WRITE_WINDOW) await inFlight.shift()
      const write = this.blocks.write(hash, block)
      write.catch(() => undefined) // awaited later; a rejection meanwhile is not unhandled
      inFlight.push(write)
    }
    const staged = (data: ObjectData): StagedData => ({
      data,
      size,
      release: async () => {
        const hashes = written.map((w) => w.hash)
        this.unpend(hashes)
        await this.collect(hashes)
      },
    })
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
          // Copy small pieces so the block does not pin a large socket buffer.
          buffer.push(piece)
          buffered += piece.length
        }
      }
      const rest = Buffer.concat(buffer)
      if (written.length === 0 && options.allowInline && rest.length < inlineThreshold) {
        await drain()
        return staged({ inline: rest })
      }
      if (rest.length > 0 || written.length === 0) await flush(rest)
      await drain()
      return staged({ blocks: written })
    } catch (error) {
      await Promise.allSettled(inFlight)
      await staged({ inline: Buffer.alloc(0) }).release()
      throw error
    }
  }

  hold(data: ObjectData): StagedData {
    const hashes = blocksOf(data)
    for (const h of hashes) this.pending.set(h, (this.pending.get(h) ?? 0) + 1)
    return {
      data,
      size: 0,
      release: async () => {
        this.unpend(hashes)
        await this.collect(hashes)
      },
    }
  }

  private unpend(hashes: readonly string[]): void {
    for (const h of hashes) {
      const n = (this.pending.get(h) ?? 1) - 1
      if (n <= 0) this.pending.delete(h)
      else this.pending.set(h, n)
    }
  }

  async *readData(data: ObjectData, start: number, end: number): AsyncIterable<Uint8Array> {
    if ("inline" in data) {
      if (end > start) yield Buffer.from(data.inline).subarray(start, end)
      return
    }
    let offset = 0
    for (const block of data.blocks) {
      const blockStart = offset
      const blockEnd = offset + block.size
      offset = blockEnd
      if (blockEnd <= start) continue
      if (blockStart >= end) break
      const from = Math.max(start, blockStart) - blockStart
      const to = Math.min(end, blockEnd) - blockStart
      if (to > from) yield* this.blocks.read(block.hash, from, to)
    }
  }

  // ---- multipart

  async createUpload(upload: MultipartUpload): Promise<void> {
    await this.write(() => this.uploads.put(`${upload.bucketId}/${upload.uploadId}`, upload))
  }

  async getUpload(bucketId: string, uploadId: string): Promise<MultipartUpload | undefined> {
    if (uploadId.length > 64) return undefined
    return this.uploads.get(`${bucketId}/${uploadId}`)
  }

  async putPart(uploadId: string, part: Part): Promise<void> {
    const freed = await this.write(() => this.db.root.transaction(() => {
      const id = partId(uploadId, part.partNumber)
      const previous = this.parts.get(id)
      this.parts.putSync(id, part)
      this.addRefs(blocksOf(part.data), 1)
      return previous === undefined ? [] : this.addRefs(blocksOf(previous.data), -1)
    }))
    await this.collect(freed)
  }

  async listParts(uploadId: string): Promise<readonly Part[]> {
    return [...this.parts.getRange({ start: `${uploadId}/`, end: `${uploadId}/~` }).map(({ value }) => value)]
  }

  async completeUpload(upload: MultipartUpload, meta: ObjectMeta, _parts: readonly Part[], guard?: WriteGuard): Promise<void> {
    const freed = await this.write(() => this.db.root.transaction(() => {
      const id = `${upload.bucketId}/${meta.key}`
      const previous = this.objects.get(id)
      const refused = guard?.(previous)
      if (refused !== undefined) return refused
      this.objects.putSync(id, meta)
      this.addRefs(blocksOf(meta.data), 1)
      const freed = previous === undefined ? [] : this.addRefs(blocksOf(previous.data), -1)
      return [...freed, ...this.dropUpload(upload)]
    }))
    if (freed instanceof Error) throw freed
    await this.collect(freed)
  }

  async abortUpload(upload: MultipartUpload): Promise<void> {
    const freed = await this.write(() => this.db.root.transaction(() => this.dropUpload(upload)))
    await this.collect(freed)
  }

  async listUploads(bucketId: string): Promise<readonly MultipartUpload[]> {
    return [...this.uploads.getRange({ start: `${bucketId}/`, end: `${bucketId}/~` }).map(({ value }) => value)]
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.sweeper !== undefined) clearInterval(this.sweeper)
    // Requests still running when the node stops: let their commits finish before the
    // environment closes; later writes get a clean error instead of one inside lmdb.
    await Promise.allSettled([...this.writes])
  }

  /** Starts an asynchronous LMDB write, tracked so that close() can wait for it. */
  private write<T>(start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the object store is closed"))
    const p = start()
    this.writes.add(p)
    void p.finally(() => this.writes.delete(p)).catch(() => undefined)
    return p
  }

  // ---- internals (inside a write transaction)

  private dropUpload(upload: MultipartUpload): string[] {
    const freed: string[] = []
    for (const { key, value } of this.parts.getRange({ start: `${upload.uploadId}/`, end: `${upload.uploadId}/~` })) {
      this.parts.removeSync(key)
      freed.push(...this.addRefs(blocksOf(value.data), -1))
    }
    this.uploads.removeSync(`${upload.bucketId}/${upload.uploadId}`)
    return freed
  }

  /** Adds `delta` to each block's count; returns the blocks whose count reached zero. */
  private addRefs(hashes: readonly string[], delta: number): string[] {
    const zero: string[] = []
    for (const h of hashes) {
      const n = (this.refs.get(h) ?? 0) + delta
      if (n <= 0) {
        this.refs.removeSync(h)
        zero.push(h)
      } else {
        this.refs.putSync(h, n)
        if (delta > 0 && this.blockGc.get(h) !== undefined) this.blockGc.removeSync(h)
      }
    }
    return zero
  }

  /**
   * Blocks that may have lost their last reference: recorded in the persistent GC queue, then
   * deleted once unreferenced for the configured delay (at once when the delay is 0). A block
   * referenced again in the meantime is kept.
   */
  private async collect(hashes: readonly string[]): Promise<void> {
    const zero = [...new Set(hashes)].filter((h) => (this.refs.get(h) ?? 0) === 0)
    if (zero.length === 0) return
    const now = Date.now()
    await this.write(() => this.db.root.transaction(() => {
      for (const h of zero) if (this.blockGc.get(h) === undefined) this.blockGc.putSync(h, now)
    }))
    if ((this.options.blockDeleteDelayMs ?? 0) === 0) await this.sweep(zero)
  }

  /** Deletes queued blocks that are still unreferenced, unused by writes in progress, and old enough. */
  async sweep(only?: readonly string[]): Promise<void> {
    const cutoff = Date.now() - (this.options.blockDeleteDelayMs ?? 0)
    const candidates = only ?? [...this.blockGc.getRange({}).map(({ key, value }) => (value <= cutoff ? key : undefined))].filter((k): k is string => k !== undefined)
    for (const h of candidates) {
      const since = this.blockGc.get(h)
      if (since === undefined || since > cutoff) continue
      if ((this.refs.get(h) ?? 0) > 0) {
        await this.write(() => this.blockGc.remove(h))
        continue
      }
      const removed = await this.blocks.removeIf(h, () => (this.refs.get(h) ?? 0) === 0 && (this.pending.get(h) ?? 0) === 0)
      if (removed) await this.write(() => this.blockGc.remove(h))
    }
  }
}

const partId = (uploadId: string, n: number): string => `${uploadId}/${String(n).padStart(5, "0")}`
