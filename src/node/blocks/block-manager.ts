// The block layer of a node (DESIGN §5.5): content-addressed blocks replicated to a quorum
// of every write set of their partition, hedged reads that verify what comes back,
// per-node reference counts with delayed deletion, a persistent resync queue that fetches,
// replicates and offloads blocks after layout changes and failed writes, a scrub that
// repairs corrupt files from a replica, and a byte budget on buffers for back-pressure.
// It talks to the cluster only through ClusterRpc and Placement (cluster/interfaces.ts).
import type { NodeId } from "../../core/machine.ts"
import { defaultRetryPolicy, type RetryPolicy } from "../../core/block/retry-policy.ts"
import { readOrder } from "../../core/block/read-order.ts"
import { isDeletable } from "../../core/block/refcount.ts"
import type { BlockStore } from "../block-store.ts"
import type { ClusterRpc, Placement } from "../cluster/interfaces.ts"
import type { MetadataDb } from "../metadata-db.ts"
import { Priority } from "../rpc/rpc-connection.ts"
import {
  blockPartitionOf,
  decodeGetRequest,
  decodeNeedRequest,
  decodePutReply,
  decodePutRequest,
  Endpoint,
  isBlockHash,
  type NeedAnswer,
  sha256Hex,
} from "./block-messages.ts"
import { ByteBudget } from "./byte-budget.ts"
import { hedgedFetch } from "./hedged-fetch.ts"
import { RefcountTable } from "./refcount-table.ts"
import { replicatedWrite } from "./replicated-write.ts"
import { ResyncQueue } from "./resync-queue.ts"
import { type ResyncContext, ResyncWorker } from "./resync-worker.ts"
import { scrubBlocks, type ScrubReport } from "./scrub.ts"

export interface BlockManagerOptions {
  readonly rpc: ClusterRpc
  readonly placement: Placement
  readonly store: BlockStore
  readonly db: MetadataDb
  /** Wall clock for refcount deadlines and the resync queue; tests pass their own. */
  readonly now?: () => number
  readonly log?: (line: string) => void
  /** How long a block stays after its count reached zero (Garage: 10 min). */
  readonly deleteDelayMs?: number
  /**
   * How long a written block waits for its first reference before it is collected (the
   * upload failed or was abandoned). A write must get its references within half of it.
   */
  readonly orphanDelayMs?: number
  /** Largest block accepted from a caller or a peer. */
  readonly maxBlockBytes?: number
  /** Bound on block bytes buffered by puts and resync (Garage's block_ram_buffer_max, 256 MiB). */
  readonly bufferBytes?: number
  /** A read asks the next holder when the current one has not answered after this long. */
  readonly hedgeDelayMs?: number
  readonly maxParallelReads?: number
  readonly rpcTimeoutMs?: number
  readonly retry?: RetryPolicy
  /** Checks run at once (they mostly wait on peers; their buffers come from the byte budget). */
  readonly resyncWorkers?: number
  /** Start a scrub pass this long after the previous one finished, across restarts (none if undefined; Garage: 25 days). */
  readonly scrubIntervalMs?: number
  /** Pause between two blocks of a scrub, so it leaves the disk to requests (default 0). */
  readonly scrubPauseMs?: number
}

export class BlockError extends Error {}

/** How long a newly referenced block that is not here yet may take to arrive by its own put. */
const FETCH_GRACE_MS = 1_000

export class BlockManager {
  readonly self: NodeId
  readonly rc: RefcountTable
  readonly queue: ResyncQueue
  readonly budget: ByteBudget
  readonly resync: ResyncWorker
  private readonly rpc: ClusterRpc
  private readonly placement: Placement
  private readonly store: BlockStore
  private readonly now: () => number
  private readonly log: (line: string) => void
  private readonly deleteDelayMs: number
  private readonly orphanDelayMs: number
  private readonly db: MetadataDb
  readonly maxBlockBytes: number
  private readonly hedgeDelayMs: number
  private readonly maxParallelReads: number
  private readonly rpcTimeoutMs: number
  private readonly meta
  private readonly rtt = new Map<NodeId, number>()
  private readonly unsubscribe: () => void
  private scrubTimer: NodeJS.Timeout | undefined
  private readonly scrubPauseMs: number
  private scanning: Promise<void> | undefined
  /** Replica writes still running after their put returned (awaited by close). */
  private readonly background = new Set<Promise<unknown>>()
  private rescanWanted = false
  private closed = false
  /** Totals since start, for metrics. */
  readonly totals = { putBlocks: 0, putBytes: 0, getBlocks: 0, getBytes: 0, corruptBlocks: 0 }

  constructor(options: BlockManagerOptions) {
    this.rpc = options.rpc
    this.self = options.rpc.self
    this.placement = options.placement
    this.store = options.store
    this.now = options.now ?? Date.now
    this.log = options.log ?? (() => {})
    this.deleteDelayMs = options.deleteDelayMs ?? 600_000
    this.orphanDelayMs = options.orphanDelayMs ?? 86_400_000
    this.db = options.db
    this.maxBlockBytes = options.maxBlockBytes ?? 16 << 20
    this.hedgeDelayMs = options.hedgeDelayMs ?? 500
    this.maxParallelReads = options.maxParallelReads ?? 2
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 30_000
    this.scrubPauseMs = options.scrubPauseMs ?? 0
    this.rc = new RefcountTable(options.db)
    this.queue = new ResyncQueue(options.db, options.retry ?? defaultRetryPolicy)
    this.budget = new ByteBudget(options.bufferBytes ?? 256 << 20)
    this.meta = options.db.table<string>("blocks_meta")
    this.resync = new ResyncWorker(this.resyncContext(), options.resyncWorkers ?? 8)

    this.rpc.handle(Endpoint.put, (_from, payload) => this.servePut(payload))
    this.rpc.handle(Endpoint.get, (_from, payload) => this.serveGet(payload))
    this.rpc.handle(Endpoint.need, (_from, payload) => this.serveNeed(payload))
    this.unsubscribe = this.placement.subscribe(() => this.onPlacementChange())
    // A layout that changed while this node was down: re-check every block.
    this.onPlacementChange()
    this.resync.wake()
    if (options.scrubIntervalMs !== undefined) this.scheduleScrub(options.scrubIntervalMs)
  }

  // ---- the API for the object store ---------------------------------------------------

  /** Stores a block on a quorum of every write set of its partition; resolves to its hash. */
  async put(input: Uint8Array | AsyncIterable<Uint8Array>): Promise<string> {
    this.assertOpen()
    let data: Uint8Array
    let lease
    if (input instanceof Uint8Array) {
      if (input.length > this.maxBlockBytes) throw new BlockError(`block of ${input.length} bytes exceeds the maximum of ${this.maxBlockBytes}`)
      lease = await this.budget.acquire(input.length)
      data = input
    } else {
      lease = await this.budget.acquire(this.maxBlockBytes)
      try {
        data = await collect(input, this.maxBlockBytes)
      } catch (e) {
        lease.release()
        throw e
      }
      lease.shrinkTo(data.length)
    }
    const hash = sha256Hex(data)
    // The ack lock from planning the write sets until the quorum answered (Placement.lockWrite).
    const ackLock = this.placement.lockWrite?.()
    const write = replicatedWrite(hash, this.placement.writeSets(this.partitionOf(hash)), (node) =>
      node === this.self ? this.storeLocal(hash, data) : this.sendBlock(node, hash, data, Priority.normal),
    )
    void write.quorum.then(
      () => ackLock?.release(),
      () => ackLock?.release(),
    )
    const rest = write.settled
      .then(async (failed) => {
        if (failed.length === 0) return
        // Hinted handoff: keep a copy here and let the resync queue deliver it (then drop it if not ours).
        // Also while closing: close() waits for this, so the missing replica is in the queue on disk.
        if (!(await this.store.has(hash))) await this.storeLocal(hash, data)
        this.resync.schedule([hash], this.now())
      })
      .catch((e: unknown) => this.log(`blocks: handoff of ${hash.slice(0, 12)} failed: ${(e as Error).message}`))
      .finally(() => {
        lease.release()
        this.background.delete(rest)
      })
    this.background.add(rest)
    await write.quorum
    this.totals.putBlocks++
    this.totals.putBytes += data.length
    return hash
  }

  /** Bytes [start, end) of a block (the whole block by default), from this node or the nearest holder. */
  async get(hash: string, range: { readonly start?: number; readonly end?: number } = {}): Promise<Buffer> {
    this.assertOpen()
    if (!isBlockHash(hash)) throw new BlockError(`not a block hash: ${hash.slice(0, 80)}`)
    let data = await this.readLocalVerified(hash)
    if (data === undefined) {
      data = await this.fetchRemote(hash, Priority.normal)
      if (this.isHolder(hash)) this.resync.schedule([hash], this.now())
    }
    this.totals.getBlocks++
    this.totals.getBytes += data.length
    const start = range.start ?? 0
    const end = range.end ?? data.length
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= data.length)) {
      throw new BlockError(`range [${start}, ${end}) outside block of ${data.length} bytes`)
    }
    return start === 0 && end === data.length ? data : data.subarray(start, end)
  }

  /** One more reference to the block on this node (called by the block-reference table). */
  async incref(hash: string): Promise<void> {
    this.assertHash(hash)
    const before = this.rc.get(hash)?.count ?? 0
    this.rc.incref(hash)
    if (before === 0 && !(await this.store.has(hash))) this.resync.schedule([hash], this.now())
  }

  /**
   * Counts a reference row's appearance (+1) or deletion (-1) inside the caller's LMDB write
   * transaction (the block-reference table's), so the count commits with the row; then
   * `afterCounted`, after the commit, does what needs no atomicity (fetch a missing block,
   * schedule a deletion; a crash before it is repaired by the resync scans).
   */
  countInTransaction(hash: string, delta: 1 | -1): void {
    // Never throw here: the row commits regardless, and its count would be missing.
    if (!isBlockHash(hash)) return
    if (delta === 1) this.rc.increfInTransaction(hash)
    else this.rc.decrefInTransaction(hash, this.now(), this.deleteDelayMs)
  }

  async afterCounted(hash: string, delta: 1 | -1): Promise<void> {
    if (this.closed) return
    this.assertHash(hash)
    const rc = this.rc.get(hash)
    // A reference often arrives before the block itself on the replica the quorum did not
    // wait for: give the put in flight a moment before the resync fetches a copy.
    if (delta === 1 && (rc?.count ?? 0) > 0 && !(await this.store.has(hash))) this.resync.schedule([hash], this.now() + FETCH_GRACE_MS)
    if (delta === -1 && rc?.count === 0 && rc.deletableAt !== undefined) this.resync.schedule([hash], rc.deletableAt)
  }

  /** One reference less; at zero the block is deleted after the delay unless referenced again. */
  decref(hash: string): void {
    this.assertHash(hash)
    const rc = this.rc.decref(hash, this.now(), this.deleteDelayMs)
    if (rc.count === 0 && rc.deletableAt !== undefined) this.resync.schedule([hash], rc.deletableAt)
  }

  /** Reads every local block, moves corrupt ones aside and queues their repair. */
  scrub(): Promise<ScrubReport> {
    return scrubBlocks(this.store, (hash) => this.onCorrupt(hash), () => this.closed, this.scrubPauseMs)
  }

  /** Prometheus lines for RequestMetrics.render(extra). */
  metricLines(): string[] {
    const lines: string[] = []
    const gauge = (name: string, help: string, value: number, type = "gauge") =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`)
    gauge("block_resync_queue_length", "Blocks queued for a resync check.", this.queue.length)
    gauge("block_resync_errored_blocks", "Blocks whose last resync check failed.", this.queue.errored)
    gauge("block_ram_buffer_used_bytes", "Block bytes held by puts and resync.", this.budget.inUse)
    gauge("block_ram_buffer_waiting", "Puts and resync checks waiting for buffer space.", this.budget.waiting)
    gauge("block_put_counter", "Blocks stored through put.", this.totals.putBlocks, "counter")
    gauge("block_bytes_written", "Bytes stored through put.", this.totals.putBytes, "counter")
    gauge("block_get_counter", "Blocks read through get.", this.totals.getBlocks, "counter")
    gauge("block_bytes_read", "Bytes read through get.", this.totals.getBytes, "counter")
    gauge("block_corrupted_counter", "Corrupt block files found (scrub or read).", this.totals.corruptBlocks, "counter")
    lines.push("# HELP block_resync_counter Finished resync checks by action.", "# TYPE block_resync_counter counter")
    for (const [action, n] of Object.entries(this.resync.counts)) lines.push(`block_resync_counter{action="${action}"} ${n}`)
    return lines
  }

  /** Whether the block file is on this node's disk. */
  hasLocal(hash: string): Promise<boolean> {
    return this.store.has(hash)
  }

  /** Run due resync entries now (after a test advanced its clock) and wait until none is due. */
  async settle(): Promise<void> {
    await this.scanning
    this.resync.wake()
    await this.resync.idle()
  }

  async close(): Promise<void> {
    this.closed = true
    this.unsubscribe()
    clearTimeout(this.scrubTimer)
    await this.scanning
    await Promise.all(this.background)
    await this.resync.close()
  }

  // ---- serving peers -------------------------------------------------------------------

  private async servePut(payload: unknown): Promise<unknown> {
    this.assertOpen()
    const req = decodePutRequest(payload)
    if (!req.ok) throw new BlockError(`malformed block/put: ${req.error.slice(0, 200)}`)
    const { hash, data } = req.value
    if (data.length > this.maxBlockBytes) throw new BlockError(`block of ${data.length} bytes exceeds the maximum of ${this.maxBlockBytes}`)
    if (sha256Hex(data) !== hash) throw new BlockError(`block/put: data does not match hash ${hash.slice(0, 12)}`)
    await this.storeLocal(hash, data)
    // A copy this node does not hold (handoff, or the sender's layout differs): the queue passes it on.
    if (!this.isHolder(hash)) this.resync.schedule([hash], this.now())
    return { stored: true }
  }

  private async serveGet(payload: unknown): Promise<unknown> {
    this.assertOpen()
    const req = decodeGetRequest(payload)
    if (!req.ok) throw new BlockError(`malformed block/get: ${req.error.slice(0, 200)}`)
    const data = await this.readLocalVerified(req.value.hash)
    return data === undefined ? { missing: true } : { data }
  }

  private async serveNeed(payload: unknown): Promise<unknown> {
    this.assertOpen()
    const req = decodeNeedRequest(payload)
    if (!req.ok) throw new BlockError(`malformed block/need: ${req.error.slice(0, 200)}`)
    const answers = await Promise.all(
      req.value.hashes.map(async (h): Promise<NeedAnswer> => {
        if (await this.store.has(h)) return "have"
        if (isDeletable(this.rc.get(h), this.now())) return "unwanted"
        return this.isHolder(h) ? "need" : "not-mine"
      }),
    )
    return { answers }
  }

  // ---- helpers shared with the resync worker -------------------------------------------

  private partitionOf(hash: string): number {
    return blockPartitionOf(hash, this.placement.partitionCount)
  }

  private holdersOf(hash: string): NodeId[] {
    return [...new Set(this.placement.writeSets(this.partitionOf(hash)).flat())]
  }

  private isHolder(hash: string): boolean {
    return this.placement.writeSets(this.partitionOf(hash)).some((set) => set.includes(this.self))
  }

  private async storeLocal(hash: string, data: Uint8Array): Promise<void> {
    // Postpone a pending deletion before writing: a deletion check that runs once the write
    // is done must see the new deadline, or it could remove a block this node acknowledged.
    this.rc.touch(hash, this.now(), this.orphanDelayMs)
    // A block nobody references yet is collected unless its reference comes in time. An
    // unknown block is never deleted, so this needs no ordering with the write; it goes in
    // LMDB's batched transaction instead of a commit of its own per block.
    const counted = this.db.root.transaction(() => {
      const deadline = this.rc.touchUnreferencedInTransaction(hash, this.now(), this.orphanDelayMs)
      if (deadline !== undefined) this.queue.enqueueInTransaction(hash, deadline)
      return deadline
    })
    counted.catch(() => undefined) // awaited below, unless the write fails first
    await this.store.write(hash, data)
    if ((await counted) !== undefined) this.resync.wake()
    this.rc.clearLost(hash)
  }

  /**
   * For a writer about to store blocks whose references it writes at the end: `expired()`
   * tells when the first blocks could already have been collected as never referenced.
   */
  referenceWindow(): { expired(): boolean } {
    const until = this.now() + this.orphanDelayMs / 2
    return { expired: () => this.now() > until }
  }

  private async sendBlock(node: NodeId, hash: string, data: Uint8Array, priority: Priority): Promise<void> {
    const raw = await this.rpc.call(node, Endpoint.put, { hash, data }, { priority, timeoutMs: this.rpcTimeoutMs })
    if (!decodePutReply(raw).ok) throw new BlockError(`malformed block/put reply from ${node.slice(0, 8)}`)
  }

  private async readLocalVerified(hash: string): Promise<Buffer | undefined> {
    const data = await this.store.readAll(hash)
    if (data === undefined) return undefined
    if (sha256Hex(data) === hash) return data
    await this.onCorrupt(hash)
    return undefined
  }

  private async fetchRemote(hash: string, priority: Priority): Promise<Buffer> {
    const p = this.partitionOf(hash)
    const holders = [...this.placement.readSet(p), ...this.placement.writeSets(p).flat()]
    const { data } = await hedgedFetch({
      rpc: this.rpc,
      hash,
      candidates: readOrder(this.self, holders, this.placement.allNodes(), this.rtt),
      hedgeDelayMs: this.hedgeDelayMs,
      maxInFlight: this.maxParallelReads,
      timeoutMs: this.rpcTimeoutMs,
      priority,
      onAnswer: (node, ms) => this.rtt.set(node, 0.8 * (this.rtt.get(node) ?? ms) + 0.2 * ms),
    })
    return data
  }

  private async onCorrupt(hash: string): Promise<void> {
    this.totals.corruptBlocks++
    const moved = await this.store.quarantine(hash)
    this.log(`blocks: block ${hash.slice(0, 12)} is corrupt${moved === undefined ? "" : `, moved to ${moved}`}; repairing from a replica`)
    this.rc.markLost(hash, this.now())
    this.resync.schedule([hash], this.now())
  }

  private resyncContext(): ResyncContext {
    return {
      self: this.self,
      rpc: this.rpc,
      store: this.store,
      rc: this.rc,
      queue: this.queue,
      budget: this.budget,
      maxBlockBytes: this.maxBlockBytes,
      deleteDelayMs: this.deleteDelayMs,
      // After a start, a block-reference row written while this node was down reaches it by
      // anti-entropy: a block never referenced here waits that long before it goes.
      neverReferencedDeletionsFrom: this.now() + Math.min(this.deleteDelayMs, this.orphanDelayMs),
      rpcTimeoutMs: this.rpcTimeoutMs,
      now: this.now,
      log: this.log,
      holdersOf: (h) => this.holdersOf(h),
      isHolder: (h) => this.isHolder(h),
      readLocalVerified: (h) => this.readLocalVerified(h),
      fetchRemote: (h, p) => this.fetchRemote(h, p),
      sendBlock: (n, h, d, p) => this.sendBlock(n, h, d, p),
    }
  }

  /** Fingerprint of who holds what; a change queues a check of every block this node knows. */
  private placementFingerprint(): string {
    const sets: string[] = []
    for (let p = 0; p < this.placement.partitionCount; p++) sets.push(this.placement.writeSets(p).map((s) => s.join(",")).join("|"))
    return sha256Hex(Buffer.from(sets.join("\n")))
  }

  private onPlacementChange(): void {
    if (this.closed) return
    const fp = this.placementFingerprint()
    if (this.meta.get("placement") === fp) return
    if (this.scanning !== undefined) {
      this.rescanWanted = true
      return
    }
    this.scanning = this.queueEverything()
      .then(() => this.meta.putSync("placement", fp))
      .catch((e: unknown) => this.log(`blocks: re-check after a layout change failed: ${(e as Error).message}`))
      .finally(() => {
        this.scanning = undefined
        if (this.rescanWanted) {
          this.rescanWanted = false
          this.onPlacementChange()
        }
      })
  }

  private async queueEverything(): Promise<void> {
    const now = this.now()
    let batch: string[] = []
    const add = (h: string) => {
      batch.push(h)
      if (batch.length >= 512) {
        this.resync.schedule(batch, now)
        batch = []
      }
    }
    for await (const h of this.store.list()) add(h)
    for (const h of this.rc.referenced()) add(h)
    for (const h of this.rc.lost()) add(h)
    this.resync.schedule(batch, now)
  }

  private scheduleScrub(intervalMs: number): void {
    // The time of the last finished pass is kept in LMDB, so restarts do not postpone scrubs forever.
    const last = Number(this.meta.get("scrub_done_at") ?? this.now())
    if (this.meta.get("scrub_done_at") === undefined) this.meta.putSync("scrub_done_at", String(last))
    const wait = Math.max(0, last + intervalMs - this.now())
    this.scrubTimer = setTimeout(() => {
      void this.scrub()
        .then((r) => {
          if (!this.closed) this.meta.putSync("scrub_done_at", String(this.now()))
          this.log(`blocks: scrub checked ${r.checked} blocks, ${r.corrupted.length} corrupt`)
        })
        .catch((e: unknown) => this.log(`blocks: scrub failed: ${(e as Error).message}`))
        .finally(() => this.closed || this.scheduleScrub(intervalMs))
    }, Math.min(wait, 2 ** 31 - 1))
    this.scrubTimer.unref()
  }

  private assertOpen(): void {
    if (this.closed) throw new BlockError("block manager is closed")
  }

  private assertHash(hash: string): void {
    if (!isBlockHash(hash)) throw new BlockError(`not a block hash: ${hash.slice(0, 80)}`)
  }
}

/** Reads a stream into one buffer, refusing more than `max` bytes. */
const collect = async (input: AsyncIterable<Uint8Array>, max: number): Promise<Buffer> => {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of input) {
    total += chunk.length
    if (total > max) throw new BlockError(`block stream exceeds the maximum of ${max} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, total)
}
