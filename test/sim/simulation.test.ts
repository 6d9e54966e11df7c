// The deterministic simulator (src/sim) hosting real reducers through the shell's Effect
// services (src/node/services.ts): ordering, determinism, crash = keep only the disk,
// partitions, loss.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { defaultParams, makeRegistry, type RegistryParams } from "../../src/core/consensus/name-registry.ts"
import type { NameOp, NameRes } from "../../src/core/consensus/name-messages.ts"
import { hostReducer } from "../../src/node/services.ts"
import { EventQueue } from "../../src/sim/event-queue.ts"
import { Simulation } from "../../src/sim/simulation.ts"

const nodes = ["a", "b", "c", "d"]
const voters = ["a", "b", "c"]
const params: RegistryParams = { ...defaultParams(voters, nodes), deadlineMs: 3_000, retransmitMs: 200 }
const registry = makeRegistry()
const claim = (node: string, n = 1): NameOp => ({
  _tag: "Claim",
  name: "photos",
  bucketId: `bucket-${node}`,
  reqId: `req-${node}-${n}`,
  ownerKey: `key-${node}`,
  initParams: { quotaBytes: null },
})

const cluster = (options: { seed?: number; dropRate?: number } = {}) => {
  const sim = new Simulation({ nodes, latency: (x, y) => (x === y ? 0 : 5 + nodes.indexOf(x) + 2 * nodes.indexOf(y)), ...options })
  const hosts = new Map(nodes.map((n) => [n, sim.start(n, hostReducer(registry, n, params))] as const))
  const replies: Array<{ at: number; node: string; res: NameRes }> = []
  const request = (at: number, node: string, op: NameOp) =>
    sim.at(at, () => hosts.get(node)!.submit(op, (res) => replies.push({ at: sim.now, node, res })))
  return { sim, hosts, replies, request }
}

describe("EventQueue", () => {
  it("pops events by time, ties in insertion order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue()
        const popped: Array<[number, number]> = []
        times.forEach((t, i) => q.push(t, () => popped.push([t, i])))
        for (let e = q.pop(); e !== undefined; e = q.pop()) e.run()
        const expected = times.map((t, i) => [t, i] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1])
        expect(popped).toEqual(expected)
      }),
    )
  })
})

describe("Simulation hosting the name registry in ReducerHost", () => {
  it("two racing claims: one Created, the other BucketAlreadyExists, at virtual times the latencies imply", () => {
    const { sim, replies, request } = cluster()
    request(0, "a", claim("a"))
    request(0, "d", claim("d"))
    sim.run(10_000)
    expect(replies.map((r) => r.res._tag).sort()).toEqual(["BucketAlreadyExists", "Created"])
    // No reply can come before one round trip to a majority: the nearest majority is ≥ 2 × 5 ms away.
    for (const r of replies) expect(r.at).toBeGreaterThanOrEqual(2 * 2 * 5)
  })

  it("is deterministic: same seed and inputs, same replies, times and message counts", () => {
    const run = (seed: number) => {
      const { sim, replies, request } = cluster({ seed, dropRate: 0.2 })
      request(0, "a", claim("a"))
      request(3, "c", claim("c"))
      request(7, "d", claim("d"))
      sim.run(20_000)
      return { replies, network: { ...sim.network } }
    }
    const first = run(42)
    expect(first.network.dropped).toBeGreaterThan(0)
    expect(run(42)).toEqual(first)
  })

  it("a crash keeps only the disk: voters restarted from their records still refuse a second owner", () => {
    const { sim, hosts, replies, request } = cluster()
    request(0, "a", claim("a"))
    sim.run(1_000)
    expect(replies.map((r) => r.res._tag)).toEqual(["Created"])
    for (const v of voters) sim.crash(v)
    expect(sim.isUp("a")).toBe(false)
    for (const v of voters) sim.restart(v)
    // The restarted hosts are new objects recovered from the simulated disk.
    sim.at(sim.now + 1, () => hosts.get("d")!.submit(claim("d"), (res) => replies.push({ at: sim.now, node: "d", res })))
    sim.run(sim.now + 5_000)
    expect(replies.map((r) => r.res._tag)).toEqual(["Created", "BucketAlreadyExists"])
  })

  it("a proposer cut off from every voter answers Unavailable at its deadline; after heal, a retry with the same request id learns the outcome", () => {
    const { sim, replies, request } = cluster()
    sim.partition(["d"], voters)
    request(0, "d", claim("d"))
    sim.run(5_000)
    expect(replies.map((r) => r.res._tag)).toEqual(["Unavailable"])
    expect(replies[0]!.at).toBeGreaterThanOrEqual(params.deadlineMs)
    sim.heal()
    request(5_001, "d", claim("d"))
    sim.run(10_000)
    expect(replies.map((r) => r.res._tag)).toEqual(["Unavailable", "Created"])
  })

  it("drops messages to a crashed node and counts them", () => {
    const { sim, request, replies } = cluster()
    sim.crash("b")
    sim.crash("c")
    request(0, "a", claim("a"))
    sim.run(5_000)
    expect(replies.map((r) => r.res._tag)).toEqual(["Unavailable"])
    expect(sim.network.dropped).toBeGreaterThan(0)
  })
})
