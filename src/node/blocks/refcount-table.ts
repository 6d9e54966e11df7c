// Per-node block reference counts in LMDB (the table layer's block-reference rows call
// incref/decref on the holders of the block's partition), and the set of blocks this
// node lost (corrupt file found by scrub or a read) and must fetch back. Each change is
// one synchronous LMDB transaction.
import { type BlockRc, decref, incref, touch } from "../../core/block/refcount.ts"
import type { MetadataDb } from "../metadata-db.ts"

export class RefcountTable {
  private readonly rc
  private readonly lostBlocks

  constructor(private readonly db: MetadataDb) {
    this.rc = db.table<BlockRc>("blocks_rc")
    this.lostBlocks = db.table<number>("blocks_lost")
  }

  get(hash: string): BlockRc | undefined {
    return this.rc.get(hash)
  }

  incref(hash: string): BlockRc {
    return this.update(hash, (rc) => incref(rc))
  }

  decref(hash: string, now: number, delayMs: number): BlockRc {
    return this.update(hash, (rc) => decref(rc, now, delayMs))
  }

  /** `incref` inside a write transaction of the same environment that the caller runs (no transaction of its own). */
  increfInTransaction(hash: string): BlockRc {
    const next = incref(this.rc.get(hash))
    this.rc.putSync(hash, next)
    return next
  }

  /** `decref` inside the caller's write transaction. */
  decrefInTransaction(hash: string, now: number, delayMs: number): BlockRc {
    const next = decref(this.rc.get(hash), now, delayMs)
    this.rc.putSync(hash, next)
    return next
  }

  /**
   * A new write of a block with a zero count: its pending deletion is postponed by the delay,
   * at once (a deletion check that runs after the write must see the new deadline). An
   * unknown block is left to `touchUnknownInTransaction`.
   */
  touch(hash: string, now: number, delayMs: number): void {
    if (this.rc.get(hash)?.count !== 0) return
    this.update(hash, (rc) => touch(rc, now, delayMs))
  }

  /**
   * A new write of a block, inside the caller's write transaction: a block with no count
   * gets a zero count deletable after the delay, and a zero count (one that appeared since
   * `touch`, say) is postponed to it; a referenced block is left alone. Returns the
   * deadline it set. Losing it in a crash only leaves the block uncollected.
   */
  touchUnreferencedInTransaction(hash: string, now: number, delayMs: number): number | undefined {
    const rc = this.rc.get(hash)
    if (rc !== undefined && rc.count > 0) return undefined
    const next = touch(rc, now, delayMs)
    if (rc !== undefined && rc.deletableAt === next.deletableAt) return undefined
    this.rc.putSync(hash, next)
    return next.deletableAt
  }

  forget(hash: string): void {
    this.db.root.transactionSync(() => {
      this.rc.removeSync(hash)
      this.lostBlocks.removeSync(hash)
    })
  }

  /** Hashes with a count above zero (blocks this node should have if it holds their partition). */
  *referenced(): Iterable<string> {
    for (const { key, value } of this.rc.getRange({})) if (value.count > 0) yield key
  }

  markLost(hash: string, now: number): void {
    this.lostBlocks.putSync(hash, now)
  }

  isLost(hash: string): boolean {
    return this.lostBlocks.get(hash) !== undefined
  }

  clearLost(hash: string): void {
    if (this.lostBlocks.get(hash) !== undefined) this.lostBlocks.removeSync(hash)
  }

  *lost(): Iterable<string> {
    for (const key of this.lostBlocks.getKeys({})) yield key
  }

  private update(hash: string, f: (rc: BlockRc | undefined) => BlockRc): BlockRc {
    return this.db.root.transactionSync(() => {
      const next = f(this.rc.get(hash))
      this.rc.putSync(hash, next)
      return next
    })
  }
}
