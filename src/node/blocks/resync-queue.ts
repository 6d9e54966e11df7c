// The persistent resync queue (LMDB): block hashes to re-check, each due at a time, plus
// the number of consecutive failed checks per hash for the exponential backoff. One entry
// per hash; enqueueing a hash that is already due earlier keeps the earlier time. An
// entry leaves the queue only when its check finished, so a crash re-runs the check.
import { retryDelay, type RetryPolicy } from "../../core/block/retry-policy.ts"
import type { MetadataDb } from "../metadata-db.ts"

const keyOf = (at: number, hash: string): string => `${Math.max(0, Math.floor(at)).toString().padStart(16, "0")}/${hash}`

export class ResyncQueue {
  private readonly byTime
  private readonly dueAt
  private readonly failures

  constructor(
    private readonly db: MetadataDb,
    private readonly policy: RetryPolicy,
  ) {
    this.byTime = db.table<string>("blocks_resync")
    this.dueAt = db.table<number>("blocks_resync_at")
    this.failures = db.table<number>("blocks_resync_errors")
  }

  enqueue(hash: string, at: number): void {
    this.db.root.transactionSync(() => this.enqueueInTransaction(hash, at))
  }

  enqueueMany(hashes: Iterable<string>, at: number): void {
    this.db.root.transactionSync(() => {
      for (const h of hashes) this.enqueueInTransaction(h, at)
    })
  }

  /** `enqueue` inside the caller's write transaction. */
  enqueueInTransaction(hash: string, at: number): void {
    const current = this.dueAt.get(hash)
    if (current !== undefined && current <= at) return
    if (current !== undefined) this.byTime.removeSync(keyOf(current, hash))
    this.byTime.putSync(keyOf(at, hash), hash)
    this.dueAt.putSync(hash, Math.floor(at))
  }

  /** Up to `limit` entries due at `now`, earliest first, skipping those in `busy`. */
  due(now: number, limit: number, busy: ReadonlySet<string>): Array<{ hash: string; at: number }> {
    const out: Array<{ hash: string; at: number }> = []
    for (const { value: hash } of this.byTime.getRange({ end: keyOf(now + 1, "") })) {
      if (busy.has(hash)) continue
      const at = this.dueAt.get(hash)
      if (at !== undefined) out.push({ hash, at })
      if (out.length >= limit) break
    }
    return out
  }

  /** When the earliest entry is due, if any. */
  nextDue(): number | undefined {
    for (const { value } of this.byTime.getRange({ limit: 1 })) return this.dueAt.get(value)
    return undefined
  }

  /** The check of the entry taken at `at` succeeded: drop it unless it was re-queued for later meanwhile. */
  done(hash: string, at: number): void {
    this.db.root.transactionSync(() => {
      this.dropInTxn(hash, at)
      if (this.failures.get(hash) !== undefined) this.failures.removeSync(hash)
    })
  }

  /** The check failed: retry after the backoff for this hash's consecutive failures. Returns the delay. */
  failed(hash: string, at: number, now: number): number {
    return this.db.root.transactionSync(() => {
      const n = (this.failures.get(hash) ?? 0) + 1
      this.failures.putSync(hash, n)
      this.dropInTxn(hash, at)
      const delay = retryDelay(n, this.policy)
      this.enqueueInTransaction(hash, now + delay)
      return delay
    })
  }

  failuresOf(hash: string): number {
    return this.failures.get(hash) ?? 0
  }

  /** Hashes whose last check failed (Garage's block_resync_errored_blocks). */
  get errored(): number {
    return this.failures.getCount()
  }

  get length(): number {
    return this.dueAt.getCount()
  }

  private dropInTxn(hash: string, at: number): void {
    if (this.dueAt.get(hash) !== at) return // re-queued meanwhile at another time: keep that entry
    this.byTime.removeSync(keyOf(at, hash))
    this.dueAt.removeSync(hash)
  }
}
