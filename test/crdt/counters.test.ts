import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  gCounterEmpty,
  gCounterIncrement,
  gCounterLeq,
  gCounterValue,
  mergeGCounter,
  mergeMap,
  mergePnCounter,
  pnCounterDecrement,
  pnCounterEmpty,
  pnCounterIncrement,
  pnCounterLeq,
  pnCounterValue,
  type GCounter,
  type PnCounter,
} from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { gCounterArb, pnCounterArb } from "./arbitraries.ts"

checkSemilatticeLaws("GCounter", gCounterArb, mergeGCounter, gCounterLeq)
checkSemilatticeLaws("PnCounter", pnCounterArb, mergePnCounter, pnCounterLeq)

describe("counter mutants are caught", () => {
  const summing = (a: GCounter, b: GCounter): GCounter => mergeMap(a, b, (x, y) => x + y)
  expectLawBroken("G-counter sums per node", "idempotent", gCounterArb, summing, gCounterLeq)
  const minimum = (a: GCounter, b: GCounter): GCounter => mergeMap(a, b, (x, y) => Math.min(x, y))
  expectLawBroken("G-counter takes per-node min", "monotone", gCounterArb, minimum, gCounterLeq)
  // Per-node midpoint: commutative and idempotent, but grouping changes the result.
  const midpoint = (a: GCounter, b: GCounter): GCounter => mergeMap(a, b, (x, y) => (x + y) / 2)
  expectLawBroken("G-counter averages per node", "associative", gCounterArb, midpoint, gCounterLeq)
  const pnSumming = (a: PnCounter, b: PnCounter): PnCounter => ({ p: summing(a.p, b.p), n: summing(a.n, b.n) })
  expectLawBroken("PN-counter sums", "idempotent", pnCounterArb, pnSumming, pnCounterLeq)
})

describe("counters", () => {
  it("value counts every increment once however often states are exchanged", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("n1", "n2", "n3"), fc.integer({ min: -3, max: 3 })), { maxLength: 20 }), (ops) => {
        // Each node applies its own ops; then everyone gossips with everyone, twice.
        const local = new Map<string, PnCounter>()
        let expected = 0
        for (const [node, by] of ops) {
          local.set(node, pnCounterIncrement(local.get(node) ?? pnCounterEmpty, node, by))
          expected += by
        }
        let all = pnCounterEmpty
        for (let round = 0; round < 2; round++) for (const c of local.values()) all = mergePnCounter(all, c)
        expect(pnCounterValue(all)).toBe(expected)
      }),
    )
  })
  it("G-counter increments, rejects negative steps; decrement goes through n", () => {
    const c = gCounterIncrement(gCounterIncrement(gCounterEmpty, "a"), "a", 2)
    expect(gCounterValue(c)).toBe(3)
    expect(() => gCounterIncrement(c, "a", -1)).toThrow(RangeError)
    expect(pnCounterValue(pnCounterDecrement(pnCounterIncrement(pnCounterEmpty, "a", 5), "b", 2))).toBe(3)
  })
})
