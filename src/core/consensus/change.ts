// The change functions of the name register (consensus.md §5.2): pure, total and
// deterministic, so the proposer can apply them to whatever value phase 1 returns.
import type { NameOp, NameVal } from "./name-messages.ts"

/** F(op, cur): the register value after `op`, given the current value `cur` (null = never bound). */
export const change = (op: NameOp, cur: NameVal | null): NameVal | null => {
  switch (op._tag) {
    case "Claim":
      if (cur === null || cur._tag === "Free") {
        return {
          _tag: "Bound",
          gen: (cur?.gen ?? 0) + 1,
          bucketId: op.bucketId,
          reqId: op.reqId,
          ownerKey: op.ownerKey,
          initParams: op.initParams,
        }
      }
      return cur // lost the name (or an idempotent retry that already won): reveals the winner
    case "Release":
      return cur !== null && cur._tag === "Bound" && cur.bucketId === op.bucketId ? { _tag: "Free", gen: cur.gen } : cur
    case "Read":
      return cur
  }
}

/**
 * Rank of a value in the register's history: never bound < bound₁ < free₁ < bound₂ < …
 * Consensus orders the values of one name, so equal rank must mean equal value.
 */
export const rank = (v: NameVal | null): number => (v === null ? 0 : v._tag === "Bound" ? 2 * v.gen - 1 : 2 * v.gen)

export const sameVal = (a: NameVal | null, b: NameVal | null): boolean => {
  if (a === null || b === null) return a === b
  if (a._tag !== b._tag || a.gen !== b.gen) return false
  if (a._tag === "Free" || b._tag === "Free") return true
  return (
    a.bucketId === b.bucketId &&
    a.reqId === b.reqId &&
    a.ownerKey === b.ownerKey &&
    a.initParams.quotaBytes === b.initParams.quotaBytes
  )
}

export const showVal = (v: NameVal | null): string =>
  v === null ? "∅" : v._tag === "Free" ? `free${v.gen}` : `bound${v.gen}(${v.bucketId})`
