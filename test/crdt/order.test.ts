import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareValues, type Json } from "../../src/core/crdt/index.ts"

// Canonical JSON: keys sorted, so it is equal exactly for documents equal up to key order.
const canonical = (v: Json): string =>
  v === null || typeof v !== "object"
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${(v as readonly Json[]).map(canonical).join(",")}]`
      : `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as { readonly [k: string]: Json })[k] as Json)}`)
          .join(",")}}`

// Small scalars so that equal and nearly equal structures are common.
const small: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<Json>(null, true, false, 0, -1, 1, 2.5, "", "a", "b", "ab"),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c"), tie("v"), { maxKeys: 3 }),
  ),
})).v

const json: fc.Arbitrary<Json> = fc.oneof(small, fc.jsonValue() as fc.Arbitrary<Json>)

describe("compareValues is a total order", () => {
  it("reflexive, and 0 exactly for equal JSON documents (up to key order)", () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(compareValues(a, a)).toBe(0)
        expect(compareValues(a, b) === 0).toBe(canonical(a) === canonical(b))
      }),
      { numRuns: 2000 },
    )
  })
  it("antisymmetric", () => {
    fc.assert(fc.property(json, json, (a, b) => compareValues(a, b) === -compareValues(b, a)), { numRuns: 2000 })
  })
  it("transitive", () => {
    fc.assert(
      fc.property(small, small, small, (a, b, c) => {
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0) expect(compareValues(a, c)).toBeLessThanOrEqual(0)
      }),
      { numRuns: 3000 },
    )
  })
  it("ignores object key insertion order", () => {
    expect(compareValues({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(0)
    expect(compareValues({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(0)
  })
  it("ranks kinds null < false < true < number < string < array < object", () => {
    const ladder: Json[] = [null, false, true, -1e9, 0, 3, "", "a", "b", [], [0], [0, 0], [1], {}, { a: 0 }, { a: 1 }, { b: 0 }]
    for (let i = 0; i + 1 < ladder.length; i++) expect(compareValues(ladder[i] as Json, ladder[i + 1] as Json)).toBe(-1)
  })
  it("treats -0 as 0 and NaN as a number below all others", () => {
    expect(compareValues(-0, 0)).toBe(0)
    expect(compareValues(Number.NaN, Number.NaN)).toBe(0)
    expect(compareValues(Number.NaN, -Infinity)).toBe(-1)
  })
  it("rejects non-JSON values", () => {
    expect(() => compareValues(undefined as unknown as Json, 1)).toThrow(TypeError)
  })
})
