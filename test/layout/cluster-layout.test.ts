// The cluster layout's pure parts: staging as a CRDT (merge is a join), the next version
// computed from staged roles, installation and retirement of version 0, and the digest.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  clearStaging,
  emptyLayout,
  installVersion,
  layoutDigest,
  mergeLayout,
  mergeStaging,
  nextVersion,
  stage,
  type Staging,
  stagedRoles,
} from "../../src/core/layout/cluster-layout.ts"

const id = (c: string) => c.repeat(64)
const [A, B, C] = ["a", "b", "c"].map(id) as [string, string, string]
const role = (zone: string, capacity: number | null = 1e9) => ({ zone, capacity, tags: [] })

const stagingArb: fc.Arbitrary<Staging> = fc.record({
  stamp: fc.nat(3),
  roles: fc.dictionary(
    fc.constantFrom(A, B, C),
    fc.record({ ts: fc.nat(5), role: fc.option(fc.record({ zone: fc.constantFrom("x", "y"), capacity: fc.constant(1e9), tags: fc.constant([]) }), { nil: null }) }),
  ),
})

describe("cluster layout", () => {
  it("staging merge is commutative, associative and idempotent", () => {
    fc.assert(
      fc.property(stagingArb, stagingArb, stagingArb, (a, b, c) => {
        expect(mergeStaging(a, b)).toEqual(mergeStaging(b, a))
        expect(mergeStaging(mergeStaging(a, b), c)).toEqual(mergeStaging(a, mergeStaging(b, c)))
        expect(mergeStaging(a, a)).toEqual(a)
      }),
    )
  })

  it("computes the next version from the staged roles, installs it and clears the staging", () => {
    let l = emptyLayout
    expect(nextVersion(l, 3)).toMatchObject({ ok: false })
    for (const [i, n] of [A, B, C].entries()) l = stage(l, n, role(`dc${i}`), 10)
    const next = nextVersion(l, 3)
    if (!next.ok) throw new Error(next.message)
    expect(next.version).toMatchObject({ version: 1, nodes: [A, B, C], writeQuorum: 2, readQuorum: 2, replicationFactor: 3 })
    expect(next.version.partitions.every((p) => p.length === 3)).toBe(true)
    l = installVersion(l, { ...next.version, layoutId: "x" }, A, 20)
    expect(l.history.versions.map((v) => v.version)).toEqual([0, 1])
    expect(l.staging.roles).toEqual({})
    // Version 0 retires once every node of version 1 reads from version 1.
    const fromB = installVersion(emptyLayout, { ...next.version, layoutId: "x" }, B, 20)
    const fromC = installVersion(emptyLayout, { ...next.version, layoutId: "x" }, C, 20)
    l = mergeLayout(mergeLayout(l, fromB, A), fromC, A)
    expect(l.history.versions.map((v) => v.version)).toEqual([1])
    // A removal needs the node to leave the next version; too few storage nodes is an error.
    l = stage(l, C, null, 30)
    expect(Object.keys(stagedRoles(l)).sort()).toEqual([A, B])
    expect(nextVersion(l, 3)).toMatchObject({ ok: false })
    expect(nextVersion(clearStaging(l, 31), 3)).toMatchObject({ ok: false, message: expect.stringMatching(/no staged changes/) })
  })

  it("the digest changes with the staging and the trackers, and equal layouts have equal digests", () => {
    const a = stage(emptyLayout, A, role("dc1"), 5)
    expect(layoutDigest(a)).not.toBe(layoutDigest(emptyLayout))
    expect(layoutDigest(mergeLayout(emptyLayout, a, B))).toBe(layoutDigest(mergeLayout(a, emptyLayout, B)))
    const tracked = { ...a, history: { ...a.history, trackers: { ...a.history.trackers, ack: { [A]: 3 } } } }
    expect(layoutDigest(tracked)).not.toBe(layoutDigest(a))
  })
})
