import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  cancelingCancelled,
  cancelingOptionGet,
  cancelingOptionLeq,
  cancelingSome,
  cancelingUnset,
  mergeCancelingOption,
  type CancelingOption,
} from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { cancelingArb, wordArb } from "./arbitraries.ts"

type C = CancelingOption<string>
const arb = cancelingArb(wordArb)
const merge = (a: C, b: C): C => mergeCancelingOption(a, b)
const leq = (a: C, b: C): boolean => cancelingOptionLeq(a, b)

checkSemilatticeLaws("CancelingOption<string>", arb, merge, leq)

// Garage v2's merge, transcribed onto two states (None = Unset): the conflict is stored as
// the bottom, so a later Some resurrects it and the result depends on grouping.
const garage = (a: C, b: C): C => {
  if (a._tag === "Some" && b._tag === "Some") return a.value === b.value ? a : cancelingUnset
  if (a._tag === "Unset") return b
  return a
}
const twoStateArb: fc.Arbitrary<C> = fc.oneof(fc.constant(cancelingUnset as C), wordArb.map((v) => cancelingSome(v)))

describe("CancelingOption mutants are caught", () => {
  expectLawBroken("Garage's two-state merge", "associative", twoStateArb, garage, leq)
  // Conflicts keep the larger value instead of cancelling: lawful, but not this lattice.
  const keepsMax = (a: C, b: C): C =>
    a._tag === "Some" && b._tag === "Some" ? (a.value >= b.value ? a : b) : merge(a, b)
  expectLawBroken("conflict keeps the larger value", "leqMatchesMerge", arb, keepsMax, leq)
})

describe("CancelingOption", () => {
  it("Garage's two-state merge really is non-associative (the reason for Cancelled)", () => {
    const [a, b] = [cancelingSome("a"), cancelingSome("b")]
    expect(garage(garage(a, b), b)).toEqual(b)
    expect(garage(a, garage(b, b))).toEqual(cancelingUnset)
  })
  it("different values cancel; equal values stay; a conflict stays cancelled", () => {
    const [a, b] = [cancelingSome("a"), cancelingSome("b")]
    expect(merge(a, b)).toEqual(cancelingCancelled)
    expect(merge(merge(a, b), b)).toEqual(cancelingCancelled)
    expect(merge(a, cancelingSome("a"))).toBe(a)
    expect(merge(cancelingUnset, a)).toBe(a)
    expect(cancelingOptionGet(merge(a, b))).toBeUndefined()
    expect(cancelingOptionGet(a)).toBe("a")
  })
  it("structurally equal values do not cancel", () => {
    const x = cancelingSome({ k: [1, 2] })
    const y = cancelingSome({ k: [1, 2] })
    expect(mergeCancelingOption(x, y)).toBe(x)
  })
})
