// The reducer model checker against an independent reference: a plain breadth-first
// search that keys each state by the canonical JSON of its full decoded view. Equal
// counts show that the interned encoding is canonical and the fingerprint set exact.
import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { Schema } from "effect"
import { canonicalJson } from "../../src/check/canonical-json.ts"
import type { ClusterModel, ClusterView } from "../../src/check/cluster-model.ts"
import { ClusterSemantics } from "../../src/check/cluster-semantics.ts"
import { explore } from "../../src/check/explore.ts"
import { FingerprintSet } from "../../src/check/fingerprint-set.ts"
import { antiEntropyModel, antiEntropyMutants, ciBounds, type AntiEntropyBounds } from "../../src/check/models/anti-entropy.ts"
import { WorldQueue } from "../../src/check/world-queue.ts"
import type { Machine, Protocol } from "../../src/core/machine.ts"
import { reply } from "../../src/core/machine.ts"

/** Reference search: BFS over views keyed by canonical JSON (optionally of the orbit's minimum). */
const referenceCount = <P extends Protocol, G>(model: ClusterModel<P, G>, key: (v: ClusterView<P, G>) => string) => {
  const sem = new ClusterSemantics(model)
  const seen = new Set<string>()
  let frontier = [sem.initialWorld()]
  seen.add(key(sem.view(frontier[0]!)))
  let depth = 1
  let generated = 1
  while (frontier.length > 0) {
    const next: Int32Array[] = []
    for (const w of frontier) {
      sem.successors(w, (s, length) => {
        generated++
        if (length - sem.headerLength > model.maxInFlight) return
        const copy = s.slice(0, length)
        const k = key(sem.view(copy))
        if (seen.has(k)) return
        seen.add(k)
        next.push(copy)
      })
    }
    if (next.length > 0) depth++
    frontier = next
  }
  return { distinct: seen.size, depth, generated }
}

const clients: AntiEntropyBounds["clients"] = [
  { node: "n0", ops: [{ _tag: "Put", key: "x", value: "a" }, { _tag: "Get", key: "x" }] },
  { node: "n1", ops: [{ _tag: "Put", key: "x", value: "b" }] },
]
const small: AntiEntropyBounds[] = [
  { ...ciBounds, crashes: 0, drops: 0, maxInFlight: 1, clients },
  { ...ciBounds, crashes: 1, drops: 0, maxInFlight: 1, network: "set", clients },
  { ...ciBounds, nodes: 2, crashes: 0, drops: 1, duplicates: 1, maxInFlight: 2, clients },
  { ...ciBounds, crashes: 0, drops: 0, partitions: 1, maxInFlight: 1, clients },
]

describe("explore agrees with a reference search", () => {
  it.each(small.map((b) => [JSON.stringify(b), b] as const))("bounds %s", (_, bounds) => {
    const model = antiEntropyModel(bounds)
    const result = explore(model)
    const ref = referenceCount(model, (v) => canonicalJson(v))
    expect(result.outcome).toBe("ok")
    expect(result.distinct).toBe(ref.distinct)
    expect(result.depth).toBe(ref.depth)
    expect(result.generated).toBe(ref.generated)
  })
})

describe("symmetry reduction", () => {
  // n1 and n2 carry no client, so they are interchangeable.
  const bounds: AntiEntropyBounds = {
    ...ciBounds,
    crashes: 1,
    drops: 1,
    maxInFlight: 1,
    clients: [{ node: "n0", ops: [{ _tag: "Put", key: "x", value: "a" }, { _tag: "Get", key: "x" }, { _tag: "Get", key: "x" }] }],
  }
  // Independent of the checker's renaming: swap n1 and n2 in the JSON text, reorder the
  // node list, and permute the ghost's (i, j) bits; the orbit's key is the smaller text.
  const swapText = (text: string) => text.replace(/\bn1\b|\bn2\b/g, (m) => (m === "n1" ? "n2" : "n1"))
  const p = [0, 2, 1]
  const orbitKey = (v: ClusterView<Protocol, unknown>) => {
    const plain = canonicalJson(v)
    const [a, b, c] = v.nodes
    const g = v.ghost as number
    let ghost = 0
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (Math.floor(g / 2 ** (i * 3 + j)) % 2 === 1) ghost += 2 ** (p[i]! * 3 + p[j]!)
    const isolated = v.isolated < 0 ? -1 : p[v.isolated]!
    // Timers are a set: sort them after renaming, as the checker's encoding does.
    const nodes = [a, c, b].map((n) => JSON.parse(swapText(JSON.stringify(n))) as { timers: string[] })
    for (const n of nodes) n.timers.sort()
    const image = canonicalJson({ ...JSON.parse(swapText(JSON.stringify({ ...v, nodes: [] }))), nodes, ghost, isolated })
    return plain < image ? plain : image
  }

  it("explores exactly one state per orbit of the reachable states", () => {
    const full = antiEntropyModel(bounds)
    const result = explore(antiEntropyModel({ ...bounds, symmetry: true }))
    const plain = explore(full)
    const orbits = referenceCount(full, orbitKey as never)
    expect(result.outcome).toBe("ok")
    expect(plain.outcome).toBe("ok")
    expect(result.distinct).toBe(orbits.distinct)
    expect(result.distinct).toBeLessThan(plain.distinct)
    expect(result.distinct * 2).toBeGreaterThanOrEqual(plain.distinct) // orbits have at most 2 states
  })

  it("keeps violations: a mutant is still caught under symmetry", () => {
    const result = explore(antiEntropyModel({ ...bounds, symmetry: true }, antiEntropyMutants["ack-before-persist"]))
    expect(result.outcome).toBe("property")
    expect(result.violated).toBe("ReadsNeverGoBack")
  })

  it("refuses a symmetric node that has a client", () => {
    const model = { ...antiEntropyModel(bounds), symmetricNodes: ["n0", "n2"] }
    expect(() => explore(model)).toThrow(/has a client attached/)
  })
})

// A one-shot machine: answers one request, then has nothing left to do.
interface OneShot extends Protocol {
  readonly State: { readonly done: boolean }
  readonly Msg: never
  readonly Op: string
  readonly Res: string
  readonly Rec: never
  readonly Params: null
}
const oneShot: Machine<OneShot> = {
  name: "one-shot",
  schemas: { msg: Schema.Never, op: Schema.String, res: Schema.String, rec: Schema.Never },
  init: () => ({ done: false }),
  step: (s, input) => (input._tag === "Request" ? { state: { done: true }, out: [reply(input.id, "ok")] } : { state: s, out: [] }),
}
const oneShotModel = (checkDeadlock: boolean): ClusterModel<OneShot, null> => ({
  name: "one-shot",
  machine: oneShot,
  nodes: ["n0"],
  params: () => null,
  clients: [{ node: "n0", ops: ["go"] }],
  network: "multiset",
  faults: { crashes: 0, drops: 0, duplicates: 0, partitions: 0 },
  maxInFlight: 0,
  invariants: [],
  historyProperties: [],
  checkDeadlock,
})

describe("deadlock detection", () => {
  it("reports a state with no successor when asked to, with its trace", () => {
    const result = explore(oneShotModel(true))
    expect(result.outcome).toBe("deadlock")
    expect(result.trace!.steps.map((s) => s.action.kind)).toEqual(["request"])
    expect(explore(oneShotModel(false)).outcome).toBe("ok")
  })
})

describe("fingerprint set", () => {
  it("behaves as a set of 64-bit values, across growth, with parents and actions", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 50 }), fc.nat({ max: 50 })), { maxLength: 3000 }), (fps) => {
        const set = new FingerprintSet(4)
        const reference = new Map<string, number>()
        fps.forEach(([hi, lo], k) => {
          const index = set.add(hi, lo, k, k + 1)
          const key = `${hi},${lo === 0 && hi === 0 ? 1 : lo}`
          if (reference.has(key)) expect(index).toBe(-1)
          else {
            expect(index).toBe(reference.size)
            reference.set(key, k)
          }
        })
        expect(set.size).toBe(reference.size)
        ;[...reference.values()].forEach((k, index) => {
          expect(set.parent(index)).toBe(k)
          expect(set.action(index)).toBe(k + 1)
        })
      }),
      { numRuns: 50 },
    )
  })
})

describe("world queue", () => {
  it("is first-in first-out across chunk boundaries", () => {
    const q = new WorldQueue()
    const n = 400_000 // > one 1M-word chunk at 5 words per record
    for (let i = 0; i < n; i++) q.push(Int32Array.of(i, -i, 7), 3, i)
    for (let i = 0; i < n; i++) {
      const { world, index } = q.shift()!
      if (index !== i || world[0] !== i || world[1] !== -i || world.length !== 3) throw new Error(`bad record ${i}`)
    }
    expect(q.shift()).toBeUndefined()
  })
})
