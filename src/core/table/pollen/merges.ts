// Merges shared by the Pollen tables, built from the CRDT toolkit.
import {
  mergeCancelingOption,
  mergeDeletable,
  mergeLww,
  mergeLwwMap,
  mergeMap,
  type CancelingOption,
  type Deletable,
  type Json,
  type Lww,
  type LwwMap,
} from "../../crdt/index.ts"
import { compareValues } from "../../crdt/order.ts"

export type Perm = Lww<{ readonly read: boolean; readonly write: boolean; readonly owner: boolean }>

/** Newer wins; on a timestamp tie each right is ANDed (the most restrictive, as Garage). */
export const mergePermission = (a: Perm, b: Perm): Perm =>
  mergeLww(a, b, (x, y) => {
    const v = { read: x.read && y.read, write: x.write && y.write, owner: x.owner && y.owner }
    return compareValues(v, x) === 0 ? x : compareValues(v, y) === 0 ? y : v
  })

export const mergePermissions = (a: Readonly<Record<string, Perm>>, b: Readonly<Record<string, Perm>>) =>
  mergeMap(a, b, mergePermission)

export const mergeLwwValue = <T extends Json>(a: Lww<T>, b: Lww<T>): Lww<T> => mergeLww(a, b)

export const mergeLwwCanceling = <T extends Json>(
  a: Lww<CancelingOption<T>>,
  b: Lww<CancelingOption<T>>,
): Lww<CancelingOption<T>> => mergeLww(a, b, mergeCancelingOption)

export const mergeLwwMapOf = <V extends Json>(a: LwwMap<V>, b: LwwMap<V>): LwwMap<V> => mergeLwwMap(a, b)

/** For values that should never differ between replicas: a deterministic pick. */
export const mergeByOrder = <T extends Json>(a: T, b: T): T => (compareValues(a, b) >= 0 ? a : b)

export const mergeMin = (a: number, b: number): number => (b < a ? b : a)

export { mergeDeletable, type Deletable }

/** Rebuilds a struct only when some field changed, so merge keeps returning `a` when unchanged. */
export const sameFields = <T extends object>(a: T, next: T): T =>
  (Object.keys(next) as Array<keyof T>).every((k) => next[k] === a[k]) ? a : next
