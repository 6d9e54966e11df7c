// Join-semilattice laws, written once and applied to every CRDT type (and to deliberately
// broken merges, which must fail them: a law test that cannot fail proves nothing).
import fc from "fast-check"
import { describe, expect, it } from "vitest"

export type Law = "commutative" | "associative" | "idempotent" | "monotone" | "leqMatchesMerge"

export const laws: readonly Law[] = ["commutative", "associative", "idempotent", "monotone", "leqMatchesMerge"]

/** States are JSON data; canonical JSON (key order included) is the equality we want. */
export const jsonEq = <T>(a: T, b: T): boolean => JSON.stringify(a) === JSON.stringify(b)

const numRuns = 300

/**
 * The fast-check properties for one type. `leq` is the type's partial order; besides
 * monotonicity (a ≤ a⊔b, b ≤ a⊔b) we check that it really is the order merge joins in
 * (leq(a, b) iff a⊔b = b), otherwise a trivially true leq would make "monotone" vacuous.
 */
export const semilatticeProperties = <T>(
  arb: fc.Arbitrary<T>,
  merge: (a: T, b: T) => T,
  leq: (a: T, b: T) => boolean,
  eq: (a: T, b: T) => boolean,
): Record<Law, fc.IPropertyWithHooks<unknown>> => ({
  commutative: fc.property(arb, arb, (a, b) => eq(merge(a, b), merge(b, a))),
  associative: fc.property(arb, arb, arb, (a, b, c) => eq(merge(merge(a, b), c), merge(a, merge(b, c)))),
  idempotent: fc.property(arb, arb, (a, b) => {
    const ab = merge(a, b)
    return eq(merge(a, a), a) && eq(merge(ab, b), ab) && eq(merge(ab, a), ab)
  }),
  monotone: fc.property(arb, arb, (a, b) => {
    const ab = merge(a, b)
    return leq(a, ab) && leq(b, ab)
  }),
  leqMatchesMerge: fc.property(arb, arb, (a, b) => leq(a, b) === eq(merge(a, b), b) && leq(a, a)),
}) as Record<Law, fc.IPropertyWithHooks<unknown>>

/** Registers one test per law for a (supposedly) lawful CRDT. */
export const checkSemilatticeLaws = <T>(
  name: string,
  arb: fc.Arbitrary<T>,
  merge: (a: T, b: T) => T,
  leq: (a: T, b: T) => boolean,
  eq: (a: T, b: T) => boolean = jsonEq,
): void => {
  describe(`${name} is a join-semilattice`, () => {
    const props = semilatticeProperties(arb, merge, leq, eq)
    for (const law of laws) {
      it(law, () => {
        fc.assert(props[law], { numRuns })
      })
    }
  })
}

/** Registers a test asserting that the law check rejects a broken merge (or order). */
export const expectLawBroken = <T>(
  mutant: string,
  law: Law,
  arb: fc.Arbitrary<T>,
  merge: (a: T, b: T) => T,
  leq: (a: T, b: T) => boolean,
  eq: (a: T, b: T) => boolean = jsonEq,
): void => {
  it(`mutant "${mutant}" violates ${law}`, () => {
    const props = semilatticeProperties(arb, merge, leq, eq)
    // Fixed seed: the mutant tests are deterministic, and with small domains fast-check
    // finds each violation within a few runs anyway.
    expect(() => fc.assert(props[law], { numRuns: 1000, seed: 42 })).toThrow()
  })
}
