import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  deletableLeq,
  deleted,
  mergeDeletable,
  present,
  type Deletable,
} from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { deletableArb } from "./arbitraries.ts"

type D = Deletable<boolean>
const arb = deletableArb(fc.boolean())
const or = (x: boolean, y: boolean): boolean => x || y
const le = (x: boolean, y: boolean): boolean => !x || y
const merge = (a: D, b: D): D => mergeDeletable(a, b, or)
const leq = (a: D, b: D): boolean => deletableLeq(a, b, le)

checkSemilatticeLaws("Deletable<Bool>", arb, merge, leq)

describe("Deletable mutants are caught", () => {
  // A present value resurrects a deleted one.
  const resurrects = (a: D, b: D): D =>
    a._tag === "Present" && b._tag === "Present" ? merge(a, b) : a._tag === "Present" ? a : b
  expectLawBroken("Present absorbs Deleted", "monotone", arb, resurrects, leq)
  // Present values: b replaces a instead of merging.
  const noInner = (a: D, b: D): D => mergeDeletable(a, b, (_x, y) => y)
  expectLawBroken("Present does not merge inner", "commutative", arb, noInner, leq)
})

describe("Deletable", () => {
  it("Deleted absorbs", () => {
    expect(merge(present(true), deleted)).toBe(deleted)
    expect(merge(deleted, present(false))).toBe(deleted)
  })
})
