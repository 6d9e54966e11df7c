import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { boolLeq, mapEmpty, mapGet, mapLeq, mapSet, mergeBool, mergeMap, type CrdtMap } from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { plainMapArb } from "./arbitraries.ts"

type M = CrdtMap<boolean>
const arb = plainMapArb(fc.boolean())
const merge = (a: M, b: M): M => mergeMap(a, b, mergeBool)
const leq = (a: M, b: M): boolean => mapLeq(a, b, boolLeq)

checkSemilatticeLaws("Map<string, Bool>", arb, merge, leq)

describe("Map mutants are caught", () => {
  // b overwrites a key by key, without merging the values.
  const overwrite = (a: M, b: M): M => mergeMap(a, b, (_x, y) => y)
  expectLawBroken("b overwrites values", "commutative", arb, overwrite, leq)
  expectLawBroken("b overwrites values", "monotone", arb, overwrite, leq)
  // An order that forgets keys: says a ≤ b even when b lacks a's keys.
  const keylessLeq = (a: M, b: M): boolean => Object.keys(a).every((k) => !Object.hasOwn(b, k) || boolLeq(a[k]!, b[k]!))
  expectLawBroken("leq ignores missing keys", "leqMatchesMerge", arb, merge, keylessLeq)
})

describe("Map", () => {
  it("returns a itself when unchanged", () => {
    fc.assert(fc.property(arb, arb, (a, b) => (leq(b, a) ? merge(a, b) === a : merge(a, b) !== a)))
  })
  it("mapSet merges into the existing value; mapGet ignores inherited members", () => {
    const m = mapSet(mapSet(mapEmpty as M, "k", true, mergeBool), "k", false, mergeBool)
    expect(mapGet(m, "k")).toBe(true)
    expect(mapGet(m, "constructor")).toBeUndefined()
  })
})
