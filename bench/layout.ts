// npm run bench:layout — the optimal partition assignment (src/core/layout/assignment.ts)
// on 100 nodes in 5 zones, 256 partitions, rf 3: from scratch, then after adding 5 nodes.
// Baseline, computed in the same run: consistent hashing with 100 virtual nodes per node
// weighted by capacity, rf distinct zones where possible, on the same 100 -> 105 change.

import { createHash } from "node:crypto"
import { performance } from "node:perf_hooks"
import { computeAssignment } from "../src/core/layout/assignment.ts"
import { assignmentReport, countMovedReplicas, formatBytes } from "../src/core/layout/assignment-report.ts"
import type { AssignmentInput, LayoutNode, NodeId } from "../src/core/layout/types.ts"

const GB = 1_000_000_000
const PARTITIONS = 256
const RF = 3
const ZONES = ["zone-a", "zone-b", "zone-c", "zone-d", "zone-e"] as const
const SIZES = [500 * GB, 1000 * GB, 2000 * GB, 4000 * GB, 8000 * GB] as const

const pad = (i: number) => String(i).padStart(3, "0")

/** 100 nodes, 20 per zone, capacities cycling through SIZES (shifted per zone). */
const initial: LayoutNode[] = Array.from({ length: 100 }, (_, i) => ({
  id: `node-${pad(i)}`,
  zone: ZONES[i % ZONES.length]!,
  capacity: SIZES[(i + Math.floor(i / ZONES.length)) % SIZES.length]!,
}))
/** Five new 2 TB nodes, one per zone. */
const grown: LayoutNode[] = [
  ...initial,
  ...ZONES.map((zone, k) => ({ id: `node-${pad(100 + k)}`, zone, capacity: 2000 * GB })),
]

// --- Baseline: consistent hashing with weighted virtual nodes ---------------------------

const VNODES_PER_NODE = 100

const hash32 = (text: string): number => createHash("sha256").update(text).digest().readUInt32BE(0)

/** Bytes per virtual node: the mean capacity of the initial cluster / VNODES_PER_NODE,
 *  fixed so that existing nodes keep their virtual nodes when the cluster grows. */
const BYTES_PER_VNODE = initial.reduce((s, n) => s + (n.capacity ?? 0), 0) / initial.length / VNODES_PER_NODE

function consistentHashing(nodes: readonly LayoutNode[]): NodeId[][] {
  const storage = nodes.filter((n) => n.capacity !== null)
  const ring: { point: number; node: LayoutNode }[] = []
  for (const node of storage) {
    const vnodes = Math.max(1, Math.round(node.capacity! / BYTES_PER_VNODE))
    for (let v = 0; v < vnodes; v++) ring.push({ point: hash32(`${node.id}#${v}`), node })
  }
  ring.sort((a, b) => a.point - b.point || (a.node.id < b.node.id ? -1 : 1))
  const partitions: NodeId[][] = []
  for (let p = 0; p < PARTITIONS; p++) {
    const point = hash32(`partition#${p}`)
    let start = ring.findIndex((e) => e.point >= point)
    if (start === -1) start = 0
    // Walk clockwise: first distinct zones, then (if zones run out) distinct nodes.
    const chosen: LayoutNode[] = []
    for (const wantNewZone of [true, false]) {
      for (let k = 0; k < ring.length && chosen.length < RF; k++) {
        const node = ring[(start + k) % ring.length]!.node
        if (chosen.includes(node)) continue
        if (wantNewZone && chosen.some((c) => c.zone === node.zone)) continue
        chosen.push(node)
      }
    }
    partitions.push(chosen.map((n) => n.id).sort())
  }
  return partitions
}

/** Usable capacity of an assignment: partitions × the largest s every node can hold. */
function usableCapacity(nodes: readonly LayoutNode[], partitions: readonly (readonly NodeId[])[]): number {
  const count = new Map<NodeId, number>()
  for (const holders of partitions) for (const id of holders) count.set(id, (count.get(id) ?? 0) + 1)
  let s = Infinity
  for (const n of nodes) {
    const k = count.get(n.id) ?? 0
    if (k > 0 && n.capacity !== null) s = Math.min(s, Math.floor(n.capacity / k))
  }
  return s * partitions.length
}

// --- Run --------------------------------------------------------------------------------

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now()
  const value = f()
  return { value, ms: performance.now() - t0 }
}

function assign(input: AssignmentInput) {
  const r = timed(() => computeAssignment(input))
  if (!r.value.ok) throw new Error(r.value.error.message)
  return { assignment: r.value.value, ms: r.ms }
}

const base = { replicationFactor: RF, zoneRedundancy: "maximum", partitionCount: PARTITIONS } as const
const scratch = assign({ ...base, nodes: initial })
const added = assign({ ...base, nodes: grown, previous: scratch.assignment.partitions })
const scratchReport = assignmentReport(initial, scratch.assignment)
const addedReport = assignmentReport(grown, added.assignment, scratch.assignment.partitions)

const chBefore = consistentHashing(initial)
const chAfter = consistentHashing(grown)
const chMoved = countMovedReplicas(chBefore, chAfter)

const totalOf = (nodes: readonly LayoutNode[]) => nodes.reduce((s, n) => s + (n.capacity ?? 0), 0)
const line = (label: string, value: string) => console.log(`${label.padEnd(48)} ${value}`)

console.log(`Layout assignment: ${PARTITIONS} partitions, rf ${RF}, zone redundancy ${scratch.assignment.zoneRedundancy}`)
console.log("")
line("100 nodes / 5 zones, from scratch: wall time", `${scratch.ms.toFixed(0)} ms`)
line("  partition size / usable capacity", `${formatBytes(scratchReport.partitionSize)} / ${formatBytes(scratchReport.usableCapacity)} of ${formatBytes(totalOf(initial))} raw`)
line("+5 nodes (105), from previous: wall time", `${added.ms.toFixed(0)} ms`)
line("  partition size / usable capacity", `${formatBytes(addedReport.partitionSize)} / ${formatBytes(addedReport.usableCapacity)} of ${formatBytes(totalOf(grown))} raw`)
line("  replicas moved (partitions touched)", `${addedReport.replicasMoved} of ${PARTITIONS * RF} (${addedReport.partitionsMoved})`)
line("  replicas on the 5 new nodes", `${addedReport.nodes.filter((n) => n.id >= "node-100").reduce((s, n) => s + n.partitions, 0)}`)
console.log("")
line(`Baseline: consistent hashing, ${VNODES_PER_NODE} vnodes/node by capacity`, "")
line("  usable capacity before / after", `${formatBytes(usableCapacity(initial, chBefore))} / ${formatBytes(usableCapacity(grown, chAfter))}`)
line("  replicas moved 100 -> 105 (partitions touched)", `${chMoved.replicasMoved} of ${PARTITIONS * RF} (${chMoved.partitionsMoved})`)
console.log("")
line("Ratio: replicas moved, optimal / baseline", `${(addedReport.replicasMoved / chMoved.replicasMoved).toFixed(2)}`)
line("Ratio: usable capacity after, optimal / baseline", `${(addedReport.usableCapacity / usableCapacity(grown, chAfter)).toFixed(2)}`)
const slow = scratch.ms > 2000 || added.ms > 2000
const fewer = addedReport.replicasMoved < chMoved.replicasMoved
line("Targets: < 2 s each, fewer moves than baseline", `${slow ? "MISSED (time)" : "time ok"}, ${fewer ? "moves ok" : "MISSED (moves)"}`)
