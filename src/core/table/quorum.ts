// Quorum sizes and decisions (DESIGN §5.2, Garage's replication_mode.rs). Consistent mode:
// R = ceil(n/2), W = n + 1 - R, so every read quorum meets every write quorum in a set of
// n nodes. Degraded: R = 1 (reads may be stale), W unchanged. Dangerous: R = W = 1.
import type { NodeId } from "../machine.ts"

export type ConsistencyMode = "consistent" | "degraded" | "dangerous"

export const readQuorum = (mode: ConsistencyMode, n: number): number =>
  n === 0 ? 0 : mode === "consistent" ? Math.ceil(n / 2) : 1

export const writeQuorum = (mode: ConsistencyMode, n: number): number =>
  n === 0 ? 0 : mode === "dangerous" ? 1 : n + 1 - Math.ceil(n / 2)

const countIn = (set: ReadonlyArray<NodeId>, nodes: ReadonlySet<NodeId>): number =>
  set.reduce((n, x) => (nodes.has(x) ? n + 1 : n), 0)

/** A write is done when it has W acks in EVERY write set (every active layout version). */
export const writeSetsSatisfied = (
  mode: ConsistencyMode,
  sets: ReadonlyArray<ReadonlyArray<NodeId>>,
  acked: ReadonlySet<NodeId>,
): boolean => sets.every((s) => s.length > 0 && countIn(s, acked) >= writeQuorum(mode, s.length))

/** A write has failed when some set can no longer reach W acks. */
export const writeSetsHopeless = (
  mode: ConsistencyMode,
  sets: ReadonlyArray<ReadonlyArray<NodeId>>,
  failed: ReadonlySet<NodeId>,
): boolean => sets.some((s) => s.length === 0 || s.length - countIn(s, failed) < writeQuorum(mode, s.length))

/** Every node of every set, each once, in first-seen order. */
export const unionOfSets = (sets: ReadonlyArray<ReadonlyArray<NodeId>>): NodeId[] => [...new Set(sets.flat())]
