// Bucket names on a cluster: claims and releases are decided by the CASPaxos name registry
// (atomic: two creators of one name never both win), and every decision this node learns is
// projected into the full-copy bucket_alias and bucket tables, which serve the lookups that
// every S3 request makes (no consensus round trip on the data path).
//
// The alias row's LWW timestamp is the decision's rank (generation, free/bound), not a clock
// reading: nodes that apply the same decisions in any order, late or twice, converge on the
// newest decision's row. Bucket rows a decision creates carry a zero timestamp on their LWW
// fields, so any later change (CORS, aliases) made through the store wins over them.
import { cancelingSome, cancelingUnset, lww, present } from "../../core/crdt/index.ts"
import { aliasRank } from "../../core/consensus/projection.ts"
import type { BucketAliasRow, BucketRow } from "../../core/table/pollen/index.ts"
import { freshBucketParams } from "../cluster-object-store.ts"
import { QuorumError, type Table } from "../table/table.ts"
import { type BucketNames, type ClaimOutcome, lookupAlias } from "./bucket-names.ts"
import type { NameDecision } from "./name-decisions.ts"
import type { NameRegistryService } from "./name-registry-service.ts"

const RETRY_MS = 5_000

export class RegistryBucketNames implements BucketNames {
  private readonly unsubscribe: () => void
  /** Decisions whose rows could not be written yet (no quorum), by name: retried. */
  private readonly behind = new Map<string, NameDecision>()
  private retry: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly registry: NameRegistryService,
    private readonly aliases: Table<BucketAliasRow>,
    private readonly buckets: Table<BucketRow>,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {
    // Replay: a node restarted after learning decisions writes their rows again (idempotent).
    this.unsubscribe = registry.onDecision((d) => void this.apply(d), { replay: true })
  }

  async claim(name: string, bucketId: string, requestId: string): Promise<ClaimOutcome> {
    const outcome = await this.registry.claim(name, bucketId, requestId)
    if (outcome.kind !== "unavailable") await this.applyLatest(name)
    return outcome
  }

  async release(name: string, bucketId: string, requestId: string): Promise<"released" | "not-bound" | "unavailable"> {
    const outcome = await this.registry.release(name, bucketId, requestId)
    if (outcome !== "unavailable") await this.applyLatest(name)
    return outcome
  }

  /** From the projected alias table (this node's copy, else a quorum read), then this node's decisions. */
  async lookup(name: string): Promise<string | undefined> {
    return (await lookupAlias(this.aliases, name)) ?? this.registry.lookupLocal(name)
  }

  close(): void {
    this.closed = true
    this.unsubscribe()
    if (this.retry !== undefined) clearTimeout(this.retry)
  }

  /** The caller's own decision is in the tables before its claim or release is answered. */
  private async applyLatest(name: string): Promise<void> {
    const d = this.registry.decisionOf(name)
    if (d !== undefined && !(await this.apply(d))) throw new QuorumError(`the rows of the decision on ${name} could not be written`)
  }

  /** Writes a decision's rows; false (and queued for a retry) when no quorum took them. */
  private async apply(d: NameDecision): Promise<boolean> {
    const rank = aliasRank(d.alias)
    const bound = d.alias.kind === "bound" && d.alias.bucketId !== null
    const zero = { l: 0, c: 0 }
    try {
      await Promise.all([
        this.aliases.insert({ name: d.name, bucket: lww({ l: rank, c: 0 }, bound ? cancelingSome(d.alias.bucketId!) : cancelingUnset) }),
        ...d.buckets.map(({ id, row }) =>
          this.buckets.insert(row.deleted ? { id, state: { _tag: "Deleted" } } : { id, state: present(freshBucketParams(d.name, zero, this.now())) }),
        ),
      ])
      if (this.behind.get(d.name) === d) this.behind.delete(d.name)
      return true
    } catch (error) {
      if (this.closed) return false
      if (!this.behind.has(d.name)) this.log(`names: the rows of the decision on ${d.name} are not written yet (${(error as Error).message}); retrying`)
      this.behind.set(d.name, d)
      this.retry ??= setTimeout(() => {
        this.retry = undefined
        for (const late of [...this.behind.values()]) void this.apply(late)
      }, RETRY_MS)
      this.retry.unref()
      return false
    }
  }
}
