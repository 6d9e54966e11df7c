// The seams between the cluster's services on one node. The membership/layout service
// provides them; the table and block layers only consume them, so each can be built and
// tested with the simple implementations at the bottom of this file (a fixed layout, an
// in-process transport) before the real cluster wires them together.
//
// The real ones (src/node/cluster): `NodeRpc` (cluster-rpc.ts) implements ClusterRpc and
// `LayoutPlacement` (layout-placement.ts) implements Placement; a running node exposes both
// as `node.cluster.rpc` and `node.cluster.placement` (cluster-service.ts). LayoutPlacement
// also offers `lockWrite()`, the ack lock a writer holds while a write is in flight.
import { createHash } from "node:crypto"
import type { NodeId } from "../../core/machine.ts"
import type { Priority } from "../rpc/rpc-connection.ts"

/** Calls between nodes of one cluster, addressed by node id. */
export interface ClusterRpc {
  readonly self: NodeId
  /**
   * Serves `endpoint`. The payload is whatever MessagePack decoded from an authenticated
   * peer: untrusted, so the handler decodes it with its message Schema before use.
   */
  handle(endpoint: string, handler: (from: NodeId, payload: unknown, signal: AbortSignal) => Promise<unknown>): void
  /** Rejects when the peer is unreachable, the call times out or the handler throws. */
  call(
    to: NodeId,
    endpoint: string,
    payload: unknown,
    options?: { readonly timeoutMs?: number; readonly priority?: Priority; readonly signal?: AbortSignal },
  ): Promise<unknown>
}

/** Which nodes hold which partition, as the layout history says right now. */
export interface Placement {
  /** A power of two. */
  readonly partitionCount: number
  /** The version of the newest layout this node knows. */
  currentVersion(): number
  /** Every active layout version's node set for partition `p`, oldest first: writes go to a quorum of each. */
  writeSets(p: number): ReadonlyArray<ReadonlyArray<NodeId>>
  /** The node set of the read version for partition `p`: reads need a quorum of it. */
  readSet(p: number): ReadonlyArray<NodeId>
  /** Replication factor of the current version (quorums are computed per set). */
  replicationFactor(): number
  /** Every node of every active version. */
  allNodes(): ReadonlyArray<NodeId>
  /** Called after every change of the history (new version, tracker update, pruning). */
  subscribe(listener: () => void): () => void
  /**
   * The ack lock (reference/garage.md §3.4): held by a write from the moment it reads the
   * write sets until its quorum answered, so this node does not ack a newer version while
   * a write planned on an older one is in flight. Optional: fixed placements need none.
   */
  lockWrite?(): { readonly version: number; release(): void }
}

/** Partition of a key: the top bits of SHA-256(key), as Garage does with Blake2. */
export const partitionOf = (key: string | Uint8Array, partitionCount: number): number => {
  if (partitionCount <= 1) return 0 // a shift by 32 would be a shift by 0 in JavaScript
  const h = createHash("sha256").update(key).digest()
  return h.readUInt32BE(0) >>> (32 - Math.log2(partitionCount))
}

/** A quorum of `n` replicas for writes and reads (rf 3 → 2, rf 1 → 1). */
export const majority = (n: number): number => Math.floor(n / 2) + 1

/**
 * One layout version that never changes: partition p is held by `rf` consecutive nodes of
 * `nodes` starting at p mod n. For tests of the table and block layers.
 */
export const fixedPlacement = (nodes: ReadonlyArray<NodeId>, rf: number, partitionCount = 256): Placement => {
  const setOf = (p: number): NodeId[] => Array.from({ length: Math.min(rf, nodes.length) }, (_, i) => nodes[(p + i) % nodes.length]!)
  return {
    partitionCount,
    currentVersion: () => 1,
    writeSets: (p) => [setOf(p)],
    readSet: setOf,
    replicationFactor: () => Math.min(rf, nodes.length),
    allNodes: () => nodes,
    subscribe: () => () => {},
  }
}
