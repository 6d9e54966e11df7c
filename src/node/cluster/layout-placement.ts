// Placement backed by the layout history: writes go to every active version's node set of
// the partition, reads to the read version's set (DESIGN §5.3, reference/garage.md §3.7).
import type { NodeId } from "../../core/machine.ts"
import { currentLayout } from "../../core/layout/cluster-layout.ts"
import { allNodes, current, readVersion, versionOf, writeSets } from "../../core/layout/history.ts"
import { DEFAULT_PARTITION_COUNT } from "../../core/layout/types.ts"
import type { Placement } from "./interfaces.ts"
import type { LayoutManager } from "./layout-manager.ts"

export class LayoutPlacement implements Placement {
  constructor(private readonly layout: LayoutManager) {}

  get partitionCount(): number {
    return currentLayout(this.layout.state).partitions.length || DEFAULT_PARTITION_COUNT
  }

  currentVersion(): number {
    return current(this.layout.state.history)
  }

  /** Sets of versions without storage nodes (version 0, before the first apply) are left out. */
  writeSets(p: number): ReadonlyArray<ReadonlyArray<NodeId>> {
    return writeSets(this.layout.state.history, p).filter((set) => set.length > 0)
  }

  readSet(p: number): ReadonlyArray<NodeId> {
    const h = this.layout.state.history
    return versionOf(h, readVersion(h))?.partitions[p] ?? []
  }

  replicationFactor(): number {
    return currentLayout(this.layout.state).replicationFactor
  }

  allNodes(): ReadonlyArray<NodeId> {
    return allNodes(this.layout.state.history)
  }

  subscribe(listener: () => void): () => void {
    return this.layout.subscribe(listener)
  }

  /** The ack lock: hold it while a write planned on the returned version is in flight. */
  lockWrite(): { readonly version: number; release(): void } {
    return this.layout.lockWrite()
  }
}
