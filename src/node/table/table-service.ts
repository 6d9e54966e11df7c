// The table layer of a node: its tables, the RPC endpoints they answer on, and the
// background work — anti-entropy with offload, tombstone GC, and the insert queue that
// delivers cascades. Coded only against the cluster seams (ClusterRpc, Placement).
import type { RootDatabase } from "lmdb"
import type { NodeId } from "../../core/machine.ts"
import type { ConsistencyMode, TableSchema } from "../../core/table/index.ts"
import type { ClusterRpc, Placement } from "../cluster/interfaces.ts"
import { collectTombstones, syncTable, type SyncReport } from "./anti-entropy.ts"
import { InsertQueue } from "./insert-queue-store.ts"
import { tableHandlers } from "./table-handlers.ts"
import { TableStore } from "./table-store.ts"
import { Table, type TableNet } from "./table.ts"

export interface TableServiceOptions {
  readonly rpc: ClusterRpc
  readonly placement: Placement
  /** The node's LMDB environment (needs maxDbs >= 3 per table + 1). */
  readonly root: RootDatabase
  readonly consistencyMode: ConsistencyMode
  readonly log: (line: string) => void
  /** Period of anti-entropy rounds (default 60 s; 0 disables the timer). */
  readonly syncIntervalMs?: number
  /** Age a tombstone must reach before GC (default 24 h, as Garage). */
  readonly gcDelayMs?: number
  /** Period of tombstone GC rounds (default 10 min; 0 disables the timer). */
  readonly gcIntervalMs?: number
  /** Retry period of the insert queue when delivery fails (default 10 s). */
  readonly queueRetryMs?: number
  readonly rpcTimeoutMs?: number
  readonly now?: () => number
}

export class TableService {
  readonly queue: InsertQueue
  private readonly tables = new Map<string, Table<unknown>>()
  private readonly handlers
  private readonly net: TableNet
  private readonly timers: NodeJS.Timeout[] = []
  private syncing: Promise<SyncReport> | undefined
  /** Anti-entropy rounds started so far. */
  private syncRuns = 0
  private draining: Promise<number> | undefined
  private collecting: Promise<unknown> | undefined
  private stopped = false
  private unsubscribe: (() => void) | undefined

  constructor(private readonly options: TableServiceOptions) {
    this.queue = new InsertQueue(options.root)
    this.handlers = tableHandlers((name) => {
      const t = this.tables.get(name)
      if (t === undefined) throw new Error(`unknown table ${JSON.stringify(name.slice(0, 80))}`)
      return t.store
    })
    for (const [endpoint, handler] of this.handlers) options.rpc.handle(endpoint, (_from, payload) => handler(payload))
    const timeoutMs = options.rpcTimeoutMs ?? 10_000
    this.net = {
      self: options.rpc.self,
      call: (to: NodeId, endpoint: string, payload: unknown) =>
        to === options.rpc.self
          ? this.handlers.get(endpoint)!(payload)
          : options.rpc.call(to, endpoint, payload, { timeoutMs }),
    }
  }

  add<E>(schema: TableSchema<E>): Table<E> {
    if (this.tables.has(schema.name)) throw new Error(`table ${schema.name} declared twice`)
    const store = new TableStore(this.options.root, schema, this.options.placement.partitionCount, this.queue, this.options.now)
    const table = new Table(store, this.net, this.options.placement, () => this.options.consistencyMode)
    this.tables.set(schema.name, table as unknown as Table<unknown>)
    return table
  }

  table<E = unknown>(name: string): Table<E> | undefined {
    return this.tables.get(name) as Table<E> | undefined
  }

  /** Starts the periodic workers; a layout change triggers a sync (offload, new holders). */
  start(): void {
    const every = (ms: number, f: () => Promise<unknown>) => {
      if (ms <= 0) return
      const t = setInterval(() => void f().catch((e) => this.options.log(`tables: ${(e as Error).message}`)), ms)
      t.unref()
      this.timers.push(t)
    }
    every(this.options.syncIntervalMs ?? 60_000, () => this.syncAll())
    every(this.options.gcIntervalMs ?? 600_000, () => this.collectTombstones())
    every(this.options.queueRetryMs ?? 10_000, () => this.drainQueue())
    this.queue.onEnqueue(() => void this.drainQueue().catch(() => undefined))
    this.unsubscribe = this.options.placement.subscribe(() => void this.syncAll().catch(() => undefined))
    void this.drainQueue().catch(() => undefined)
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    this.timers.length = 0
    this.unsubscribe?.()
  }

  /** Stops, then waits for a running sync round, GC pass and queue drain: none may touch LMDB after it closes. */
  async close(): Promise<void> {
    this.stop()
    await Promise.all([this.syncing, this.draining, this.collecting].map((p) => p?.catch(() => undefined)))
  }

  /**
   * One anti-entropy round over every table; rounds never overlap. With `fresh`, the
   * round starts after this call (a running one is awaited first): what the layout's sync
   * tracker needs, since only a round that began after every write of the old version was
   * acknowledged may advance it. Every write acknowledged here is in the tries that round
   * reads (they are updated in the row's transaction), so it cannot be skipped. Advance
   * the tracker only on a report with no failures.
   */
  async syncAll(options: { readonly fresh?: boolean } = {}): Promise<SyncReport> {
    const startedBefore = this.syncRuns
    while (this.syncing !== undefined) {
      // Join a running round unless it must be fresh and began before this call.
      if (!options.fresh || this.syncRuns > startedBefore) return this.syncing
      await this.syncing.catch(() => undefined)
    }
    this.syncRuns++
    const run = (async () => {
      const total: SyncReport = { partitions: 0, rowsSent: 0, offloaded: 0, failures: 0 }
      for (const t of this.tables.values()) {
        if (this.stopped) break
        const r = await syncTable(this.net, t, this.options.placement.partitionCount)
        total.partitions += r.partitions
        total.rowsSent += r.rowsSent
        total.offloaded += r.offloaded
        total.failures += r.failures
      }
      return total
    })()
    this.syncing = run
    try {
      return await run
    } finally {
      if (this.syncing === run) this.syncing = undefined
    }
  }

  collectTombstones(): Promise<{ collected: number; failures: number }> {
    const run = this.collectAll()
    this.collecting = run
    return run.finally(() => {
      if (this.collecting === run) this.collecting = undefined
    })
  }

  private async collectAll(): Promise<{ collected: number; failures: number }> {
    const now = (this.options.now ?? Date.now)()
    let collected = 0
    let failures = 0
    for (const t of this.tables.values()) {
      if (this.stopped) break
      const r = await collectTombstones(this.net, t, now, this.options.gcDelayMs ?? 24 * 3600_000)
      collected += r.collected
      failures += r.failures
    }
    return { collected, failures }
  }

  /** Delivers queued cascades with quorum writes until the queue is empty or a write fails. */
  drainQueue(): Promise<number> {
    if (this.draining !== undefined) return this.draining
    this.draining = (async () => {
      let delivered = 0
      while (!this.stopped) {
        const items = this.queue.peek(1024)
        if (items.length === 0) break
        const byTable = new Map<string, typeof items>()
        for (const i of items) byTable.set(i.table, [...(byTable.get(i.table) ?? []), i])
        let progress = false
        for (const [name, group] of byTable) {
          const table = this.tables.get(name)
          if (table === undefined) {
            this.options.log(`tables: insert queue names unknown table ${name}; ${group.length} item(s) kept`)
            continue
          }
          const decode = table.store.codec.decode
          const good = group.filter((i) => decode(table.store.codec.encode(i.entry)).ok)
          const bad = group.filter((i) => !good.includes(i))
          if (bad.length > 0) this.options.log(`tables: dropped ${bad.length} malformed queued insert(s) for ${name}`)
          await table.insertMany(good.map((i) => i.entry))
          await this.queue.remove(group.map((i) => i.key))
          delivered += good.length
          progress = true
        }
        if (!progress) break
      }
      return delivered
    })().finally(() => (this.draining = undefined))
    return this.draining
  }
}
