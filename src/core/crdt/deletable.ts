// A value that can be deleted for good: Deleted absorbs every Present, so a deletion is
// never undone by a concurrent or late-arriving update (Garage's Deletable, used for
// bucket and key rows). Present values merge with their own CRDT merge.

import type { Leq, Merge } from "./lattice.ts"

export type Deletable<T> =
  | { readonly _tag: "Present"; readonly value: T }
  | { readonly _tag: "Deleted" }

export const present = <T>(value: T): Deletable<T> => ({ _tag: "Present", value })

export const deleted: Deletable<never> = { _tag: "Deleted" }

/** Deleted if either is; else Present(mergeInner(a, b)). Returns `a` when unchanged. */
export const mergeDeletable = <T>(a: Deletable<T>, b: Deletable<T>, mergeInner: Merge<T>): Deletable<T> => {
  if (a._tag === "Deleted") return a
  if (b._tag === "Deleted") return b
  const value = mergeInner(a.value, b.value)
  return value === a.value ? a : value === b.value ? b : { _tag: "Present", value }
}

/** Present(x) ≤ Present(y) iff leqInner(x, y); everything ≤ Deleted (top). */
export const deletableLeq = <T>(a: Deletable<T>, b: Deletable<T>, leqInner: Leq<T>): boolean =>
  b._tag === "Deleted" ? true : a._tag === "Deleted" ? false : leqInner(a.value, b.value)
