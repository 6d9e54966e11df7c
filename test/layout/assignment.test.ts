// Partition assignment (src/core/layout/assignment.ts) against an independent brute force
// on small instances: optimal partition size, every placement rule, minimal moves against
// a random previous assignment, determinism; plus one test per input error.

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { computeAssignment } from "../../src/core/layout/assignment.ts"
import { assignmentReport } from "../../src/core/layout/assignment-report.ts"
import type {
  Assignment,
  AssignmentInput,
  AssignmentResult,
  LayoutNode,
  NodeId,
  ZoneRedundancy,
} from "../../src/core/layout/types.ts"

// ---------------------------------------------------------------------------------------
// Brute force. Written from the problem statement, not from the flow model: enumerate the
// allowed node sets of one partition, then search over partitions with memoisation on the
// slots left per node.

interface BruteProblem {
  readonly capacities: readonly number[] // storage nodes, input order
  readonly ids: readonly NodeId[]
  /** Allowed node sets for one partition, as index lists. */
  readonly sets: readonly (readonly number[])[]
  readonly partitions: number
}

function effectiveRedundancy(nodes: readonly LayoutNode[], rf: number, zr: ZoneRedundancy): number {
  const zones = new Set(nodes.filter((n) => n.capacity !== null).map((n) => n.zone)).size
  return zr === "maximum" ? Math.min(rf, zones) : zr.atLeast
}

function bruteProblem(input: AssignmentInput): BruteProblem {
  const storage = input.nodes.filter((n) => n.capacity !== null)
  const rf = input.replicationFactor
  const rho = effectiveRedundancy(input.nodes, rf, input.zoneRedundancy)
  const sets: number[][] = []
  const choose = (start: number, chosen: number[]): void => {
    if (chosen.length === rf) {
      const perZone = new Map<string, number>()
      for (const i of chosen) {
        const z = storage[i]!.zone
        perZone.set(z, (perZone.get(z) ?? 0) + 1)
      }
      const spread = perZone.size >= rho && [...perZone.values()].every((k) => k <= rf - rho + 1)
      if (spread) sets.push([...chosen])
      return
    }
    for (let i = start; i < storage.length; i++) choose(i + 1, [...chosen, i])
  }
  choose(0, [])
  return {
    capacities: storage.map((n) => n.capacity!),
    ids: storage.map((n) => n.id),
    sets,
    partitions: input.partitionCount ?? 256,
  }
}

/** Can every partition get an allowed set with node i used at most slots[i] times? */
function bruteFeasible(bp: BruteProblem, slots: readonly number[]): boolean {
  const memo = new Map<string, boolean>()
  // Partitions are interchangeable here, so choose sets in non-decreasing order.
  const go = (left: number, from: number, rem: number[]): boolean => {
    if (left === 0) return true
    // Slots beyond the partitions left cannot be used (one replica per partition and node).
    const key = `${left}|${from}|${rem.map((r) => Math.min(r, left)).join(",")}`
    const hit = memo.get(key)
    if (hit !== undefined) return hit
    let ok = false
    for (let k = from; k < bp.sets.length && !ok; k++) {
      const set = bp.sets[k]!
      if (set.every((i) => rem[i]! > 0)) {
        for (const i of set) rem[i]!--
        ok = go(left - 1, k, rem)
        for (const i of set) rem[i]!++
      }
    }
    memo.set(key, ok)
    return ok
  }
  return go(bp.partitions, 0, [...slots])
}

const slotsAt = (bp: BruteProblem, s: number): number[] =>
  bp.capacities.map((c) => Math.min(Math.floor(c / s), bp.partitions))

/** The largest feasible partition size, or 0 if none. */
function bruteOptimalSize(bp: BruteProblem): number {
  // The optimum is a point where some node's slot count drops: floor(c / j), j <= P.
  const candidates = new Set<number>()
  for (const c of bp.capacities) {
    for (let j = 1; j <= bp.partitions; j++) if (Math.floor(c / j) >= 1) candidates.add(Math.floor(c / j))
  }
  const need = bp.partitions * (bp.sets[0]?.length ?? 1)
  for (const s of [...candidates].sort((a, b) => b - a)) {
    const slots = slotsAt(bp, s)
    if (slots.reduce((a, b) => a + b, 0) < need) continue
    if (bruteFeasible(bp, slots)) return s
  }
  return 0
}

/** Fewest replicas not in `previous`, over all assignments with partition size s. */
function bruteMinMoves(bp: BruteProblem, s: number, previous: readonly (readonly NodeId[])[]): number {
  const memo = new Map<string, number>()
  const go = (p: number, rem: number[]): number => {
    if (p === bp.partitions) return 0
    const left = bp.partitions - p
    const key = `${p}|${rem.map((r) => Math.min(r, left)).join(",")}`
    const hit = memo.get(key)
    if (hit !== undefined) return hit
    const before = new Set(previous[p] ?? [])
    let best = Infinity
    for (const set of bp.sets) {
      if (!set.every((i) => rem[i]! > 0)) continue
      const cost = set.filter((i) => !before.has(bp.ids[i]!)).length
      if (cost >= best) continue
      for (const i of set) rem[i]!--
      best = Math.min(best, cost + go(p + 1, rem))
      for (const i of set) rem[i]!++
    }
    memo.set(key, best)
    return best
  }
  return go(0, slotsAt(bp, s))
}

// ---------------------------------------------------------------------------------------
// Independent rule checker.

function violations(input: AssignmentInput, a: Assignment): string[] {
  const out: string[] = []
  const byId = new Map(input.nodes.map((n) => [n.id, n]))
  const rf = input.replicationFactor
  const rho = effectiveRedundancy(input.nodes, rf, input.zoneRedundancy)
  if (a.zoneRedundancy !== rho) out.push(`redundancy ${a.zoneRedundancy} != ${rho}`)
  if (a.partitions.length !== (input.partitionCount ?? 256)) out.push("partition count")
  const used = new Map<NodeId, number>()
  a.partitions.forEach((holders, p) => {
    if (holders.length !== rf) out.push(`p${p}: ${holders.length} replicas`)
    if (new Set(holders).size !== holders.length) out.push(`p${p}: repeated node`)
    const zones = new Map<string, number>()
    for (const id of holders) {
      const n = byId.get(id)
      if (n === undefined || n.capacity === null) {
        out.push(`p${p}: on ${id}, not a storage node`)
        continue
      }
      zones.set(n.zone, (zones.get(n.zone) ?? 0) + 1)
      used.set(id, (used.get(id) ?? 0) + 1)
    }
    if (zones.size < rho) out.push(`p${p}: ${zones.size} zones < ${rho}`)
    for (const [z, k] of zones) if (k > rf - rho + 1) out.push(`p${p}: ${k} in zone ${z}`)
  })
  for (const [id, k] of used) {
    if (k * a.partitionSize > byId.get(id)!.capacity!) out.push(`${id}: over capacity`)
  }
  return out
}

const moved = (previous: readonly (readonly NodeId[])[], next: readonly (readonly NodeId[])[]): number =>
  next.reduce((sum, holders, p) => sum + holders.filter((id) => !(previous[p] ?? []).includes(id)).length, 0)

// ---------------------------------------------------------------------------------------
// Generators: up to 6 nodes, up to 3 zones, capacities from a few sizes, rf 1..3.

const CAPACITIES = [100, 150, 200, 300, 500, 800] as const

const nodesArb = fc
  .array(
    fc.record({
      zone: fc.constantFrom("za", "zb", "zc"),
      capacity: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...CAPACITIES) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((raw): LayoutNode[] => raw.map((r, i) => ({ id: `n${i}`, zone: r.zone, capacity: r.capacity })))

const redundancyArb = (rf: number): fc.Arbitrary<ZoneRedundancy> =>
  fc.oneof(fc.constant<ZoneRedundancy>("maximum"), fc.integer({ min: 1, max: rf }).map((n) => ({ atLeast: n })))

const previousArb = (nodes: readonly LayoutNode[], partitions: number) =>
  fc.array(
    fc.subarray(
      nodes.map((n) => n.id),
      { maxLength: Math.min(3, nodes.length) },
    ),
    { minLength: partitions, maxLength: partitions },
  )

const instanceArb = (partitions: number, withPrevious: boolean): fc.Arbitrary<AssignmentInput> =>
  fc
    .tuple(nodesArb, fc.integer({ min: 1, max: 3 }))
    .chain(([nodes, rf]) =>
      fc.record({
        nodes: fc.constant(nodes),
        replicationFactor: fc.constant(rf),
        zoneRedundancy: redundancyArb(rf),
        partitionCount: fc.constant(partitions),
        previous: withPrevious ? previousArb(nodes, partitions) : fc.constant(undefined),
      }),
    )

/** Inputs that are well formed but may admit no assignment. */
function expectUnsatisfiable(input: AssignmentInput, result: AssignmentResult): void {
  if (result.ok) return
  expect(["NotEnoughStorageNodes", "NotEnoughZones", "InsufficientCapacity"]).toContain(result.error._tag)
  const bp = bruteProblem(input)
  const rho = effectiveRedundancy(input.nodes, input.replicationFactor, input.zoneRedundancy)
  expect(bp.sets.length === 0 || rho < 1 || bruteOptimalSize(bp) === 0).toBe(true)
}

// ---------------------------------------------------------------------------------------

describe("computeAssignment against brute force (8 partitions)", () => {
  it("finds the optimal partition size, keeps every rule, and moves the fewest replicas", () => {
    fc.assert(
      fc.property(instanceArb(8, true), (input) => {
        const result = computeAssignment(input)
        const bp = bruteProblem(input)
        if (!result.ok) {
          expectUnsatisfiable(input, result)
          return
        }
        const a = result.value
        expect(violations(input, a)).toEqual([])
        expect(a.partitionSize).toBe(bruteOptimalSize(bp))
        expect(moved(input.previous!, a.partitions)).toBe(bruteMinMoves(bp, a.partitionSize, input.previous!))
      }),
      { numRuns: 1000 },
    )
  })

  it("from scratch (no previous assignment) also reaches the optimal size", () => {
    fc.assert(
      fc.property(instanceArb(8, false), (input) => {
        const result = computeAssignment(input)
        if (!result.ok) {
          expectUnsatisfiable(input, result)
          return
        }
        expect(violations(input, result.value)).toEqual([])
        expect(result.value.partitionSize).toBe(bruteOptimalSize(bruteProblem(input)))
      }),
      { numRuns: 500 },
    )
  })
})

describe("computeAssignment against brute force (16 partitions)", () => {
  it("finds the optimal partition size and moves the fewest replicas", () => {
    fc.assert(
      fc.property(instanceArb(16, true), (input) => {
        const result = computeAssignment(input)
        const bp = bruteProblem(input)
        if (!result.ok) {
          expectUnsatisfiable(input, result)
          return
        }
        expect(violations(input, result.value)).toEqual([])
        expect(result.value.partitionSize).toBe(bruteOptimalSize(bp))
        expect(moved(input.previous!, result.value.partitions)).toBe(
          bruteMinMoves(bp, result.value.partitionSize, input.previous!),
        )
      }),
      { numRuns: 300 },
    )
  })
})

describe("computeAssignment on 16 partitions", () => {
  it("keeps every rule and is deterministic, whatever the order of the nodes", () => {
    fc.assert(
      fc.property(
        instanceArb(16, true),
        fc.boolean(),
        fc.nat(),
        (input, withPrevious, rotation) => {
          const base: AssignmentInput = withPrevious ? input : { ...input, previous: undefined }
          const first = computeAssignment(base)
          if (!first.ok) {
            expect(["NotEnoughStorageNodes", "NotEnoughZones", "InsufficientCapacity"]).toContain(
              first.error._tag,
            )
            return
          }
          expect(violations(base, first.value)).toEqual([])
          // Same input again, and the same input with the node list rotated.
          expect(computeAssignment(base)).toEqual(first)
          const k = rotation % base.nodes.length
          const rotated = { ...base, nodes: [...base.nodes.slice(k), ...base.nodes.slice(0, k)] }
          expect(computeAssignment(rotated)).toEqual(first)
          // The report agrees with the assignment.
          const report = assignmentReport(base.nodes, first.value, base.previous)
          expect(report.usableCapacity).toBe(first.value.partitionSize * 16)
          expect(report.nodes.reduce((s, n) => s + n.partitions, 0)).toBe(16 * base.replicationFactor)
          expect(report.zones.reduce((s, z) => s + z.replicas, 0)).toBe(16 * base.replicationFactor)
          for (const n of report.nodes) if (n.usage !== null) expect(n.usage).toBeLessThanOrEqual(1)
          if (base.previous !== undefined) {
            expect(report.replicasMoved).toBe(moved(base.previous, first.value.partitions))
          } else {
            expect(report.replicasMoved).toBe(16 * base.replicationFactor)
          }
        },
      ),
      { numRuns: 400 },
    )
  })
})

describe("computeAssignment examples", () => {
  const threeZones: LayoutNode[] = [
    { id: "a", zone: "z1", capacity: 1000 },
    { id: "b", zone: "z2", capacity: 1000 },
    { id: "c", zone: "z3", capacity: 1000 },
    { id: "gw", zone: "z3", capacity: null },
  ]

  it("keeps a valid previous assignment unchanged when nothing changed", () => {
    const first = computeAssignment({ nodes: threeZones, replicationFactor: 3, zoneRedundancy: "maximum" })
    expect(first.ok).toBe(true)
    if (!first.ok) return
    expect(first.value.partitionSize).toBe(3) // floor(1000 / 256)
    expect(first.value.partitions.every((h) => h.join() === "a,b,c")).toBe(true)
    const again = computeAssignment({
      nodes: threeZones,
      replicationFactor: 3,
      zoneRedundancy: "maximum",
      previous: first.value.partitions,
    })
    expect(again).toEqual(first)
  })

  it("gives gateways nothing and lets a removed node leave", () => {
    // 2 partitions × 2 replicas on three 1000-byte nodes: s* = 500, two slots per node,
    // so "a" can keep both partitions; only the replicas on "old" move.
    const previous = Array.from({ length: 2 }, () => ["a", "old"])
    const result = computeAssignment({
      nodes: [...threeZones],
      replicationFactor: 2,
      zoneRedundancy: { atLeast: 2 },
      partitionCount: 2,
      previous,
      removedNodes: ["old"],
    })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    for (const holders of result.value.partitions) {
      expect(holders).toContain("a")
      expect(holders).not.toContain("gw")
      expect(holders).not.toContain("old")
    }
    expect(result.value.partitionSize).toBe(500)
    expect(assignmentReport(threeZones, result.value, previous).replicasMoved).toBe(2)
  })

  it("supports 1 and 65536 partitions", () => {
    const one = computeAssignment({ nodes: threeZones, replicationFactor: 1, zoneRedundancy: "maximum", partitionCount: 1 })
    expect(one.ok && one.value.partitionSize).toBe(1000)
    const many = computeAssignment({
      nodes: threeZones.map((n) => (n.capacity === null ? n : { ...n, capacity: 1 << 30 })),
      replicationFactor: 1,
      zoneRedundancy: "maximum",
      partitionCount: 65536,
    })
    // 65536 slots over 3 nodes: 21846 per node, so s* = floor(2^30 / 21846).
    expect(many.ok && many.value.partitionSize).toBe(Math.floor((1 << 30) / 21846))
  })
})

describe("computeAssignment errors", () => {
  const nodes: LayoutNode[] = [
    { id: "a", zone: "z1", capacity: 1000 },
    { id: "b", zone: "z1", capacity: 1000 },
    { id: "c", zone: "z2", capacity: 1000 },
    { id: "gw", zone: "z2", capacity: null },
  ]
  const base: AssignmentInput = { nodes, replicationFactor: 2, zoneRedundancy: "maximum", partitionCount: 8 }
  const errorOf = (input: AssignmentInput) => {
    const result = computeAssignment(input)
    if (result.ok) throw new Error("expected an error")
    return result.error
  }

  it.each([0, 8, 1.5, Number.NaN])("rejects replication factor %s", (rf) => {
    const e = errorOf({ ...base, replicationFactor: rf })
    expect(e._tag).toBe("InvalidReplicationFactor")
    expect(e.message).toBe(`replication factor must be an integer from 1 to 7, got ${rf}`)
  })

  it.each([0, 3, 12, 131072, 0.5])("rejects partition count %s", (partitionCount) => {
    const e = errorOf({ ...base, partitionCount })
    expect(e._tag).toBe("InvalidPartitionCount")
    expect(e.message).toBe(`partition count must be a power of two from 1 to 65536, got ${partitionCount}`)
  })

  it.each([0, 3, 1.5])("rejects zone redundancy at least %s", (atLeast) => {
    const e = errorOf({ ...base, zoneRedundancy: { atLeast } })
    expect(e._tag).toBe("InvalidZoneRedundancy")
    expect(e.message).toBe(`zone redundancy must be an integer from 1 to the replication factor 2, got ${atLeast}`)
  })

  it.each([0, -5, 1.5, Number.POSITIVE_INFINITY])("rejects capacity %s", (capacity) => {
    const e = errorOf({ ...base, nodes: [...nodes, { id: "bad", zone: "z1", capacity }] })
    expect(e).toMatchObject({ _tag: "InvalidCapacity", nodeId: "bad" })
    expect(e.message).toBe(
      `node "bad" has capacity ${capacity}; a capacity must be a positive whole number of bytes (use null for a gateway)`,
    )
  })

  it("rejects a total capacity beyond safe integers", () => {
    const huge = Number.MAX_SAFE_INTEGER
    const e = errorOf({ ...base, nodes: [...nodes, { id: "h1", zone: "z1", capacity: huge }] })
    expect(e._tag).toBe("TotalCapacityTooLarge")
  })

  it("rejects a duplicate node id", () => {
    const e = errorOf({ ...base, nodes: [...nodes, { id: "a", zone: "z2", capacity: 5 }] })
    expect(e).toMatchObject({ _tag: "DuplicateNodeId", nodeId: "a" })
    expect(e.message).toBe(`node id "a" appears more than once in the layout`)
  })

  it("rejects fewer storage nodes than rf (gateways do not count)", () => {
    const e = errorOf({ ...base, replicationFactor: 4 })
    expect(e._tag).toBe("NotEnoughStorageNodes")
    expect(e.message).toBe(
      "replication factor 4 needs at least 4 storage nodes (nodes with a capacity), but the layout has 3",
    )
  })

  it("rejects fewer zones than the zone redundancy", () => {
    const e = errorOf({ ...base, replicationFactor: 3, zoneRedundancy: { atLeast: 3 } })
    expect(e._tag).toBe("NotEnoughZones")
    expect(e.message).toBe("zone redundancy 3 needs storage nodes in at least 3 zones, but they are in 2 (z1, z2)")
  })

  it("rejects a previous assignment naming an unknown node", () => {
    const previous = Array.from({ length: 8 }, (_, p) => (p === 5 ? ["a", "ghost"] : ["a", "c"]))
    const e = errorOf({ ...base, previous })
    expect(e).toMatchObject({ _tag: "UnknownNodeInPrevious", nodeId: "ghost", partition: 5 })
    expect(e.message).toBe(
      `previous assignment places partition 5 on node "ghost", which is neither in the layout nor listed as removed`,
    )
  })

  it("rejects a previous assignment of the wrong length or with a repeated node", () => {
    expect(errorOf({ ...base, previous: [["a"]] }).message).toBe(
      "previous assignment has 1 partitions, expected 8",
    )
    const previous = Array.from({ length: 8 }, (_, p) => (p === 2 ? ["c", "c"] : ["a", "c"]))
    const e = errorOf({ ...base, previous })
    expect(e._tag).toBe("InvalidPreviousAssignment")
    expect(e.message).toBe(`previous assignment lists node "c" twice for partition 2`)
  })

  it("rejects capacities too small for any assignment", () => {
    const tiny: LayoutNode[] = [
      { id: "a", zone: "z1", capacity: 1 },
      { id: "b", zone: "z2", capacity: 1 },
    ]
    const e = errorOf({ nodes: tiny, replicationFactor: 2, zoneRedundancy: "maximum", partitionCount: 4 })
    expect(e._tag).toBe("InsufficientCapacity")
    expect(e.message).toBe(
      "no assignment exists even with 1-byte partitions: 4 partitions × 2 replicas cannot be placed on 2 storage nodes with total capacity 2 bytes under zone redundancy 2",
    )
  })
})
