// An optional value that does not merge: two different values cancel out, so ambiguity
// becomes "no value" instead of an arbitrary pick (Garage v2's CancelingOption, used
// inside Lww for bucket aliases and bucket configs, where a tie between two concurrent
// writes with the same timestamp must not silently keep one of them).
//
// Why three states and not Garage's two. Garage stores the conflict as None, the same None
// that means "unset" and is the bottom: None ⊔ Some(x) = Some(x). So a conflict can be
// resurrected, and the merge is not associative:
//   (Some a ⊔ Some b) ⊔ Some b = None ⊔ Some b = Some b
//    Some a ⊔ (Some b ⊔ Some b) = Some a ⊔ Some b = None
// and replicas that receive the same writes in different orders can disagree forever.
// Here the conflict is its own state, Cancelled, at the top of a flat lattice:
//   Unset (bottom)  <  Some(v) for each v (pairwise incomparable)  <  Cancelled (top)
// which is lawful. Reading gives undefined for both Unset and Cancelled, as Garage's None
// does; the difference is only that a cancelled register stays cancelled until a write
// with a newer timestamp (in the enclosing Lww) replaces it — and that callers can tell
// "never set" from "conflict" if they want to.

import type { Json } from "./order.ts"
import { compareValues } from "./order.ts"

export type CancelingOption<T> =
  | { readonly _tag: "Unset" }
  | { readonly _tag: "Some"; readonly value: T }
  | { readonly _tag: "Cancelled" }

export const cancelingUnset: CancelingOption<never> = { _tag: "Unset" }

export const cancelingSome = <T>(value: T): CancelingOption<T> => ({ _tag: "Some", value })

export const cancelingCancelled: CancelingOption<never> = { _tag: "Cancelled" }

/** The value if there is exactly one; undefined when unset or cancelled. */
export const cancelingOptionGet = <T>(o: CancelingOption<T>): T | undefined =>
  o._tag === "Some" ? o.value : undefined

// Values are compared structurally (compareValues), not by reference: the same value
// decoded twice from the wire must not cancel itself.
const sameValue = <T extends Json>(x: T, y: T): boolean => compareValues(x, y) === 0

/** Join in Unset < Some(v) < Cancelled; Some(a) ⊔ Some(b≠a) = Cancelled. Returns `a` when unchanged. */
export const mergeCancelingOption = <T extends Json>(
  a: CancelingOption<T>,
  b: CancelingOption<T>,
): CancelingOption<T> => {
  if (a._tag === "Cancelled" || b._tag === "Unset") return a
  if (b._tag === "Cancelled" || a._tag === "Unset") return b
  return sameValue(a.value, b.value) ? a : cancelingCancelled
}

export const cancelingOptionLeq = <T extends Json>(a: CancelingOption<T>, b: CancelingOption<T>): boolean => {
  if (a._tag === "Unset" || b._tag === "Cancelled") return true
  if (a._tag === "Cancelled" || b._tag === "Unset") return false
  return sameValue(a.value, b.value)
}
