// Map from string keys to LWW registers, merged key by key. Like Garage's LwwMap it suits
// small maps (aliases, per-key settings); a key is never removed, a "removal" is a write
// of a tombstone value (e.g. false, or an Unset CancelingOption).
//
// Representation: a plain object, so states stay printable, hashable and JSON-encodable.
// Objects are always built from keys in sorted order, so equal maps have byte-equal JSON.
// (JS enumerates integer-like keys first in numeric order whatever the insertion order;
// that is still a function of the key set alone, so JSON stays canonical.)
// Keys are user data and may be "__proto__" or "toString": entries are only ever created
// with Object.fromEntries (an own data property, never a prototype change) and read with
// Object.hasOwn (never an inherited member).

import type { Hlc } from "./hlc.ts"
import type { Leq, Merge } from "./lattice.ts"
import { lww, lwwLeq, mergeLww, type Lww } from "./lww.ts"
import { sortedKeys, type Json } from "./order.ts"

export type LwwMap<V> = { readonly [key: string]: Lww<V> }

export const lwwMapEmpty: LwwMap<never> = Object.freeze({})

const entry = <V>(map: LwwMap<V>, key: string): Lww<V> | undefined =>
  Object.hasOwn(map, key) ? map[key] : undefined

/** The value under `key`, or undefined if the key was never written. */
export const lwwMapGet = <V>(map: LwwMap<V>, key: string): V | undefined => entry(map, key)?.value

/**
 * Merge of the two maps: per key by `mergeLww` (with `mergeValue` for equal timestamps
 * if given, else the canonical value order). Returns `a` itself (same reference) when the
 * result equals a, i.e. when b brings nothing new: a reducer can then tell "state
 * unchanged, nothing to persist or gossip" with `===`, without a deep comparison.
 */
export function mergeLwwMap<V extends Json>(a: LwwMap<V>, b: LwwMap<V>): LwwMap<V>
export function mergeLwwMap<V>(a: LwwMap<V>, b: LwwMap<V>, mergeValue: Merge<V>): LwwMap<V>
export function mergeLwwMap<V>(a: LwwMap<V>, b: LwwMap<V>, mergeValue?: Merge<V>): LwwMap<V> {
  const mergeEntry = (x: Lww<V>, y: Lww<V>): Lww<V> =>
    mergeValue === undefined
      ? mergeLww(x as Lww<Json>, y as Lww<Json>) as Lww<V>
      : mergeLww(x, y, mergeValue)
  let changed = false
  const merged = new Map<string, Lww<V>>()
  for (const k of Object.keys(a)) merged.set(k, a[k] as Lww<V>)
  for (const k of Object.keys(b)) {
    const y = b[k] as Lww<V>
    const x = merged.get(k)
    const m = x === undefined ? y : mergeEntry(x, y)
    if (m !== x) {
      changed = true
      merged.set(k, m)
    }
  }
  if (!changed) return a
  return Object.fromEntries(sortedKeys(merged.keys()).map((k) => [k, merged.get(k) as Lww<V>]))
}

/**
 * Write `value` at `key` with timestamp `ts`: a merge with the one-entry map, so a write
 * whose ts is not newer than the stored one loses (the state never moves backwards). Get
 * `ts` from `hlcNow` on a clock that has absorbed every timestamp seen, and it wins.
 */
export function lwwMapSet<V extends Json>(map: LwwMap<V>, key: string, ts: Hlc, value: V): LwwMap<V>
export function lwwMapSet<V>(map: LwwMap<V>, key: string, ts: Hlc, value: V, mergeValue: Merge<V>): LwwMap<V>
export function lwwMapSet<V>(map: LwwMap<V>, key: string, ts: Hlc, value: V, mergeValue?: Merge<V>): LwwMap<V> {
  const delta: LwwMap<V> = Object.fromEntries([[key, lww(ts, value)]])
  return mergeValue === undefined
    ? (mergeLwwMap(map as LwwMap<Json>, delta as LwwMap<Json>) as LwwMap<V>)
    : mergeLwwMap(map, delta, mergeValue)
}

/** a ≤ b iff every key of a is in b with a register ≤ b's (per `lwwLeq`). */
export function lwwMapLeq<V extends Json>(a: LwwMap<V>, b: LwwMap<V>): boolean
export function lwwMapLeq<V>(a: LwwMap<V>, b: LwwMap<V>, leqValue: Leq<V>): boolean
export function lwwMapLeq<V>(a: LwwMap<V>, b: LwwMap<V>, leqValue?: Leq<V>): boolean {
  for (const k of Object.keys(a)) {
    const x = a[k] as Lww<V>
    const y = entry(b, k)
    if (y === undefined) return false
    const ok =
      leqValue === undefined ? lwwLeq(x as Lww<Json>, y as Lww<Json>) : lwwLeq(x, y, leqValue)
    if (!ok) return false
  }
  return true
}
