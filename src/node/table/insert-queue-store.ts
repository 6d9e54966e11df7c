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
    queueMicrotask(() => this.listeners.forEach((l) => l()))
  }

  enqueue(inserts: ReadonlyArray<QueuedInsert>): void {
    this.root.transactionSync(() => inserts.forEach((i) => this.enqueueInTransaction(i)))
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

  remove(keys: ReadonlyArray<Buffer>): void {
    if (keys.length === 0) return
    this.root.transactionSync(() => keys.forEach((k) => this.db.removeSync(k)))
  }

  size(): number {
    return this.db.getCount()
  }

  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
