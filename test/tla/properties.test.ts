// Property tests over generated values and expressions: set algebra, functions, EXCEPT,
// sequence laws, and print-then-parse of every value.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { evalExpression } from "../../src/tla/api.ts"
import type { Value } from "../../src/tla/values.ts"
import { compare, mkFcnFromPairs, mkRecord, mkSet, mkTuple, printValue } from "../../src/tla/values.ts"

const leaf: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.boolean(),
  fc.stringMatching(/^[a-z0-9 ]{0,5}$/),
)

const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 5 }).map((xs) => mkSet(xs) as Value),
    fc.array(fc.stringMatching(/^[a-z]{1,3}$/), { maxLength: 4 }).map((xs) => mkSet(xs) as Value),
    fc.array(tie("v"), { maxLength: 3 }).map((xs) => mkTuple(xs) as Value),
    fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,3}$/), tie("v"), { minKeys: 1, maxKeys: 3 }).map((o) => mkRecord(Object.entries(o)) as Value),
    fc.array(fc.tuple(fc.integer({ min: 2, max: 20 }), tie("v")), { minLength: 1, maxLength: 3 }).map((ps) => mkFcnFromPairs(ps) as Value),
    fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }), { maxLength: 3 }).map((xss) => mkSet(xss.map((xs) => mkSet(xs))) as Value),
  ),
})).v

const intSet = fc.array(fc.integer({ min: -6, max: 6 }), { maxLength: 6 }).map((xs) => printValue(mkSet(xs)))
const intSeq = fc.array(fc.integer({ min: -6, max: 6 }), { maxLength: 5 }).map((xs) => printValue(mkTuple(xs)))
const holds = (text: string): boolean => evalExpression(text) === true
const runs = { numRuns: 150 }

describe("values: print then parse", () => {
  it("every generated value reads back as itself", () => {
    fc.assert(
      fc.property(value, (v) => {
        const back = evalExpression(printValue(v))
        expect(printValue(back)).toBe(printValue(v))
        expect(compare(back, v)).toBe(0)
      }),
      runs,
    )
  })
})

describe("set algebra", () => {
  it("union and intersection are commutative and associative", () => {
    fc.assert(
      fc.property(intSet, intSet, intSet, (a, b, c) =>
        holds(`/\\ ${a} \\cup ${b} = ${b} \\cup ${a}
               /\\ ${a} \\cap ${b} = ${b} \\cap ${a}
               /\\ (${a} \\cup ${b}) \\cup ${c} = ${a} \\cup (${b} \\cup ${c})
               /\\ (${a} \\cap ${b}) \\cap ${c} = ${a} \\cap (${b} \\cap ${c})`),
      ),
      runs,
    )
  })
  it("distributivity, difference and subset laws", () => {
    fc.assert(
      fc.property(intSet, intSet, intSet, (a, b, c) =>
        holds(`/\\ ${a} \\cap (${b} \\cup ${c}) = (${a} \\cap ${b}) \\cup (${a} \\cap ${c})
               /\\ ${a} \\cup (${b} \\cap ${c}) = (${a} \\cup ${b}) \\cap (${a} \\cup ${c})
               /\\ (${a} \\ ${b}) \\subseteq ${a}
               /\\ (${a} \\ ${b}) \\cap ${b} = {}
               /\\ Cardinality(${a} \\cup ${b}) = Cardinality(${a}) + Cardinality(${b}) - Cardinality(${a} \\cap ${b})
               /\\ ${a} \\in SUBSET (${a} \\cup ${b})
               /\\ {x \\in ${a} : x \\in ${b}} = ${a} \\cap ${b}
               /\\ UNION {${a}, ${b}} = ${a} \\cup ${b}`),
      ),
      runs,
    )
  })
})

describe("functions", () => {
  it("DOMAIN [x \\in S |-> e] = S", () => {
    fc.assert(fc.property(intSet, (s) => holds(`DOMAIN [x \\in ${s} |-> x * 2] = ${s}`)), runs)
  })
  it("EXCEPT then apply gives the new value at the key and the old one elsewhere", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.integer(), (xs, i, v) => {
        const f = printValue(mkTuple(xs))
        const k = (i % xs.length) + 1
        return holds(`LET f == ${f} g == [f EXCEPT ![${k}] = ${v}] IN
                        /\\ g[${k}] = ${v}
                        /\\ DOMAIN g = DOMAIN f
                        /\\ \\A j \\in DOMAIN f : j # ${k} => g[j] = f[j]
                        /\\ [f EXCEPT ![${k}] = @ + 1][${k}] = f[${k}] + 1`)
      }),
      runs,
    )
  })
  it("records: EXCEPT on a field", () => {
    fc.assert(fc.property(fc.integer({ min: -99, max: 99 }), fc.integer({ min: -99, max: 99 }), (a, b) =>
      holds(`LET r == [a |-> ${a}, b |-> ${b}] IN [r EXCEPT !.a = @ - 1].a = ${a} - 1 /\\ [r EXCEPT !.a = 0].b = ${b}`)), runs)
  })
})

describe("sequences", () => {
  it("Append, Len, SubSeq and \\o laws", () => {
    fc.assert(
      fc.property(intSeq, intSeq, intSeq, fc.integer({ min: -9, max: 9 }), (s, t, u, x) =>
        holds(`/\\ Len(Append(${s}, ${x})) = Len(${s}) + 1
               /\\ Append(${s}, ${x})[Len(${s}) + 1] = ${x}
               /\\ Len(${s} \\o ${t}) = Len(${s}) + Len(${t})
               /\\ SubSeq(${s} \\o ${t}, 1, Len(${s})) = ${s}
               /\\ SubSeq(${s} \\o ${t}, Len(${s}) + 1, Len(${s}) + Len(${t})) = ${t}
               /\\ (${s} \\o ${t}) \\o ${u} = ${s} \\o (${t} \\o ${u})
               /\\ ${s} \\o <<>> = ${s}
               /\\ Append(${s}, ${x}) = ${s} \\o <<${x}>>
               /\\ (Len(${s}) > 0 => <<Head(${s})>> \\o Tail(${s}) = ${s})`),
      ),
      runs,
    )
  })
})
