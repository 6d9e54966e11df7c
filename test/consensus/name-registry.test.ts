// Unit tests of the name registry's pure parts: ballots, change functions, backoff PRNG,
// projection, message schemas, and one uncontended claim run by hand.
import fc from "fast-check"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { arbitraryOf } from "../../src/core/schema-arbitrary.ts"
import { BOTTOM, ballot, compareBallot } from "../../src/core/consensus/ballot.ts"
import { change, rank } from "../../src/core/consensus/change.ts"
import { backoffDelay } from "../../src/core/consensus/prng.ts"
import { NameMsgSchema, type NameOp } from "../../src/core/consensus/name-messages.ts"
import { defaultParams, nameRegistry, resultOf } from "../../src/core/consensus/name-registry.ts"
import { project } from "../../src/core/consensus/projection.ts"

const claim: NameOp = { _tag: "Claim", name: "n", bucketId: "B", reqId: "r", ownerKey: "k", initParams: { quotaBytes: null } }

describe("ballots", () => {
  it("order cfg, then round, then node; BOTTOM is below all", () => {
    expect(compareBallot(ballot(1, 2, "a"), ballot(2, 0, "a"))).toBeLessThan(0)
    expect(compareBallot(ballot(1, 2, "a"), ballot(1, 1, "z"))).toBeGreaterThan(0)
    expect(compareBallot(ballot(1, 1, "a"), ballot(1, 1, "b"))).toBeLessThan(0)
    expect(compareBallot(BOTTOM, ballot(0, 0, ""))).toBeLessThan(0)
  })
})

describe("change functions", () => {
  it("claim binds a free name at gen+1 and reveals an existing binding", () => {
    const v = change(claim, null)
    expect(v).toMatchObject({ _tag: "Bound", gen: 1, bucketId: "B" })
    expect(change({ ...claim, bucketId: "C", reqId: "s" }, v)).toBe(v)
    expect(change(claim, { _tag: "Free", gen: 3 })).toMatchObject({ gen: 4 })
  })
  it("release frees only its own bucket; rank never decreases under any change", () => {
    const v = change(claim, null)
    expect(change({ _tag: "Release", name: "n", bucketId: "B", reqId: "x" }, v)).toEqual({ _tag: "Free", gen: 1 })
    expect(change({ _tag: "Release", name: "n", bucketId: "C", reqId: "x" }, v)).toBe(v)
    for (const op of [claim, { _tag: "Release", name: "n", bucketId: "B", reqId: "x" } as NameOp, { _tag: "Read", name: "n", reqId: "y" } as NameOp]) {
      for (const cur of [null, v, { _tag: "Free" as const, gen: 1 }]) expect(rank(change(op, cur))).toBeGreaterThanOrEqual(rank(cur))
    }
  })
  it("outcomes: Created, BucketAlreadyOwnedByYou, BucketAlreadyExists", () => {
    const mine = change(claim, null)
    expect(resultOf(claim, mine)).toEqual({ _tag: "Created", bucketId: "B" })
    expect(resultOf({ ...claim, reqId: "other", bucketId: "C" }, mine)).toEqual({ _tag: "BucketAlreadyOwnedByYou", bucketId: "B" })
    expect(resultOf({ ...claim, reqId: "other", ownerKey: "k2" }, mine)).toEqual({ _tag: "BucketAlreadyExists" })
  })
})

describe("backoff", () => {
  it("is deterministic from the seed and within [1, min(cap, base·2^attempt))", () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(20), (seed, attempt) => {
        const a = backoffDelay(seed, attempt, 100, 1600)
        expect(backoffDelay(seed, attempt, 100, 1600)).toEqual(a)
        return a.delayMs >= 1 && a.delayMs <= Math.min(1600, 100 * 2 ** attempt)
      }),
    )
  })
})

describe("projection", () => {
  it("a bound decision creates one bucket row; a later generation supersedes; lower ranks change nothing", () => {
    const b1 = change(claim, null)!
    const p1 = project({ alias: {}, buckets: {} }, "n", ballot(1, 1, "p"), b1)
    expect(Object.keys(p1.rows.buckets)).toEqual(["B"])
    const f1 = project(p1.rows, "n", ballot(1, 2, "p"), { _tag: "Free", gen: 1 })
    expect(f1.rows.buckets["B"]!.deleted).toBe(true)
    expect(project(f1.rows, "n", ballot(1, 1, "p"), b1).rows).toBe(f1.rows)
  })
})

describe("messages", () => {
  it("every generated message decodes with its Schema", () => {
    const decode = Schema.decodeUnknownExit(NameMsgSchema)
    fc.assert(fc.property(arbitraryOf(NameMsgSchema), (m) => decode(m)._tag === "Success"), { numRuns: 200 })
  })
})

describe("an uncontended claim, step by step", () => {
  it("a voter proposer persists before sending, then decides with two promises and two accepts", () => {
    const params = defaultParams(["a", "b", "c"], ["a", "b", "c"])
    let s = nameRegistry.step(nameRegistry.init("a", params), { _tag: "Recover", persisted: [] }).state
    const r1 = nameRegistry.step(s, { _tag: "Request", id: "c1", op: claim })
    const tags = r1.out.map((o) => o._tag)
    expect(tags.indexOf("Persist")).toBeLessThan(tags.indexOf("Send"))
    s = r1.state
    const b = s.ops["r"]!.b
    for (const from of ["a", "b"]) s = nameRegistry.step(s, { _tag: "Recv", from, msg: { _tag: "Promise", name: "n", b, accBal: BOTTOM, accVal: null } }).state
    expect(s.ops["r"]!.phase).toBe("accept")
    s = nameRegistry.step(s, { _tag: "Recv", from: "a", msg: { _tag: "Accepted", name: "n", b } }).state
    const last = nameRegistry.step(s, { _tag: "Recv", from: "c", msg: { _tag: "Accepted", name: "n", b } })
    expect(last.out).toContainEqual({ _tag: "Reply", id: "c1", result: { _tag: "Created", bucketId: "B" } })
    expect(last.state.rows.alias["n"]).toMatchObject({ kind: "bound", bucketId: "B", gen: 1 })
  })
})

describe("reads", () => {
  it("a read keeps no intent: nothing persisted for it, and it is forgotten once answered (each lookup has a fresh request id)", () => {
    const params = defaultParams(["a", "b", "c"], ["a", "b", "c"])
    let s = nameRegistry.step(nameRegistry.init("a", params), { _tag: "Recover", persisted: [] }).state
    const read: NameOp = { _tag: "Read", name: "n", reqId: "read/1" }
    const r1 = nameRegistry.step(s, { _tag: "Request", id: "c1", op: read })
    expect(r1.out.filter((o) => o._tag === "Persist" && o.key.startsWith("intent/"))).toEqual([])
    s = r1.state
    const b = s.ops["read/1"]!.b
    const bound = change(claim, null)
    for (const from of ["a", "b"]) s = nameRegistry.step(s, { _tag: "Recv", from, msg: { _tag: "Promise", name: "n", b, accBal: ballot(1, 1, "z"), accVal: bound } }).state
    // The read completes the value it found (phase 2 with the same value), then answers.
    s = nameRegistry.step(s, { _tag: "Recv", from: "a", msg: { _tag: "Accepted", name: "n", b } }).state
    const last = nameRegistry.step(s, { _tag: "Recv", from: "b", msg: { _tag: "Accepted", name: "n", b } })
    expect(last.out).toContainEqual({ _tag: "Reply", id: "c1", result: { _tag: "Value", val: bound } })
    expect(last.out.filter((o) => o._tag === "Persist" && o.key.startsWith("intent/"))).toEqual([])
    expect(last.state.ops["read/1"]).toBeUndefined()
    expect(last.state.rows.alias["n"]).toMatchObject({ kind: "bound", bucketId: "B" })
    // A claim's intent is still kept for retries and recovery.
    const c = nameRegistry.step(last.state, { _tag: "Request", id: "c2", op: { ...claim, reqId: "r2" } })
    expect(c.out.some((o) => o._tag === "Persist" && o.key === "intent/r2")).toBe(true)
  })

  it("a read intent left on disk by an earlier version, finished or not, is neither resumed nor kept, and its record is forgotten", () => {
    const params = defaultParams(["a", "b", "c"], ["a", "b", "c"])
    const read: NameOp = { _tag: "Read", name: "n", reqId: "read/old" }
    for (const done of [false, true]) {
      const r = nameRegistry.step(nameRegistry.init("a", params), {
        _tag: "Recover",
        persisted: [{ key: "intent/read/old", record: { _tag: "Intent", op: read, outcome: null, done, b: BOTTOM } }],
      })
      expect(r.state.ops["read/old"]).toBeUndefined()
      expect(r.out.filter((o) => o._tag === "Send")).toEqual([])
      expect(r.out).toContainEqual({ _tag: "Forget", key: "intent/read/old" })
    }
  })
})

describe("decided intents", () => {
  /** One uncontended claim of `name` by proposer "a", run by hand to its decision. */
  const claimByHand = (s: ReturnType<typeof nameRegistry.init>, name: string, reqId: string) => {
    const op: NameOp = { ...claim, name, reqId, bucketId: `B-${name}` }
    s = nameRegistry.step(s, { _tag: "Request", id: `c-${reqId}`, op }).state
    const b = s.ops[reqId]!.b
    for (const from of ["a", "b"]) s = nameRegistry.step(s, { _tag: "Recv", from, msg: { _tag: "Promise", name, b, accBal: BOTTOM, accVal: null } }).state
    s = nameRegistry.step(s, { _tag: "Recv", from: "a", msg: { _tag: "Accepted", name, b } }).state
    return nameRegistry.step(s, { _tag: "Recv", from: "b", msg: { _tag: "Accepted", name, b } })
  }

  it("at most keepDecided stay: the oldest are forgotten with their records, in the step that decides a newer one", () => {
    const params = { ...defaultParams(["a", "b", "c"], ["a", "b", "c"]), keepDecided: 2 }
    let s = nameRegistry.step(nameRegistry.init("a", params), { _tag: "Recover", persisted: [] }).state
    const forgotten: string[] = []
    for (const [i, name] of ["n1", "n2", "n3", "n4"].entries()) {
      const r = claimByHand(s, name, `r${i + 1}`)
      expect(r.out).toContainEqual({ _tag: "Reply", id: `c-r${i + 1}`, result: { _tag: "Created", bucketId: `B-${name}` } })
      for (const o of r.out) if (o._tag === "Forget") forgotten.push(o.key)
      s = r.state
    }
    expect(forgotten).toEqual(["intent/r1", "intent/r2"])
    expect(Object.keys(s.ops)).toEqual(["r3", "r4"])
    // The decisions themselves stay: forgetting an intent drops only the answer kept for a retry.
    expect(Object.keys(s.rows.alias).sort()).toEqual(["n1", "n2", "n3", "n4"])
    // A retry of a forgotten claim proposes again, and the bound value (which carries its
    // request id) gives it the same answer.
    const again = nameRegistry.step(s, { _tag: "Request", id: "retry", op: { ...claim, name: "n1", reqId: "r1", bucketId: "B-n1" } })
    const b = again.state.ops["r1"]!.b
    let t = again.state
    for (const from of ["a", "b"])
      t = nameRegistry.step(t, { _tag: "Recv", from, msg: { _tag: "Promise", name: "n1", b, accBal: ballot(1, 1, "a"), accVal: change({ ...claim, name: "n1", reqId: "r1", bucketId: "B-n1" }, null) } }).state
    t = nameRegistry.step(t, { _tag: "Recv", from: "a", msg: { _tag: "Accepted", name: "n1", b } }).state
    const last = nameRegistry.step(t, { _tag: "Recv", from: "b", msg: { _tag: "Accepted", name: "n1", b } })
    expect(last.out).toContainEqual({ _tag: "Reply", id: "retry", result: { _tag: "Created", bucketId: "B-n1" } })
  })

  it("keepDecided 0 keeps every decided intent", () => {
    const params = { ...defaultParams(["a", "b", "c"], ["a", "b", "c"]), keepDecided: 0 }
    let s = nameRegistry.step(nameRegistry.init("a", params), { _tag: "Recover", persisted: [] }).state
    for (const [i, name] of ["n1", "n2", "n3"].entries()) {
      const r = claimByHand(s, name, `r${i + 1}`)
      expect(r.out.some((o) => o._tag === "Forget")).toBe(false)
      s = r.state
    }
    expect(Object.keys(s.ops)).toEqual(["r1", "r2", "r3"])
  })
})
