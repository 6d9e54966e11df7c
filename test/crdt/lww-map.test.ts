import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  lwwMapEmpty,
  lwwMapGet,
  lwwMapLeq,
  lwwMapSet,
  mergeLww,
  mergeLwwMap,
  type LwwMap,
} from "../../src/core/crdt/index.ts"
import { jsonEq, checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { lwwMapArb, wordArb } from "./arbitraries.ts"

type M = LwwMap<string>
const arb = lwwMapArb(wordArb)
const merge = (a: M, b: M): M => mergeLwwMap(a, b)
const leq = (a: M, b: M): boolean => lwwMapLeq(a, b)

checkSemilatticeLaws("LwwMap<string>", arb, merge, leq)

describe("LwwMap mutants are caught", () => {
  // Keys present only in b are dropped: a replica never learns new keys from a peer.
  const dropsNewKeys = (a: M, b: M): M =>
    Object.fromEntries(Object.keys(a).map((k) => [k, Object.hasOwn(b, k) ? mergeLww(a[k]!, b[k]!) : a[k]!]))
  expectLawBroken("drops keys only in b", "commutative", arb, dropsNewKeys, leq)
  expectLawBroken("drops keys only in b", "monotone", arb, dropsNewKeys, leq)
  // Keys built in arrival order: equal maps but different JSON on different replicas.
  const unsortedKeys = (a: M, b: M): M => {
    const m = merge(a, b)
    return Object.fromEntries([...Object.keys(b), ...Object.keys(a)].filter((k, i, ks) => ks.indexOf(k) === i).map((k) => [k, m[k]!]))
  }
  expectLawBroken("keys in arrival order (non-canonical JSON)", "commutative", arb, unsortedKeys, leq)
})

describe("LwwMap", () => {
  it("merge returns a itself when b brings nothing new", () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const m = merge(a, b)
        if (leq(b, a)) expect(m).toBe(a)
        else expect(m).not.toBe(a)
        expect(merge(m, a)).toBe(m)
        expect(merge(m, b)).toBe(m)
      }),
    )
  })
  it("set and get, with stale writes losing", () => {
    let m: M = lwwMapEmpty
    m = lwwMapSet(m, "k", { l: 2, c: 0 }, "new")
    m = lwwMapSet(m, "k", { l: 1, c: 0 }, "stale")
    expect(lwwMapGet(m, "k")).toBe("new")
    expect(lwwMapGet(m, "other")).toBeUndefined()
  })
  it("keys are data: __proto__ and toString are ordinary keys, never prototype members", () => {
    const m = lwwMapSet(lwwMapSet(lwwMapEmpty as M, "__proto__", { l: 1, c: 0 }, "p"), "toString", { l: 1, c: 0 }, "t")
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype)
    expect(lwwMapGet(m, "__proto__")).toBe("p")
    expect(lwwMapGet(m, "toString")).toBe("t")
    expect(lwwMapGet(lwwMapEmpty as M, "toString")).toBeUndefined()
    expect(lwwMapGet(lwwMapEmpty as M, "__proto__")).toBeUndefined()
    expect(Object.keys(JSON.parse(JSON.stringify(m)))).toEqual(["__proto__", "toString"])
  })
  it("JSON is canonical: the same entries give the same bytes whatever the write order", () => {
    fc.assert(
      fc.property(arb, arb, arb, (a, b, c) => {
        expect(jsonEq(merge(merge(a, b), c), merge(c, merge(b, a)))).toBe(true)
      }),
    )
  })
})
