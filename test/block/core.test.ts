// The pure decisions of the block layer: refcount with delayed deletion, retry backoff,
// write quorum, read order, the hedged-read state machine and the resync decision.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type HedgeAction, type HedgeEvent, hedgeStep, startHedge } from "../../src/core/block/hedged-read.ts"
import { readOrder } from "../../src/core/block/read-order.ts"
import { type BlockRc, decref, incref, isDeletable, isNeeded, touch } from "../../src/core/block/refcount.ts"
import { resyncAction } from "../../src/core/block/resync-decision.ts"
import { retryDelay } from "../../src/core/block/retry-policy.ts"
import { quorumOf, writeQuorumStatus } from "../../src/core/block/write-quorum.ts"

describe("refcount", () => {
  const delay = 1000
  type Op = { op: "inc" } | { op: "dec" } | { op: "touch" } | { op: "wait"; ms: number }
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant({ op: "inc" as const }),
    fc.constant({ op: "dec" as const }),
    fc.constant({ op: "touch" as const }),
    fc.integer({ min: 0, max: 1500 }).map((ms) => ({ op: "wait" as const, ms })),
  )

  it("agrees with a model: deletable iff the count is 0 and has been 0 (untouched) for the delay", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let rc: BlockRc | undefined
        let now = 0
        // Model: net count and the time from which it has been zero (or was last touched).
        let count = 0
        let known = false
        let zeroSince: number | undefined
        for (const o of ops) {
          if (o.op === "inc") {
            rc = incref(rc)
            count++
            known = true
            zeroSince = undefined
          } else if (o.op === "dec") {
            rc = decref(rc, now, delay)
            if (count > 0) count--
            if (count === 0 && zeroSince === undefined) zeroSince = now
            known = true
          } else if (o.op === "touch") {
            rc = touch(rc, now, delay)
            if (count === 0) {
              known = true // a write nobody references yet is collected unless a reference comes
              zeroSince = Math.max(zeroSince ?? 0, now)
            }
          } else now += o.ms
          expect(rc?.count ?? 0).toBe(count)
          const deletable = known && count === 0 && zeroSince !== undefined && now >= zeroSince + delay
          expect(isDeletable(rc, now)).toBe(deletable)
          expect(isNeeded(rc, now)).toBe(known && !deletable)
        }
      }),
    )
  })

  it("a new reference before the deadline keeps the block", () => {
    const zero = decref(incref(undefined), 0, delay)
    expect(isDeletable(zero, delay)).toBe(true)
    const again = incref(zero)
    expect(isDeletable(again, 10 * delay)).toBe(false)
    expect(isDeletable(decref(again, 500, delay), delay)).toBe(false)
    expect(isDeletable(decref(again, 500, delay), 500 + delay)).toBe(true)
  })

  it("an unknown block is neither needed nor deletable", () => {
    expect(isNeeded(undefined, 0)).toBe(false)
    expect(isDeletable(undefined, 1e12)).toBe(false)
  })
})

describe("retry policy", () => {
  it("doubles from the base and stops at the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }), (k, base, cap) => {
        const p = { baseMs: base, capMs: cap }
        const d = retryDelay(k, p)
        expect(d).toBeLessThanOrEqual(cap)
        expect(d).toBe(Math.min(cap, base * 2 ** (k - 1)))
        expect(retryDelay(k + 1, p)).toBeGreaterThanOrEqual(d)
      }),
    )
    expect([1, 2, 3, 7, 8].map((k) => retryDelay(k, { baseMs: 60_000, capMs: 3_840_000 }))).toEqual([60_000, 120_000, 240_000, 3_840_000, 3_840_000])
  })
})

describe("write quorum", () => {
  const setsArb = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 5 }).map(String), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 })

  it("is reached iff every set has a majority of acks, impossible iff some set cannot get one", () => {
    fc.assert(
      fc.property(setsArb, fc.array(fc.constantFrom("ack", "fail", "none"), { minLength: 6, maxLength: 6 }), (sets, fate) => {
        const acked = new Set(fate.flatMap((f, i) => (f === "ack" ? [String(i)] : [])))
        const failed = new Set(fate.flatMap((f, i) => (f === "fail" ? [String(i)] : [])))
        const status = writeQuorumStatus(sets, acked, failed)
        const reached = sets.every((s) => s.filter((n) => acked.has(n)).length >= quorumOf(s.length))
        const impossible = sets.some((s) => s.filter((n) => !failed.has(n)).length < quorumOf(s.length))
        expect(status).toBe(impossible ? "impossible" : reached ? "reached" : "pending")
      }),
    )
  })

  it("needs a quorum in each active version, not just overall", () => {
    const sets = [["a", "b", "c"], ["c", "d", "e"]]
    expect(writeQuorumStatus(sets, new Set(["a", "b", "c"]), new Set())).toBe("pending")
    expect(writeQuorumStatus(sets, new Set(["a", "c", "d"]), new Set())).toBe("reached")
    expect(writeQuorumStatus(sets, new Set(["a"]), new Set(["d", "e"]))).toBe("impossible")
    expect(writeQuorumStatus([], new Set(), new Set())).toBe("impossible")
  })
})

describe("read order", () => {
  it("skips itself, puts measured holders nearest first, then unmeasured holders, then the others", () => {
    const rtt = new Map([
      ["c", 5],
      ["b", 20],
    ])
    expect(readOrder("a", ["a", "d", "b", "c"], ["e", "b", "a"], rtt)).toEqual(["c", "b", "d", "e"])
  })
})

describe("hedged read", () => {
  type Ev = HedgeEvent
  const evArb = (n: number): fc.Arbitrary<Ev> =>
    fc.oneof(
      fc.constant<Ev>({ _tag: "HedgeTimer" }),
      fc.integer({ min: 0, max: n - 1 }).map<Ev>((index) => ({ _tag: "Failed", index })),
      fc.integer({ min: 0, max: n - 1 }).map<Ev>((index) => ({ _tag: "Succeeded", index })),
    )

  it("asks each candidate at most once, never more than maxInFlight at once, and gives up only after every candidate failed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: 3 }), fc.array(evArb(n), { maxLength: 30 }))),
        ([n, max, events]) => {
          let { state, actions } = startHedge(n, max)
          const asked: number[] = []
          const failed = new Set<number>()
          const all: HedgeAction[] = [...actions]
          for (const e of events) {
            // The shell only reports outcomes of requests it sent.
            if (e._tag !== "HedgeTimer" && !state.inFlight.includes(e.index)) continue
            if (e._tag === "Failed") failed.add(e.index)
            const r = hedgeStep(state, e)
            state = r.state
            all.push(...r.actions)
            expect(state.inFlight.length).toBeLessThanOrEqual(max)
          }
          for (const a of all) if (a._tag === "Ask") asked.push(a.index)
          expect(new Set(asked).size).toBe(asked.length)
          expect(asked).toEqual([...asked].sort((x, y) => x - y))
          const gaveUp = all.some((a) => a._tag === "GiveUp")
          expect(gaveUp).toBe(state.outcome === "all-failed")
          if (gaveUp) expect(failed.size).toBe(n)
          const delivered = all.filter((a) => a._tag === "Deliver")
          expect(delivered.length).toBeLessThanOrEqual(1)
          if (delivered.length === 1) expect(gaveUp).toBe(false)
        },
      ),
    )
  })

  it("hedges on the timer and cancels the loser", () => {
    let r = startHedge(3, 2)
    expect(r.actions).toEqual([{ _tag: "Ask", index: 0 }, { _tag: "ArmTimer" }])
    r = hedgeStep(r.state, { _tag: "HedgeTimer" })
    expect(r.actions).toEqual([{ _tag: "Ask", index: 1 }, { _tag: "ArmTimer" }])
    r = hedgeStep(r.state, { _tag: "HedgeTimer" }) // two in flight: wait
    expect(r.actions).toEqual([])
    r = hedgeStep(r.state, { _tag: "Succeeded", index: 1 })
    expect(r.actions).toEqual([{ _tag: "Deliver", index: 1 }, { _tag: "Cancel", index: 0 }])
  })

  it("moves on at once when a candidate fails (wrong hash, missing)", () => {
    let r = startHedge(2, 1)
    r = hedgeStep(r.state, { _tag: "Failed", index: 0 })
    expect(r.actions).toEqual([{ _tag: "Ask", index: 1 }])
    r = hedgeStep(r.state, { _tag: "Failed", index: 1 })
    expect(r.actions).toEqual([{ _tag: "GiveUp" }])
  })
})

describe("resync decision", () => {
  const base = { isHolder: true, present: true, rc: undefined, lost: false, now: 100 }
  it("covers each case", () => {
    expect(resyncAction({ ...base, rc: { count: 0, deletableAt: 50 } })).toBe("delete")
    expect(resyncAction({ ...base, present: false, rc: { count: 0, deletableAt: 50 } })).toBe("delete")
    expect(resyncAction({ ...base, rc: { count: 0, deletableAt: 150 } })).toBe("replicate")
    expect(resyncAction({ ...base, isHolder: false, rc: { count: 2 } })).toBe("offload")
    expect(resyncAction({ ...base, present: false, rc: { count: 1 } })).toBe("fetch")
    expect(resyncAction({ ...base, present: false, lost: true })).toBe("fetch")
    expect(resyncAction({ ...base, present: false })).toBe("nothing")
    expect(resyncAction({ ...base, present: false, isHolder: false, rc: { count: 1 } })).toBe("nothing")
    // Just after a start, a block never referenced here is kept past its deadline; others are not.
    const orphan = { count: 0, deletableAt: 50, neverReferenced: true as const }
    expect(resyncAction({ ...base, rc: orphan, holdNeverReferenced: true })).toBe("nothing")
    expect(resyncAction({ ...base, rc: orphan, holdNeverReferenced: false })).toBe("delete")
    expect(resyncAction({ ...base, rc: { count: 0, deletableAt: 50 }, holdNeverReferenced: true })).toBe("delete")
  })

  it("a write marks an unknown block never referenced; a reference clears the mark for good", () => {
    const written = touch(undefined, 0, 100)
    expect(written).toEqual({ count: 0, deletableAt: 100, neverReferenced: true })
    expect(touch(written, 50, 100)).toEqual({ count: 0, deletableAt: 150, neverReferenced: true })
    const released = decref(incref(written), 60, 100)
    expect(released).toEqual({ count: 0, deletableAt: 160 })
    expect(touch(released, 70, 100)).toEqual({ count: 0, deletableAt: 170 })
  })
  it("never deletes a referenced block and never fetches a block this node does not hold", () => {
    const rcArb = fc.option(fc.record({ count: fc.nat(3), deletableAt: fc.option(fc.nat(200), { nil: undefined }) }), { nil: undefined })
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), rcArb, fc.boolean(), fc.nat(200), (isHolder, present, rc, lost, now) => {
        const a = resyncAction({ isHolder, present, rc, lost, now })
        if (rc !== undefined && rc.count > 0) expect(a).not.toBe("delete")
        if (!isHolder) expect(a).not.toBe("fetch")
        if (present && !isDeletable(rc, now)) expect(["replicate", "offload"]).toContain(a)
      }),
    )
  })
})
