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
 * The laws as plain predicates over three states (two-state laws ignore the third). `leq`
 * is the type's partial order; besides monotonicity (a ≤ a⊔b, b ≤ a⊔b) we check that it
 * really is the order merge joins in (leq(a, b) iff a⊔b = b), otherwise a trivially true
 * leq would make "monotone" vacuous.
 */
export const lawPredicates = <T>(
  merge: (a: T, b: T) => T,
  leq: (a: T, b: T) => boolean,
  eq: (a: T, b: T) => boolean,
): Record<Law, (a: T, b: T, c: T) => boolean> => ({
  commutative: (a, b) => eq(merge(a, b), merge(b, a)),
  associative: (a, b, c) => eq(merge(merge(a, b), c), merge(a, merge(b, c))),
  idempotent: (a, b) => {
    const ab = merge(a, b)
    return eq(merge(a, a), a) && eq(merge(ab, b), ab) && eq(merge(ab, a), ab)
  },
  monotone: (a, b) => {
    const ab = merge(a, b)
    return leq(a, ab) && leq(b, ab)
  },
  leqMatchesMerge: (a, b) => leq(a, b) === eq(merge(a, b), b) && leq(a, a),
})

export const lawProperty = <T>(
  arb: fc.Arbitrary<T>,
  predicate: (a: T, b: T, c: T) => boolean,
): fc.IPropertyWithHooks<[T, T, T]> => fc.property(arb, arb, arb, predicate)

/** Registers one test per law for a (supposedly) lawful CRDT. */
export const checkSemilatticeLaws = <T>(
  name: string,
  arb: fc.Arbitrary<T>,
  merge: (a: T, b: T) => T,
  leq: (a: T, b: T) => boolean,
  eq: (a: T, b: T) => boolean = jsonEq,
): void => {
  describe(`${name} is a join-semilattice`, () => {
    const predicates = lawPredicates(merge, leq, eq)
    for (const law of laws) {
      it(law, () => {
        fc.assert(lawProperty(arb, predicates[law]), { numRuns })
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
    const predicate = lawPredicates(merge, leq, eq)[law]
    const property = lawProperty(arb, predicate)
    // The very property the law test asserts must fail on the mutant. Fixed seed: the
    // mutant tests are deterministic; small domains make violations easy to find.
    expect(() => fc.assert(property, { numRuns: 1000, seed: 42 })).toThrow()
    // And it must fail because the law is false on a concrete counterexample, not because
    // the mutant crashed (a crash would also make fc.assert throw).
    const details = fc.check(property, { numRuns: 1000, seed: 42 })
    expect(details.counterexample).not.toBeNull()
    const [a, b, c] = details.counterexample as [T, T, T]
    expect(predicate(a, b, c)).toBe(false)
  })
}
