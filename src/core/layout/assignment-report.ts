// The preview that `layout show` prints before `layout apply`: capacities, what moves,
// and how full each node and zone is. Pure; the assignment is deterministic, so the
// preview equals what apply will install.

import type { Assignment, LayoutNode, NodeId } from "./types.ts"

export interface NodeReport {
  readonly id: NodeId
  readonly zone: string
  /** Bytes; null for a gateway. */
  readonly capacity: number | null
  readonly partitions: number
  /** partitions × partition size / capacity, in [0, 1]; null for a gateway. */
  readonly usage: number | null
}

export interface ZoneReport {
  readonly zone: string
  readonly capacity: number
  /** Partition replicas stored in the zone. */
  readonly replicas: number
  /** Partitions with at least one replica in the zone. */
  readonly partitions: number
}

export interface AssignmentReport {
  readonly partitionCount: number
  readonly replicationFactor: number
  readonly zoneRedundancy: number
  readonly partitionSize: number
  /** Partition size × partition count: what clients can store. */
  readonly usableCapacity: number
  /** Sum of storage nodes' capacities. */
  readonly totalCapacity: number
  /** Partitions whose node set changed (every partition when there is no previous). */
  readonly partitionsMoved: number
  /** (partition, node) pairs that are new: replicas that must be copied. */
  readonly replicasMoved: number
  /** Sorted by node id. */
  readonly nodes: readonly NodeReport[]
  /** Sorted by zone name. */
  readonly zones: readonly ZoneReport[]
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Replicas in `next` that `previous` did not have, per partition, summed. */
export function countMovedReplicas(
  previous: readonly (readonly NodeId[])[] | undefined,
  next: readonly (readonly NodeId[])[],
): { readonly partitionsMoved: number; readonly replicasMoved: number } {
  let partitionsMoved = 0
  let replicasMoved = 0
  next.forEach((holders, p) => {
    const before = new Set(previous?.[p] ?? [])
    const added = holders.filter((id) => !before.has(id)).length
    replicasMoved += added
    if (added > 0 || before.size !== holders.length) partitionsMoved++
  })
  return { partitionsMoved, replicasMoved }
}

export function assignmentReport(
  nodes: readonly LayoutNode[],
  assignment: Assignment,
  previous?: readonly (readonly NodeId[])[],
): AssignmentReport {
  const s = assignment.partitionSize
  const count = new Map<NodeId, number>()
  for (const holders of assignment.partitions) {
    for (const id of holders) count.set(id, (count.get(id) ?? 0) + 1)
  }
  const sorted = [...nodes].sort((a, b) => byCodeUnits(a.id, b.id))
  const nodeReports: NodeReport[] = sorted.map((n) => {
    const partitions = count.get(n.id) ?? 0
    return {
      id: n.id,
      zone: n.zone,
      capacity: n.capacity,
      partitions,
      usage: n.capacity === null ? null : (partitions * s) / n.capacity,
    }
  })
  const zoneOf = new Map(nodes.map((n) => [n.id, n.zone] as const))
  const zoneNames = [...new Set(nodes.filter((n) => n.capacity !== null).map((n) => n.zone))].sort(
    byCodeUnits,
  )
  const zones: ZoneReport[] = zoneNames.map((zone) => {
    let replicas = 0
    let partitions = 0
    for (const holders of assignment.partitions) {
      const here = holders.filter((id) => zoneOf.get(id) === zone).length
      replicas += here
      if (here > 0) partitions++
    }
    const capacity = nodes
      .filter((n) => n.zone === zone && n.capacity !== null)
      .reduce((sum, n) => sum + n.capacity!, 0)
    return { zone, capacity, replicas, partitions }
  })
  const totalCapacity = nodes.reduce((sum, n) => sum + (n.capacity ?? 0), 0)
  return {
    partitionCount: assignment.partitionCount,
    replicationFactor: assignment.replicationFactor,
    zoneRedundancy: assignment.zoneRedundancy,
    partitionSize: s,
    usableCapacity: s * assignment.partitionCount,
    totalCapacity,
    ...countMovedReplicas(previous, assignment.partitions),
    nodes: nodeReports,
    zones,
  }
}

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB", "EB"] as const

/** Decimal units, as Garage prints them: 1 KB = 1000 B. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}

/** Lines of text for `pollen layout show`. */
export function formatAssignmentReport(report: AssignmentReport): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  const lines: string[] = [
    `Partitions: ${report.partitionCount}, replication factor ${report.replicationFactor}, zone redundancy ${report.zoneRedundancy}`,
    `Partition size: ${formatBytes(report.partitionSize)}`,
    `Usable capacity: ${formatBytes(report.usableCapacity)} of ${formatBytes(report.totalCapacity)} total (${pct(report.totalCapacity === 0 ? 0 : (report.usableCapacity * report.replicationFactor) / report.totalCapacity)} of raw capacity used)`,
    `Moves: ${report.replicasMoved} partition replicas in ${report.partitionsMoved} partitions`,
    "",
    "Node\tZone\tCapacity\tPartitions\tUsage",
  ]
  for (const n of report.nodes) {
    lines.push(
      n.capacity === null
        ? `${n.id}\t${n.zone}\tgateway\t-\t-`
        : `${n.id}\t${n.zone}\t${formatBytes(n.capacity)}\t${n.partitions}\t${pct(n.usage ?? 0)}`,
    )
  }
  lines.push("", "Zone\tCapacity\tReplicas\tPartitions")
  for (const z of report.zones) {
    lines.push(`${z.zone}\t${formatBytes(z.capacity)}\t${z.replicas}\t${z.partitions}`)
  }
  return lines
}
