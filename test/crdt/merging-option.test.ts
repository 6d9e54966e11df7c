import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  gCounterLeq,
  mergeGCounter,
  mergeMergingOption,
  mergingNone,
  mergingOptionGet,
  mergingOptionLeq,
  mergingSome,
  type GCounter,
  type MergingOption,
} from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { gCounterArb, mergingArb } from "./arbitraries.ts"

type O = MergingOption<GCounter>
const arb = mergingArb(gCounterArb)
const merge = (a: O, b: O): O => mergeMergingOption(a, b, mergeGCounter)
const leq = (a: O, b: O): boolean => mergingOptionLeq(a, b, gCounterLeq)

checkSemilatticeLaws("MergingOption<GCounter>", arb, merge, leq)

describe("MergingOption mutants are caught", () => {
  // None treated as top instead of bottom: it erases values.
  const noneWins = (a: O, b: O): O => (a._tag === "None" ? a : b._tag === "None" ? b : merge(a, b))
  expectLawBroken("None absorbs", "monotone", arb, noneWins, leq)
  // First Some wins instead of merging.
  const firstWins = (a: O, b: O): O => (a._tag === "Some" ? a : b)
  expectLawBroken("first Some wins", "commutative", arb, firstWins, leq)
})

describe("MergingOption", () => {
  it("None is the bottom and Some values merge", () => {
    const x = mergingSome({ n1: 2 })
    expect(merge(mergingNone, x)).toBe(x)
    expect(mergingOptionGet(merge(x, mergingSome({ n1: 1, n2: 3 })))).toEqual({ n1: 2, n2: 3 })
    expect(mergingOptionGet(mergingNone)).toBeUndefined()
  })
})
