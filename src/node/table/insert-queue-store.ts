// The persistent insert queue (Garage's table/queue.rs): writes into other tables that a
// row change implies — deleting an object version implies block-reference updates — are
// recorded in the same LMDB transaction as the row, and delivered later with quorum writes
// by the insert-queue worker. A crash between the two loses nothing: the queue survives.
import type { RootDatabase } from "lmdb"
import { packCanonical, unpack, type QueuedInsert } from "../../core/table/index.ts"
import { openBinaryDb } from "./table-store.ts"

export interface QueuedItem {
  readonly key: Buffer
  readonly table: string
  readonly entry: unknown
}

export class InsertQueue {
  private readonly db
  private seq: bigint
  private readonly listeners = new Set<() => void>()
  /** Items enqueued since the worker was last woken. */
  private unannounced = false

  constructor(private readonly root: RootDatabase) {
    this.db = openBinaryDb(root, "table:insert-queue")
    let last = -1n
    for (const { key } of this.db.getRange({ reverse: true, limit: 1 })) last = key.readBigUInt64BE(0)
    this.seq = last + 1n
  }

  /** Appends an insert; call inside the LMDB transaction of the change that implies it. */
  enqueueInTransaction(insert: QueuedInsert): void {
    const key = Buffer.alloc(8)
    key.writeBigUInt64BE(this.seq++)
    this.db.putSync(key, Buffer.from(packCanonical({ table: insert.table, entry: insert.entry })))
    this.unannounced = true
  }

  /** Wakes the worker; call once the transaction that enqueued has committed. */
  announce(): void {
    if (!this.unannounced) return
    this.unannounced = false
    this.listeners.forEach((l) => l())
  }

  async enqueue(inserts: ReadonlyArray<QueuedInsert>): Promise<void> {
    await this.root.transaction(() => inserts.forEach((i) => this.enqueueInTransaction(i)))
    this.announce()
  }

  /** The oldest `limit` items. */
  peek(limit: number): QueuedItem[] {
    const out: QueuedItem[] = []
    for (const { key, value } of this.db.getRange({ limit })) {
      const v = unpack(value) as { table?: unknown; entry?: unknown }
      out.push({ key, table: typeof v.table === "string" ? v.table : "", entry: v.entry })
    }
    return out
  }

  remove(keys: ReadonlyArray<Buffer>): Promise<void> {
    if (keys.length === 0) return Promise.resolve()
    return this.root.transaction(() => keys.forEach((k) => this.db.removeSync(k)))
  }

  size(): number {
    return this.db.getCount()
  }

  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
