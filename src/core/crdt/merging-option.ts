// An optional CRDT value: None is the bottom (nothing known yet), two Some values merge
// with the inner CRDT's merge (Garage v2's MergingOption).

import type { Leq, Merge } from "./lattice.ts"

export type MergingOption<T> = { readonly _tag: "None" } | { readonly _tag: "Some"; readonly value: T }

export const mergingNone: MergingOption<never> = { _tag: "None" }

export const mergingSome = <T>(value: T): MergingOption<T> => ({ _tag: "Some", value })

export const mergingOptionGet = <T>(o: MergingOption<T>): T | undefined =>
  o._tag === "Some" ? o.value : undefined

/** None ⊔ x = x; Some(x) ⊔ Some(y) = Some(mergeInner(x, y)). Returns `a` when unchanged. */
export const mergeMergingOption = <T>(
  a: MergingOption<T>,
  b: MergingOption<T>,
  mergeInner: Merge<T>,
): MergingOption<T> => {
  if (b._tag === "None") return a
  if (a._tag === "None") return b
  const value = mergeInner(a.value, b.value)
  return value === a.value ? a : value === b.value ? b : { _tag: "Some", value }
}

export const mergingOptionLeq = <T>(a: MergingOption<T>, b: MergingOption<T>, leqInner: Leq<T>): boolean =>
  a._tag === "None" ? true : b._tag === "None" ? false : leqInner(a.value, b.value)
