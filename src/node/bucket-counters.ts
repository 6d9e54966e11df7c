// Per-bucket object, byte and upload counts on the counter table (Garage's index counters).
// Each node counts the object rows it stores, per bucket (object table change hook), keeps
// its totals in its own LMDB, and publishes them as its entry of the bucket's counter rows;
// a reader sums the entries and divides by the replication factor. The count changes in the
// object row's own LMDB transaction (one commit, one fsync per write, and no change lost to
// a crash between two commits). APPROXIMATE all the same: rows a node hands over
// after a layout change are not subtracted, and during a transition more than rf nodes
// count a partition.
import { lww } from "../core/crdt/index.ts"
import { BUCKET_COUNTERS, bucketCountsOf, counterEstimate, type BucketCounts, type CounterRow, type ObjectRow } from "../core/table/pollen/index.ts"
import type { Placement } from "./cluster/interfaces.ts"
import type { HlcClock } from "./hlc-clock.ts"
import type { MetadataDb } from "./metadata-db.ts"
import type { Table } from "./table/table.ts"

/** Counter rows are written this long after a change, so a burst of writes costs one write. */
const FLUSH_DELAY_MS = 200

export class BucketCounters {
  private readonly local
  /** Totals of this node, read from LMDB once per bucket and kept here (writes are asynchronous). */
  private readonly totals = new Map<string, BucketCounts>()
  private readonly dirty = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    objects: Table<ObjectRow>,
    private readonly counters: Table<CounterRow>,
    private readonly placement: Placement,
    private readonly clock: HlcClock,
    private readonly self: string,
    db: MetadataDb,
    private readonly log: (line: string) => void,
  ) {
    this.local = db.table<BucketCounts>("bucket_counts")
    objects.store.onChangeInTransaction((old, next) => this.count(next.bucketId, old, next))
  }

  /** Runs inside the object row's transaction: must not throw (the row commits regardless). */
  private count(bucketId: string, old: ObjectRow | undefined, next: ObjectRow): void {
    const a = bucketCountsOf(old)
    const b = bucketCountsOf(next)
    if (BUCKET_COUNTERS.every((n) => a[n] === b[n])) return
    const cur = this.totals.get(bucketId) ?? this.local.get(bucketId) ?? { objects: 0, bytes: 0, uploads: 0 }
    const total = { objects: cur.objects + b.objects - a.objects, bytes: cur.bytes + b.bytes - a.bytes, uploads: cur.uploads + b.uploads - a.uploads }
    this.totals.set(bucketId, total)
    this.local.putSync(bucketId, total) // inside the row's transaction
    this.dirty.add(bucketId)
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS)
  }

  /** Publishes this node's pending totals now (failures are retried at the next change). */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const buckets = [...this.dirty]
    this.dirty.clear()
    this.flushing = this.flushing.then(async () => {
      if (buckets.length === 0) return
      const ts = this.clock.now()
      const rows: CounterRow[] = buckets.flatMap((scope) =>
        BUCKET_COUNTERS.map((name) => ({ scope, name, perNode: { [this.self]: lww(ts, this.totals.get(scope)![name]) } })),
      )
      try {
        await this.counters.insertMany(rows)
      } catch (e) {
        for (const b of buckets) this.dirty.add(b)
        this.log(`counters: publishing bucket counts failed: ${(e as Error).message}`)
      }
    })
    return this.flushing
  }

  /** Stops the pending publication (the totals are on disk; the next change publishes them). */
  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** The cluster's estimate (sum of the nodes' entries / replication factor), rounded. */
  async read(bucketId: string): Promise<BucketCounts> {
    const rows = (await this.counters.getRange(bucketId)).entries
    const rf = this.placement.replicationFactor()
    const of = (name: string) => {
      const row = rows.find((r) => r.name === name)
      return row === undefined ? 0 : Math.max(0, Math.round(counterEstimate(row, rf)))
    }
    return { objects: of("objects"), bytes: of("bytes"), uploads: of("uploads") }
  }
}
