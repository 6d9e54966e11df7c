import { describe, expect, it } from "vitest"
import { compareHlc, lww, lwwLeq, mergeLww, type Lww } from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { hlcArb, lwwArb, wordArb } from "./arbitraries.ts"
import fc from "fast-check"

type L = Lww<string>
const arb = lwwArb(wordArb)
const merge = (a: L, b: L): L => mergeLww(a, b)
const leq = (a: L, b: L): boolean => lwwLeq(a, b)

checkSemilatticeLaws("Lww<string>", arb, merge, leq)
// Inner merge on equal timestamps (here: set union of small sorted arrays).
const union = (x: readonly string[], y: readonly string[]): readonly string[] =>
  y.every((v) => x.includes(v)) ? x : [...new Set([...x, ...y])].sort()
const subset = (x: readonly string[], y: readonly string[]): boolean => x.every((v) => y.includes(v))
const setArb: fc.Arbitrary<readonly string[]> = fc.subarray(["a", "b", "c"])
checkSemilatticeLaws(
  "Lww<set> with inner merge on ties",
  lwwArb(setArb),
  (a, b) => mergeLww(a, b, union),
  (a, b) => lwwLeq(a, b, subset),
)

describe("Lww mutants are caught", () => {
  // Tie broken by arrival order: whichever merged in second wins.
  const arrival = (a: L, b: L): L => (compareHlc(a.ts, b.ts) > 0 ? a : b)
  expectLawBroken("tie by arrival order", "commutative", arb, arrival, leq)
  expectLawBroken("tie by arrival order", "monotone", arb, arrival, leq)
  // Lower timestamp wins: lawful shape, wrong direction.
  const oldest = (a: L, b: L): L => (lwwLeq(a, b) ? a : b)
  expectLawBroken("oldest write wins", "monotone", arb, oldest, leq)
  // Each merge bumps the logical counter: replicas never stop exchanging "news".
  const bumps = (a: L, b: L): L => {
    const m = merge(a, b)
    return { ts: { l: m.ts.l, c: m.ts.c + 1 }, value: m.value }
  }
  expectLawBroken("merge bumps the counter", "idempotent", arb, bumps, leq)
  // An order that ignores the value on equal timestamps does not match the merge.
  const tsOnlyLeq = (a: L, b: L): boolean => compareHlc(a.ts, b.ts) <= 0
  expectLawBroken("leq ignores value on ties", "leqMatchesMerge", arb, merge, tsOnlyLeq)
})

describe("Lww", () => {
  it("higher timestamp wins regardless of value", () => {
    const a = lww({ l: 2, c: 0 }, "a")
    const b = lww({ l: 1, c: 5 }, "z")
    expect(mergeLww(a, b)).toBe(a)
    expect(mergeLww(b, a)).toBe(a)
  })
  it("equal timestamps: the larger value wins on every replica", () => {
    const a = lww({ l: 1, c: 0 }, "a")
    const b = lww({ l: 1, c: 0 }, "b")
    expect(mergeLww(a, b)).toBe(b)
    expect(mergeLww(b, a)).toBe(b)
  })
  it("returns a by reference when a already wins", () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const m = merge(a, b)
        expect(m === a || m === b).toBe(true)
        if (leq(b, a)) expect(m).toBe(a)
      }),
    )
  })
  it("hlcArb produces equal timestamps often enough to exercise ties", () => {
    const samples = fc.sample(fc.tuple(hlcArb, hlcArb), { numRuns: 200, seed: 1 })
    expect(samples.filter(([x, y]) => compareHlc(x, y) === 0).length).toBeGreaterThan(10)
  })
})
