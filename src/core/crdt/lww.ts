// Last-writer-wins register: the write with the higher HLC timestamp wins. Equal
// timestamps are rare (HLCs from different nodes can still collide) but must be resolved
// the same way on every replica, so the tie is broken by the values themselves — by an
// inner CRDT merge when the value type has one, else by the canonical value order. Taking
// "whichever arrived last" would let replicas diverge forever.

import { compareHlc, type Hlc } from "./hlc.ts"
import type { Leq, Merge } from "./lattice.ts"
import { compareValues, type Json } from "./order.ts"

export type Lww<T> = { readonly ts: Hlc; readonly value: T }

export const lww = <T>(ts: Hlc, value: T): Lww<T> => ({ ts, value })

/**
 * Higher ts wins; on equal ts, `mergeInner` merges the values if given, else the larger
 * value under `compareValues` wins. Returns `a` itself when the result equals a (and `b`
 * itself when it equals b), so callers can detect "no change" by reference.
 */
export function mergeLww<T extends Json>(a: Lww<T>, b: Lww<T>): Lww<T>
export function mergeLww<T>(a: Lww<T>, b: Lww<T>, mergeInner: Merge<T>): Lww<T>
export function mergeLww<T>(a: Lww<T>, b: Lww<T>, mergeInner?: Merge<T>): Lww<T> {
  const c = compareHlc(a.ts, b.ts)
  if (c > 0) return a
  if (c < 0) return b
  if (mergeInner === undefined) {
    return compareValues(a.value as Json, b.value as Json) >= 0 ? a : b
  }
  const value = mergeInner(a.value, b.value)
  return value === a.value ? a : value === b.value ? b : { ts: a.ts, value }
}

/**
 * The register's order: by ts, then (equal ts) by `leqInner` if given, else by
 * `compareValues`. Pass `leqInner` exactly when `mergeLww` gets `mergeInner`.
 */
export function lwwLeq<T extends Json>(a: Lww<T>, b: Lww<T>): boolean
export function lwwLeq<T>(a: Lww<T>, b: Lww<T>, leqInner: Leq<T>): boolean
export function lwwLeq<T>(a: Lww<T>, b: Lww<T>, leqInner?: Leq<T>): boolean {
  const c = compareHlc(a.ts, b.ts)
  if (c !== 0) return c < 0
  return leqInner === undefined
    ? compareValues(a.value as Json, b.value as Json) <= 0
    : leqInner(a.value, b.value)
}
