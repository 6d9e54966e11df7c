// Optimal partition assignment, after Garage (src/rpc/layout/version.rs; Oulamara &
// Auvolat 2023, arXiv:2302.13798; summary in reference/garage.md §2.2):
//
//   1. binary search on the partition size s with a max-flow feasibility check on G(s);
//   2. a first flow that only uses (partition, node) pairs of the previous assignment,
//      completed to a maximum flow on the whole graph;
//   3. negative-cycle cancelling with cost -1 on kept pairs, so that among assignments of
//      size s* the number of moved replicas is minimal.
//
// G(s): source -> P+(p) cap rho, source -> P-(p) cap rf - rho; P+(p) -> PZ(p,z) cap 1,
// P-(p) -> PZ(p,z) cap rf; PZ(p,z) -> N(n) cap 1 for n in zone z; N(n) -> sink cap
// floor(c_n / s). s is feasible iff the max flow is partitions * rf.
//
// Pure and deterministic: nodes are sorted by id and zones by name (code-unit order),
// and the graph is built in a fixed order.

import { FlowGraph } from "./flow-graph.ts"
import {
  DEFAULT_PARTITION_COUNT,
  MAX_PARTITION_COUNT,
  MAX_REPLICATION_FACTOR,
  type Assignment,
  type AssignmentError,
  type AssignmentInput,
  type AssignmentResult,
  type LayoutNode,
  type NodeId,
} from "./types.ts"

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const fail = (error: AssignmentError): AssignmentResult => ({ ok: false, error })

interface StorageNode {
  readonly id: NodeId
  readonly zone: number
  readonly capacity: number
}

/** Validated inputs, with nodes sorted by id and zones indexed by sorted name. */
interface Problem {
  readonly rf: number
  readonly redundancy: number
  readonly partitionCount: number
  readonly storage: readonly StorageNode[]
  readonly zoneCount: number
  readonly totalCapacity: number
  /** previous[p] = indexes into `storage` of nodes that held partition p. */
  readonly previous: readonly (readonly number[])[] | undefined
}

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0

function validate(input: AssignmentInput): Problem | AssignmentError {
  const rf = input.replicationFactor
  if (!Number.isInteger(rf) || rf < 1 || rf > MAX_REPLICATION_FACTOR) {
    return {
      _tag: "InvalidReplicationFactor",
      message: `replication factor must be an integer from 1 to ${MAX_REPLICATION_FACTOR}, got ${rf}`,
    }
  }
  const partitionCount = input.partitionCount ?? DEFAULT_PARTITION_COUNT
  if (!isPowerOfTwo(partitionCount) || partitionCount > MAX_PARTITION_COUNT) {
    return {
      _tag: "InvalidPartitionCount",
      message: `partition count must be a power of two from 1 to ${MAX_PARTITION_COUNT}, got ${partitionCount}`,
    }
  }
  const seen = new Set<NodeId>()
  for (const node of input.nodes) {
    if (seen.has(node.id)) {
      return {
        _tag: "DuplicateNodeId",
        nodeId: node.id,
        message: `node id ${JSON.stringify(node.id)} appears more than once in the layout`,
      }
    }
    seen.add(node.id)
    const c = node.capacity
    if (c !== null && (!Number.isSafeInteger(c) || c <= 0)) {
      return {
        _tag: "InvalidCapacity",
        nodeId: node.id,
        message: `node ${JSON.stringify(node.id)} has capacity ${c}; a capacity must be a positive whole number of bytes (use null for a gateway)`,
      }
    }
  }
  const sorted: LayoutNode[] = [...input.nodes].sort((a, b) => byCodeUnits(a.id, b.id))
  const storageNodes = sorted.filter((n) => n.capacity !== null)
  const zoneNames = [...new Set(storageNodes.map((n) => n.zone))].sort(byCodeUnits)
  const zoneIndex = new Map(zoneNames.map((z, i) => [z, i] as const))
  let totalCapacity = 0
  const storage: StorageNode[] = storageNodes.map((n) => {
    totalCapacity += n.capacity!
    return { id: n.id, zone: zoneIndex.get(n.zone)!, capacity: n.capacity! }
  })
  if (!Number.isSafeInteger(totalCapacity)) {
    return {
      _tag: "TotalCapacityTooLarge",
      message: `total capacity ${totalCapacity} bytes exceeds ${Number.MAX_SAFE_INTEGER} bytes`,
    }
  }
  const zr = input.zoneRedundancy
  let redundancy: number
  if (zr === "maximum") {
    redundancy = Math.min(rf, zoneNames.length)
  } else {
    if (!Number.isInteger(zr.atLeast) || zr.atLeast < 1 || zr.atLeast > rf) {
      return {
        _tag: "InvalidZoneRedundancy",
        message: `zone redundancy must be an integer from 1 to the replication factor ${rf}, got ${zr.atLeast}`,
      }
    }
    redundancy = zr.atLeast
  }
  if (storage.length < rf) {
    return {
      _tag: "NotEnoughStorageNodes",
      message: `replication factor ${rf} needs at least ${rf} storage nodes (nodes with a capacity), but the layout has ${storage.length}`,
    }
  }
  if (zoneNames.length < redundancy || redundancy < 1) {
    return {
      _tag: "NotEnoughZones",
      message: `zone redundancy ${redundancy} needs storage nodes in at least ${Math.max(redundancy, 1)} zones, but they are in ${zoneNames.length}${zoneNames.length > 0 ? ` (${zoneNames.join(", ")})` : ""}`,
    }
  }
  let previous: number[][] | undefined
  if (input.previous !== undefined) {
    if (input.previous.length !== partitionCount) {
      return {
        _tag: "InvalidPreviousAssignment",
        message: `previous assignment has ${input.previous.length} partitions, expected ${partitionCount}`,
      }
    }
    const storageIndex = new Map(storage.map((n, i) => [n.id, i] as const))
    const removed = new Set(input.removedNodes ?? [])
    previous = []
    for (let p = 0; p < partitionCount; p++) {
      const holders = input.previous[p]!
      const indexes: number[] = []
      const inPartition = new Set<NodeId>()
      for (const id of holders) {
        if (inPartition.has(id)) {
          return {
            _tag: "InvalidPreviousAssignment",
            message: `previous assignment lists node ${JSON.stringify(id)} twice for partition ${p}`,
          }
        }
        inPartition.add(id)
        if (!seen.has(id) && !removed.has(id)) {
          return {
            _tag: "UnknownNodeInPrevious",
            nodeId: id,
            partition: p,
            message: `previous assignment places partition ${p} on node ${JSON.stringify(id)}, which is neither in the layout nor listed as removed`,
          }
        }
        const i = storageIndex.get(id)
        if (i !== undefined) indexes.push(i)
      }
      previous.push(indexes)
    }
  }
  return {
    rf,
    redundancy,
    partitionCount,
    storage,
    zoneCount: zoneNames.length,
    totalCapacity,
    previous,
  }
}

/** G(s) with handles on the edges that the algorithm adjusts or reads. */
interface AssignmentGraph {
  readonly graph: FlowGraph
  readonly source: number
  readonly sink: number
  /** Edge N(n) -> sink per storage node. */
  readonly nodeEdges: readonly number[]
  /** Every PZ(p,z) -> N(n) edge: partition, node index, edge id. */
  readonly pairEdges: readonly { readonly partition: number; readonly node: number; readonly edge: number }[]
}

function buildGraph(problem: Problem): AssignmentGraph {
  const { rf, redundancy, partitionCount: P, storage, zoneCount: Z } = problem
  const source = 0
  const sink = 1
  const pUp = (p: number) => 2 + p
  const pDown = (p: number) => 2 + P + p
  const pz = (p: number, z: number) => 2 + 2 * P + p * Z + z
  const nodeVertex = (n: number) => 2 + 2 * P + P * Z + n
  const graph = new FlowGraph(2 + 2 * P + P * Z + storage.length)
  const zoneMembers: number[][] = Array.from({ length: Z }, () => [])
  storage.forEach((node, i) => zoneMembers[node.zone]!.push(i))
  const kept = (p: number, n: number): boolean => problem.previous?.[p]?.includes(n) ?? false
  const pairEdges: { partition: number; node: number; edge: number }[] = []
  for (let p = 0; p < P; p++) {
    graph.addEdge(source, pUp(p), redundancy)
    if (rf > redundancy) graph.addEdge(source, pDown(p), rf - redundancy)
    // Rotating the starting zone and node with p spreads partitions over nodes that have
    // room to spare (Garage shuffles edges with a fixed seed for the same purpose).
    for (let k = 0; k < Z; k++) {
      const z = (p + k) % Z
      graph.addEdge(pUp(p), pz(p, z), 1)
      if (rf > redundancy) graph.addEdge(pDown(p), pz(p, z), rf)
      const members = zoneMembers[z]!
      for (let j = 0; j < members.length; j++) {
        const n = members[(p + j) % members.length]!
        const edge = graph.addEdge(pz(p, z), nodeVertex(n), 1, kept(p, n) ? -1 : 0)
        pairEdges.push({ partition: p, node: n, edge })
      }
    }
  }
  const nodeEdges = storage.map((_, n) => graph.addEdge(nodeVertex(n), sink, 0))
  return { graph, source, sink, nodeEdges, pairEdges }
}

/** How many partitions node n may hold at partition size s. */
const slots = (capacity: number, s: number, partitionCount: number): number =>
  Math.min(Math.floor(capacity / s), partitionCount)

function setPartitionSize(g: AssignmentGraph, problem: Problem, s: number): void {
  g.graph.clearFlow()
  problem.storage.forEach((node, n) =>
    g.graph.setCapacity(g.nodeEdges[n]!, slots(node.capacity, s, problem.partitionCount)),
  )
}

function feasible(g: AssignmentGraph, problem: Problem, s: number): boolean {
  const need = problem.partitionCount * problem.rf
  // Cheap necessary condition before the max flow: enough slots in total.
  let total = 0
  for (const node of problem.storage) total += slots(node.capacity, s, problem.partitionCount)
  if (total < need) return false
  setPartitionSize(g, problem, s)
  return g.graph.maxFlow(g.source, g.sink) === need
}

/**
 * Computes the assignment: rf distinct storage nodes per partition over at least
 * `redundancy` zones, with the largest partition size, moving as few replicas away from
 * `input.previous` as that size allows. Never throws on bad input; returns a tagged error.
 */
export function computeAssignment(input: AssignmentInput): AssignmentResult {
  const checked = validate(input)
  if ("_tag" in checked) return fail(checked)
  const problem = checked
  const { rf, partitionCount: P } = problem
  const g = buildGraph(problem)

  // 1. Binary search: lo feasible, hi infeasible. Any s > total / (P * rf) leaves fewer
  //    than P * rf slots, so hi starts just above that bound.
  if (!feasible(g, problem, 1)) {
    return fail({
      _tag: "InsufficientCapacity",
      message: `no assignment exists even with 1-byte partitions: ${P} partitions × ${rf} replicas cannot be placed on ${problem.storage.length} storage nodes with total capacity ${problem.totalCapacity} bytes under zone redundancy ${problem.redundancy}`,
    })
  }
  let lo = 1
  let hi = Math.floor(problem.totalCapacity / (P * rf)) + 1
  while (lo + 1 < hi) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (feasible(g, problem, mid)) lo = mid
    else hi = mid
  }
  const partitionSize = lo

  // 2. Initial flow: previous pairs first, then the rest of the graph.
  setPartitionSize(g, problem, partitionSize)
  if (problem.previous !== undefined) {
    const fresh = g.pairEdges.filter((e) => !problem.previous![e.partition]!.includes(e.node))
    for (const e of fresh) g.graph.setCapacity(e.edge, 0)
    g.graph.maxFlow(g.source, g.sink)
    for (const e of fresh) g.graph.raiseCapacity(e.edge, 1)
  }
  g.graph.maxFlow(g.source, g.sink)

  // 3. Minimise moves (edges of kept pairs cost -1).
  if (problem.previous !== undefined) g.graph.cancelNegativeCycles()

  const partitions: NodeId[][] = Array.from({ length: P }, () => [])
  for (const e of g.pairEdges) {
    if (g.graph.flow(e.edge) > 0) partitions[e.partition]!.push(problem.storage[e.node]!.id)
  }
  for (const holders of partitions) holders.sort(byCodeUnits)
  const assignment: Assignment = {
    partitionCount: P,
    replicationFactor: rf,
    zoneRedundancy: problem.redundancy,
    partitionSize,
    partitions,
  }
  const problems = verifyAssignment(input, assignment)
  if (problems.length > 0) {
    // A bug, not bad input: the flow construction guarantees every check.
    throw new Error(`computeAssignment produced an invalid assignment: ${problems.join("; ")}`)
  }
  return { ok: true, value: assignment }
}

/**
 * Garage's `check()`: lists every way `assignment` breaks the rules for `input` (empty
 * when valid). Does not check optimality.
 */
export function verifyAssignment(input: AssignmentInput, assignment: Assignment): string[] {
  const problems: string[] = []
  const byId = new Map(input.nodes.map((n) => [n.id, n] as const))
  const { replicationFactor: rf, zoneRedundancy: rho, partitionSize: s } = assignment
  if (assignment.partitions.length !== assignment.partitionCount) {
    problems.push(`${assignment.partitions.length} partitions, expected ${assignment.partitionCount}`)
  }
  const load = new Map<NodeId, number>()
  assignment.partitions.forEach((holders, p) => {
    if (holders.length !== rf) problems.push(`partition ${p} has ${holders.length} replicas, expected ${rf}`)
    if (new Set(holders).size !== holders.length) problems.push(`partition ${p} names a node twice`)
    const zones = new Map<string, number>()
    for (const id of holders) {
      const node = byId.get(id)
      if (node === undefined) {
        problems.push(`partition ${p} is on unknown node ${id}`)
        continue
      }
      if (node.capacity === null) problems.push(`partition ${p} is on gateway ${id}`)
      zones.set(node.zone, (zones.get(node.zone) ?? 0) + 1)
      load.set(id, (load.get(id) ?? 0) + 1)
    }
    if (zones.size < rho) problems.push(`partition ${p} spans ${zones.size} zones, needs ${rho}`)
    for (const [zone, count] of zones) {
      if (count > rf - rho + 1) problems.push(`partition ${p} has ${count} replicas in zone ${zone}`)
    }
  })
  for (const [id, count] of load) {
    const c = byId.get(id)?.capacity
    if (c !== null && c !== undefined && count * s > c) {
      problems.push(`node ${id} holds ${count} partitions of ${s} bytes > capacity ${c}`)
    }
  }
  return problems
}
