import fc from "fast-check"
import { describe } from "vitest"
import { boolLeq, mergeBool } from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"

checkSemilatticeLaws("Bool", fc.boolean(), mergeBool, boolLeq)

describe("Bool mutants are caught", () => {
  // AND is a lawful semilattice — in the wrong direction: a "deleted" flag could be unset.
  const and = (a: boolean, b: boolean): boolean => a && b
  expectLawBroken("AND instead of OR", "monotone", fc.boolean(), and, boolLeq)
  expectLawBroken("AND instead of OR", "leqMatchesMerge", fc.boolean(), and, boolLeq)
  // A vacuous order would make "monotone" pass for anything; leqMatchesMerge catches it.
  expectLawBroken("leq always true", "leqMatchesMerge", fc.boolean(), mergeBool, () => true)
  // XOR: commutative and associative, but merging twice undoes the merge.
  const xor = (a: boolean, b: boolean): boolean => a !== b
  expectLawBroken("XOR", "idempotent", fc.boolean(), xor, boolLeq)
})
