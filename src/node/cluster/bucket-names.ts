// Global bucket names. The store binds a name through this interface only, so that the
// CASPaxos name registry (DESIGN §5.4, name-registry-service.ts) can replace the stand-in
// below without touching the object store. The store writes the bucket and alias rows only
// after `claim` answered `created`, so a losing creator never leaves a bucket row behind.
// startNode (node.ts) chooses the implementation: the registry replaces the stand-in there.
import { cancelingSome, cancelingUnset, lww } from "../../core/crdt/index.ts"
import type { BucketAliasRow } from "../../core/table/pollen/index.ts"
import type { HlcClock } from "../hlc-clock.ts"
import { StoreUnavailableError } from "../object-store.ts"
import { QuorumError, type Table } from "../table/table.ts"

export type ClaimOutcome = { kind: "created"; bucketId: string } | { kind: "exists"; bucketId: string } | { kind: "unavailable" }

export interface BucketNames {
  /** Binds `name` to `bucketId` unless it is bound; idempotent for one requestId. */
  claim(name: string, bucketId: string, requestId: string): Promise<ClaimOutcome>
  release(name: string, bucketId: string, requestId: string): Promise<"released" | "not-bound" | "unavailable">
  lookup(name: string): Promise<string | undefined>
}

/** The bucket id an alias row names, if any. */
export const aliasTarget = (row: BucketAliasRow | undefined): string | undefined =>
  row !== undefined && row.bucket.value._tag === "Some" ? row.bucket.value.value : undefined

/**
 * The NON-ATOMIC fallback used until the name registry lands: a quorum read of the
 * bucket_alias row, then a last-writer-wins write (Garage's behaviour). Two concurrent
 * claims of a free name can both answer `created`; the alias ends up naming the one with
 * the larger timestamp and the other bucket is left without a name (docs/s3-api.md).
 */
export class AliasTableBucketNames implements BucketNames {
  constructor(
    private readonly aliases: Table<BucketAliasRow>,
    private readonly clock: HlcClock,
  ) {}

  async claim(name: string, bucketId: string, _requestId: string): Promise<ClaimOutcome> {
    try {
      const row = await this.aliases.get("", name)
      if (row !== undefined) this.clock.observe(row.bucket.ts)
      const bound = aliasTarget(row)
      // Bound to this bucket id: a retry of the same claim (bucket ids are random).
      if (bound !== undefined) return bound === bucketId ? { kind: "created", bucketId } : { kind: "exists", bucketId: bound }
      await this.aliases.insert({ name, bucket: lww(this.clock.now(), cancelingSome(bucketId)) })
      return { kind: "created", bucketId }
    } catch (e) {
      if (e instanceof QuorumError) return { kind: "unavailable" }
      throw e
    }
  }

  async release(name: string, bucketId: string, _requestId: string): Promise<"released" | "not-bound" | "unavailable"> {
    try {
      const row = await this.aliases.get("", name)
      if (row !== undefined) this.clock.observe(row.bucket.ts)
      if (aliasTarget(row) !== bucketId) return "not-bound"
      await this.aliases.insert({ name, bucket: lww(this.clock.now(), cancelingUnset) })
      return "released"
    } catch (e) {
      if (e instanceof QuorumError) return "unavailable"
      throw e
    }
  }

  lookup(name: string): Promise<string | undefined> {
    return lookupAlias(this.aliases, name)
  }
}

/** This node's copy first (full-copy table); on a miss a quorum read, which sees every acknowledged claim. */
export const lookupAlias = async (aliases: Table<BucketAliasRow>, name: string): Promise<string | undefined> => {
  const local = aliasTarget(aliases.store.get("", name))
  if (local !== undefined) return local
  try {
    return aliasTarget(await aliases.get("", name))
  } catch (e) {
    if (e instanceof QuorumError) throw new StoreUnavailableError(`bucket name lookup: ${e.message}`)
    throw e
  }
}
