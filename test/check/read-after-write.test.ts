import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type HistoryOp, readAfterWriteViolations, type WriteOp } from "../../src/check/read-after-write.ts"

interface Planned {
  readonly kind: "write" | "delete" | "read"
  readonly key: number
  readonly start: number
  readonly length: number
  /** Where in [start, end] the operation takes effect, as a fraction. */
  readonly at: number
  readonly acked: boolean
}

const planned: fc.Arbitrary<Planned> = fc.record({
  kind: fc.constantFrom("write" as const, "write" as const, "delete" as const, "read" as const, "read" as const),
  key: fc.integer({ min: 0, max: 2 }),
  start: fc.integer({ min: 0, max: 1000 }),
  length: fc.integer({ min: 1, max: 200 }),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  acked: fc.boolean(),
})

/**
 * Runs the planned operations on one atomic register per key, each taking effect at its
 * linearization point; `stale` makes reads return the value one write behind.
 */
const record = (plan: readonly Planned[], stale = false): HistoryOp[] => {
  const points = plan.map((p, i) => ({ p, i, point: p.start + p.at * p.length })).sort((a, b) => a.point - b.point || a.i - b.i)
  const current = new Map<number, string | null>()
  const previous = new Map<number, string | null>()
  const out: HistoryOp[] = []
  for (const { p, i } of points) {
    const end = p.start + p.length
    if (p.kind === "read") {
      const value = (stale ? previous.get(p.key) : current.get(p.key)) ?? null
      out.push({ kind: "read", key: `k${p.key}`, value, start: p.start, end })
    } else {
      const value = p.kind === "delete" ? null : `v${i}`
      previous.set(p.key, current.get(p.key) ?? null)
      current.set(p.key, value)
      out.push({ kind: "write", key: `k${p.key}`, value, start: p.start, end: p.acked ? end : undefined })
    }
  }
  return out
}

const w = (key: string, value: string | null, start: number, end: number | undefined): WriteOp => ({ kind: "write", key, value, start, end })

describe("read-after-write history checker", () => {
  it("accepts every history of atomic registers", () => {
    fc.assert(fc.property(fc.array(planned, { maxLength: 40 }), (plan) => {
        expect(readAfterWriteViolations(record(plan))).toEqual([])
      }), { numRuns: 2000 })
  })

  it("finds stale reads in registers that answer one write behind", () => {
    let found = 0
    fc.assert(
      fc.property(fc.array(planned, { minLength: 5, maxLength: 40 }), (plan) => {
        if (readAfterWriteViolations(record(plan, true)).length > 0) found++
      }),
      { numRuns: 500, seed: 7 },
    )
    expect(found).toBeGreaterThan(100)
  })

  it("flags a value older than an acknowledged write, a lost write, and an invented value", () => {
    const history: HistoryOp[] = [
      w("a", "1", 0, 10),
      w("a", "2", 20, 30),
      { kind: "read", key: "a", value: "1", start: 40, end: 50 },
      { kind: "read", key: "a", value: null, start: 40, end: 50 },
      { kind: "read", key: "a", value: "9", start: 40, end: 50 },
    ]
    expect(readAfterWriteViolations(history).map((v) => v.read.value)).toEqual(["1", null, "9"])
  })

  it("allows overlapping writes in either order, and unacknowledged writes and deletes to win", () => {
    const history: HistoryOp[] = [
      w("a", "1", 0, 30),
      w("a", "2", 10, 20),
      { kind: "read", key: "a", value: "1", start: 40, end: 50 },
      { kind: "read", key: "a", value: "2", start: 40, end: 50 },
      w("b", "1", 0, 10),
      w("b", null, 5, undefined),
      w("b", "3", 20, undefined),
      { kind: "read", key: "b", value: null, start: 40, end: 50 },
      { kind: "read", key: "b", value: "3", start: 40, end: 50 },
    ]
    expect(readAfterWriteViolations(history)).toEqual([])
  })

  it("catches a value read before its write began", () => {
    const history: HistoryOp[] = [w("a", "1", 60, 70), { kind: "read", key: "a", value: "1", start: 40, end: 50 }]
    expect(readAfterWriteViolations(history)).toHaveLength(1)
  })
})
