// Unit and property tests of the layout history functions (src/core/layout/history.ts).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  ackFree,
  ackMin,
  adoptVersion,
  completeSync,
  initialHistory,
  type LayoutHistory,
  type LayoutVersion,
  mergeHistory,
  mergeTrackers,
  readVersion,
  retireVersions,
  syncTarget,
  type UpdateTrackers,
  updateOwnTrackers,
} from "../../src/core/layout/history.ts"

const nodes = ["a", "b", "c"]
const version = (v: number, sets: string[][]): LayoutVersion => ({
  version: v,
  nodes,
  partitions: sets,
  writeQuorum: 2,
  readQuorum: 2,
})
const v1 = version(1, [["a", "b", "c"]])
const v2 = version(2, [["a", "b", "c"]])
const v3 = version(3, [["a", "b", "c"]])

const withTrackers = (h: LayoutHistory, t: Partial<UpdateTrackers>): LayoutHistory => ({ ...h, trackers: { ...h.trackers, ...t } })

const trackerArb = fc.dictionary(fc.constantFrom(...nodes), fc.integer({ min: 1, max: 4 }))
const trackersArb = fc.record({ ack: trackerArb, sync: trackerArb, syncAck: trackerArb })

describe("trackers merge by per-node max", () => {
  it("is commutative, associative, idempotent, and returns its input when nothing changes", () => {
    fc.assert(
      fc.property(trackersArb, trackersArb, trackersArb, (a, b, c) => {
        const norm = (t: UpdateTrackers) => JSON.stringify([t.ack, t.sync, t.syncAck].map((x) => Object.entries(x).sort()))
        expect(norm(mergeTrackers(a, b))).toBe(norm(mergeTrackers(b, a)))
        expect(norm(mergeTrackers(mergeTrackers(a, b), c))).toBe(norm(mergeTrackers(a, mergeTrackers(b, c))))
        expect(mergeTrackers(a, a)).toBe(a)
        const ab = mergeTrackers(a, b)
        expect(mergeTrackers(ab, b)).toBe(ab)
      }),
    )
  })
})

describe("read version", () => {
  const h = adoptVersion(initialHistory(v1), v2)
  it("stays on the old version until W nodes of its sets have synced for the new one", () => {
    expect(readVersion(h)).toBe(1)
    expect(readVersion(withTrackers(h, { sync: { a: 2 } }))).toBe(1)
    expect(readVersion(withTrackers(h, { sync: { a: 2, c: 2 } }))).toBe(2)
  })
  it("is downward closed: the newest synced version, never a gap", () => {
    const h3 = adoptVersion(h, v3)
    // Syncs for 3 on W nodes of v1 and v2: read version 3 (which also implies 2).
    expect(readVersion(withTrackers(h3, { sync: { a: 3, b: 3 } }))).toBe(3)
    expect(readVersion(withTrackers(h3, { sync: { a: 2, b: 2 } }))).toBe(2)
  })
})

describe("ack lock and sync target", () => {
  const h = adoptVersion(initialHistory(v1), v2)
  it("acks the oldest version a write in flight was planned against", () => {
    expect(ackFree(h, [])).toBe(2)
    expect(ackFree(h, [1])).toBe(1)
    expect(ackFree(h, [2, 1])).toBe(1)
  })
  it("AckMin is the minimum over every node; missing counts as MinStored", () => {
    expect(ackMin(h)).toBe(1)
    expect(ackMin(withTrackers(h, { ack: { a: 2, b: 2 } }))).toBe(1)
    expect(ackMin(withTrackers(h, { ack: { a: 2, b: 2, c: 2 } }))).toBe(2)
  })
  it("a sync targets at most ReadVersion + 1 (sync chaining) and AckMin", () => {
    const h3 = withTrackers(adoptVersion(h, v3), { ack: { a: 3, b: 3, c: 3 } })
    expect(syncTarget(h3)).toBe(2)
    expect(syncTarget(withTrackers(h3, { sync: { a: 2, b: 2 } }))).toBe(3)
  })
})

describe("retirement", () => {
  const h = adoptVersion(initialHistory(v1), v2)
  it("retires v1 only once every node of the current version has syncAck > 1", () => {
    expect(retireVersions(withTrackers(h, { syncAck: { a: 2, b: 2 } })).versions.map((v) => v.version)).toEqual([1, 2])
    expect(retireVersions(withTrackers(h, { syncAck: { a: 2, b: 2, c: 2 } })).versions.map((v) => v.version)).toEqual([2])
  })
  it("updateOwnTrackers then completeSync moves a node through ack, sync and syncAck", () => {
    let x = updateOwnTrackers(h, "a", [])
    expect(x.trackers.ack.a).toBe(2)
    x = completeSync(x, "a", 2)
    x = completeSync(x, "b", 2)
    x = updateOwnTrackers(x, "a", [])
    expect(x.trackers.syncAck.a).toBe(2)
  })
})

describe("merge of gossiped histories", () => {
  it("appends the next versions and merges trackers; takes a history wholesale when far behind", () => {
    const old = initialHistory(v1)
    const newer = withTrackers(adoptVersion(adoptVersion(old, v2), v3), { ack: { a: 3 } })
    expect(mergeHistory(old, newer).versions.map((v) => v.version)).toEqual([1, 2, 3])
    const retired: LayoutHistory = { ...newer, versions: [v3] }
    expect(mergeHistory(old, retired).versions.map((v) => v.version)).toEqual([3])
    expect(mergeHistory(newer, old)).toBe(newer)
  })
})
