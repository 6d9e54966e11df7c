// Works through the persistent resync queue: for each due block, decides from what this
// node knows (core/block/resync-decision.ts) and fetches, replicates, offloads or deletes
// it. A failed check is retried with exponential backoff; a block queued again while its
// check runs is checked once more afterwards, so no layout change is missed.
import { isDeletable } from "../../core/block/refcount.ts"
import { resyncAction, type ResyncAction } from "../../core/block/resync-decision.ts"
import type { NodeId } from "../../core/machine.ts"
import type { BlockStore } from "../block-store.ts"
import type { ClusterRpc } from "../cluster/interfaces.ts"
import { Priority } from "../rpc/rpc-connection.ts"
import type { ByteBudget } from "./byte-budget.ts"
import { NeedBatcher } from "./need-batcher.ts"
import type { RefcountTable } from "./refcount-table.ts"
import type { ResyncQueue } from "./resync-queue.ts"

/** What the worker needs from the block manager. */
export interface ResyncContext {
  readonly self: NodeId
  readonly rpc: ClusterRpc
  readonly store: BlockStore
  readonly rc: RefcountTable
  readonly queue: ResyncQueue
  readonly budget: ByteBudget
  readonly maxBlockBytes: number
  /** Also how long the count of a deleted block is kept, so peers can tell it was garbage. */
  readonly deleteDelayMs: number
  readonly rpcTimeoutMs: number
  /** Until then, blocks never referenced here are kept although past their deadline (resync-decision.ts). */
  readonly neverReferencedDeletionsFrom: number
  readonly now: () => number
  readonly log: (line: string) => void
  /** Nodes of every active write set of the block's partition. */
  holdersOf(hash: string): NodeId[]
  isHolder(hash: string): boolean
  /** The local block if its content matches its hash (a corrupt file is moved aside). */
  readLocalVerified(hash: string): Promise<Buffer | undefined>
  fetchRemote(hash: string, priority: Priority): Promise<Buffer>
  sendBlock(node: NodeId, hash: string, data: Uint8Array, priority: Priority): Promise<void>
}

export class ResyncWorker {
  /** Hashes being checked; true when queued again meanwhile. */
  private readonly busy = new Map<string, boolean>()
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private idleWaiters: Array<() => void> = []
  /** Counts of finished checks by action, and failures (for metrics and tests). */
  readonly counts: Record<ResyncAction | "failed", number> = { delete: 0, fetch: 0, offload: 0, replicate: 0, nothing: 0, failed: 0 }

  private readonly needs: NeedBatcher

  constructor(
    private readonly ctx: ResyncContext,
    private readonly workers: number,
  ) {
    this.needs = new NeedBatcher(ctx.rpc, ctx.rpcTimeoutMs)
  }

  schedule(hashes: Iterable<string>, at: number): void {
    const fresh: string[] = []
    for (const h of hashes) {
      if (this.busy.has(h)) this.busy.set(h, true)
      else fresh.push(h)
    }
    if (fresh.length > 0) this.ctx.queue.enqueueMany(fresh, at)
    this.wake()
  }

  wake(): void {
    if (!this.closed) setImmediate(() => this.pump())
  }

  get running(): number {
    return this.busy.size
  }

  /** Resolves when no check is running and none is due now (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    while (this.busy.size > 0) await new Promise((r) => setTimeout(r, 10))
    for (const w of this.idleWaiters.splice(0)) w()
  }

  private isIdle(): boolean {
    const next = this.ctx.queue.nextDue()
    return this.busy.size === 0 && (next === undefined || next > this.ctx.now())
  }

  private pump(): void {
    if (this.closed) return
    clearTimeout(this.timer)
    const now = this.ctx.now()
    while (this.busy.size < this.workers) {
      const [entry] = this.ctx.queue.due(now, 1, new Set(this.busy.keys()))
      if (entry === undefined) break
      this.busy.set(entry.hash, false)
      void this.run(entry.hash, entry.at)
    }
    const next = this.ctx.queue.nextDue()
    if (next !== undefined && next > now) {
      this.timer = setTimeout(() => this.pump(), Math.min(next - now, 60_000))
      this.timer.unref()
    }
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w()
  }

  private async run(hash: string, at: number): Promise<void> {
    try {
      const action = await this.check(hash)
      this.counts[action]++
      if (!this.closed) {
        this.ctx.queue.done(hash, at)
        // One entry per hash holds the earliest time only: what is due later is queued again here.
        const next = this.followUp(hash)
        if (next !== undefined) this.ctx.queue.enqueue(hash, next)
      }
    } catch (e) {
      this.counts.failed++
      if (!this.closed) {
        const delay = this.ctx.queue.failed(hash, at, this.ctx.now())
        const n = this.ctx.queue.failuresOf(hash)
        // One line on the first failure and then at each doubling, not one per retry.
        if ((n & (n - 1)) === 0) this.ctx.log(`blocks: resync of ${hash.slice(0, 12)} failed (${n}x, next try in ${Math.round(delay / 1000)} s): ${(e as Error).message}`)
      }
    } finally {
      const again = this.busy.get(hash)
      this.busy.delete(hash)
      if (again === true && !this.closed) this.ctx.queue.enqueue(hash, this.ctx.now())
      this.pump()
    }
  }

  private async check(hash: string): Promise<ResyncAction> {
    const { ctx } = this
    // Without a layout every node looks like a non-holder: offloading then would delete everything.
    if (ctx.holdersOf(hash).length === 0) throw new Error("no layout version holds this block's partition yet")
    const action = resyncAction({
      isHolder: ctx.isHolder(hash),
      present: await ctx.store.has(hash),
      rc: ctx.rc.get(hash),
      lost: ctx.rc.isLost(hash),
      now: ctx.now(),
      holdNeverReferenced: ctx.now() < ctx.neverReferencedDeletionsFrom,
    })
    switch (action) {
      case "delete": {
        const removed = await ctx.store.removeIf(hash, () => isDeletable(ctx.rc.get(hash), ctx.now()))
        // The zero count stays as a tombstone for another delay (peers asking get "unwanted"), then goes.
        const since = ctx.rc.get(hash)?.deletableAt ?? 0
        if (removed && ctx.now() >= since + ctx.deleteDelayMs) ctx.rc.forget(hash)
        break
      }
      case "fetch": {
        const lease = await ctx.budget.acquire(ctx.maxBlockBytes)
        try {
          const data = await ctx.fetchRemote(hash, Priority.background)
          lease.shrinkTo(data.length)
          await ctx.store.write(hash, data)
          ctx.rc.clearLost(hash)
        } finally {
          lease.release()
        }
        break
      }
      case "replicate":
        await this.giveTo(hash, ctx.holdersOf(hash).filter((n) => n !== ctx.self))
        break
      case "offload":
        await this.giveTo(hash, ctx.holdersOf(hash))
        // Deleted only if this node still does not hold the block now that every holder has it.
        await ctx.store.removeIf(hash, () => !ctx.isHolder(hash))
        break
      case "nothing":
        if (!ctx.isHolder(hash)) ctx.rc.clearLost(hash)
        break
    }
    return action
  }

  /** When this block needs another look: its deletion deadline, or the end of its tombstone. */
  private followUp(hash: string): number | undefined {
    const rc = this.ctx.rc.get(hash)
    if (rc?.count !== 0 || rc.deletableAt === undefined) return undefined
    const now = this.ctx.now()
    if (rc.deletableAt > now) return rc.deletableAt
    if (rc.neverReferenced === true && now < this.ctx.neverReferencedDeletionsFrom) return this.ctx.neverReferencedDeletionsFrom
    const end = rc.deletableAt + this.ctx.deleteDelayMs
    return end > now ? end : undefined
  }

  /** Makes sure each node has the block: asks which need it, sends it to those. Throws unless every node confirmed. */
  private async giveTo(hash: string, nodes: ReadonlyArray<NodeId>): Promise<void> {
    const { ctx } = this
    const problems: string[] = []
    const needing: NodeId[] = []
    await Promise.all(
      nodes.map(async (node) => {
        try {
          const answer = await this.needs.ask(node, hash)
          if (answer === "need") needing.push(node)
          // "unwanted": that holder found the block unreferenced and deleted it; nothing to send.
          else if (answer === "not-mine") throw new Error("does not hold the block's partition (layout not there yet?)")
        } catch (e) {
          problems.push(`${node.slice(0, 8)}: ${(e as Error).message}`)
        }
      }),
    )
    if (needing.length > 0) {
      const lease = await ctx.budget.acquire(ctx.maxBlockBytes)
      try {
        const data = await ctx.readLocalVerified(hash)
        if (data === undefined) throw new Error("the local copy is gone or corrupt")
        lease.shrinkTo(data.length)
        await Promise.all(
          needing.map((node) =>
            ctx.sendBlock(node, hash, data, Priority.background).catch((e: unknown) => {
              problems.push(`${node.slice(0, 8)}: ${(e as Error).message}`)
            }),
          ),
        )
      } finally {
        lease.release()
      }
    }
    if (problems.length > 0) throw new Error(problems.join("; "))
  }
}
