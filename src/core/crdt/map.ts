// Map merged key by key with the values' own CRDT merge, no timestamps (Garage's
// crdt::Map, e.g. a bucket's authorized_keys: each value is itself a CRDT, so concurrent
// updates to one key simply join). Keys are never removed; a value type that needs
// removal carries it itself (Deletable, Bool "deleted" flag).
// Same representation rules as LwwMap: plain object, keys inserted in sorted order,
// created with Object.fromEntries and read with Object.hasOwn (keys are user data).

import type { Leq, Merge } from "./lattice.ts"
import { sortedKeys } from "./order.ts"

export type CrdtMap<V> = { readonly [key: string]: V }

export const mapEmpty: CrdtMap<never> = Object.freeze({})

/** The value under `key`, or undefined when absent (never an inherited member). */
export const mapGet = <V>(map: CrdtMap<V>, key: string): V | undefined =>
  Object.hasOwn(map, key) ? map[key] : undefined

/**
 * Union of the keys; a key in both maps gets mergeValue(a[k], b[k]). Returns `a` itself
 * when the result equals a — which relies on `mergeValue` returning its first argument
 * by reference when nothing changes, as every merge in this module does.
 */
export const mergeMap = <V>(a: CrdtMap<V>, b: CrdtMap<V>, mergeValue: Merge<V>): CrdtMap<V> => {
  let changed = false
  const merged = new Map<string, V>()
  for (const k of Object.keys(a)) merged.set(k, a[k] as V)
  for (const k of Object.keys(b)) {
    const y = b[k] as V
    if (!merged.has(k)) {
      changed = true
      merged.set(k, y)
      continue
    }
    const x = merged.get(k) as V
    const m = mergeValue(x, y)
    if (m !== x) {
      changed = true
      merged.set(k, m)
    }
  }
  if (!changed) return a
  return Object.fromEntries(sortedKeys(merged.keys()).map((k) => [k, merged.get(k) as V]))
}

/** Update one key: a merge with the one-entry map {key: value}. */
export const mapSet = <V>(map: CrdtMap<V>, key: string, value: V, mergeValue: Merge<V>): CrdtMap<V> =>
  mergeMap(map, Object.fromEntries([[key, value]]) as CrdtMap<V>, mergeValue)

/** a ≤ b iff every key of a is in b with leqValue(a[k], b[k]). */
export const mapLeq = <V>(a: CrdtMap<V>, b: CrdtMap<V>, leqValue: Leq<V>): boolean =>
  Object.keys(a).every((k) => Object.hasOwn(b, k) && leqValue(a[k] as V, b[k] as V))
