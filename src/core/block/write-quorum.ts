// Whether a replicated block write has its quorum: a majority of every write set (one
// set per active layout version) acknowledged, or can no longer get one.
import type { NodeId } from "../machine.ts"

export type QuorumStatus = "pending" | "reached" | "impossible"

/** A majority of `n` replicas (rf 3 → 2, rf 1 → 1). */
export const quorumOf = (n: number): number => Math.floor(n / 2) + 1

export const writeQuorumStatus = (
  sets: ReadonlyArray<ReadonlyArray<NodeId>>,
  acked: ReadonlySet<NodeId>,
  failed: ReadonlySet<NodeId>,
): QuorumStatus => {
  if (sets.length === 0 || sets.some((s) => s.length === 0)) return "impossible"
  let reached = true
  for (const set of sets) {
    const need = quorumOf(set.length)
    const ok = set.filter((n) => acked.has(n)).length
    const bad = set.filter((n) => failed.has(n)).length
    if (set.length - bad < need) return "impossible"
    if (ok < need) reached = false
  }
  return reached ? "reached" : "pending"
}
