// Types of the partition assignment (DESIGN.md §5.3, reference/garage.md §2.2).
// Pure data: no classes, nothing mutable is handed back to callers.

export type NodeId = string

/** A node's role in the layout. `capacity: null` makes a gateway (stores nothing). */
export interface LayoutNode {
  readonly id: NodeId
  readonly zone: string
  /** Bytes, a positive safe integer; `null` for a gateway. */
  readonly capacity: number | null
}

/** `{ atLeast: n }` with 1 <= n <= rf, or `"maximum"` = min(rf, zones with capacity). */
export type ZoneRedundancy = { readonly atLeast: number } | "maximum"

export const DEFAULT_PARTITION_COUNT = 256
export const MAX_PARTITION_COUNT = 65536
export const MAX_REPLICATION_FACTOR = 7

export interface AssignmentInput {
  readonly nodes: readonly LayoutNode[]
  readonly replicationFactor: number
  readonly zoneRedundancy: ZoneRedundancy
  /** A power of two in 1..65536; default 256. */
  readonly partitionCount?: number
  /**
   * The assignment currently in force, one array of node ids per partition; the new
   * assignment moves as few replicas away from it as the optimal partition size allows.
   * Its length must equal the partition count.
   */
  readonly previous?: readonly (readonly NodeId[])[]
  /**
   * Ids of nodes that the previous assignment may name but that leave the layout now
   * (Garage's `layout remove`). Any other id in `previous` that is not in `nodes` is an
   * error.
   */
  readonly removedNodes?: readonly NodeId[]
}

export interface Assignment {
  readonly partitionCount: number
  readonly replicationFactor: number
  /** The effective zone redundancy (`"maximum"` resolved to a number). */
  readonly zoneRedundancy: number
  /** Largest s such that every node n stores at most floor(capacity_n / s) partitions. */
  readonly partitionSize: number
  /** For each partition, its rf node ids, sorted by id. */
  readonly partitions: readonly (readonly NodeId[])[]
}

export type AssignmentError =
  | { readonly _tag: "InvalidReplicationFactor"; readonly message: string }
  | { readonly _tag: "InvalidPartitionCount"; readonly message: string }
  | { readonly _tag: "InvalidZoneRedundancy"; readonly message: string }
  | { readonly _tag: "DuplicateNodeId"; readonly message: string; readonly nodeId: NodeId }
  | { readonly _tag: "InvalidCapacity"; readonly message: string; readonly nodeId: NodeId }
  | { readonly _tag: "TotalCapacityTooLarge"; readonly message: string }
  | { readonly _tag: "NotEnoughStorageNodes"; readonly message: string }
  | { readonly _tag: "NotEnoughZones"; readonly message: string }
  | { readonly _tag: "InvalidPreviousAssignment"; readonly message: string }
  | {
      readonly _tag: "UnknownNodeInPrevious"
      readonly message: string
      readonly nodeId: NodeId
      readonly partition: number
    }
  | { readonly _tag: "InsufficientCapacity"; readonly message: string }

export type AssignmentResult =
  | { readonly ok: true; readonly value: Assignment }
  | { readonly ok: false; readonly error: AssignmentError }
