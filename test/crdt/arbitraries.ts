// Small domains so that ties, equal timestamps and shared keys actually happen.
import fc from "fast-check"
import type { Hlc } from "../../src/core/crdt/index.ts"
import {
  cancelingCancelled,
  cancelingSome,
  cancelingUnset,
  deleted,
  lww,
  mergingNone,
  mergingSome,
  present,
  type CancelingOption,
  type CrdtMap,
  type Deletable,
  type GCounter,
  type Lww,
  type LwwMap,
  type MergingOption,
  type PnCounter,
} from "../../src/core/crdt/index.ts"

export const hlcArb: fc.Arbitrary<Hlc> = fc.record({ l: fc.integer({ min: 0, max: 3 }), c: fc.integer({ min: 0, max: 1 }) })

export const wordArb = fc.constantFrom("a", "b", "c")

// Keys include ones that would be dangerous on a naive plain object, and an integer-like
// key whose enumeration order JS fixes regardless of insertion order.
export const keyArb = fc.constantFrom("x", "y", "10", "__proto__", "toString")

export const lwwArb = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<Lww<T>> =>
  fc.tuple(hlcArb, value).map(([ts, v]) => lww(ts, v))

// Built as the CRDTs build maps: Object.fromEntries with sorted keys.
export const plainMapArb = <V>(value: fc.Arbitrary<V>): fc.Arbitrary<CrdtMap<V>> =>
  fc
    .uniqueArray(fc.tuple(keyArb, value), { selector: ([k]) => k, maxLength: 4 })
    .map((entries) => Object.fromEntries([...entries].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))))

export const lwwMapArb = <V>(value: fc.Arbitrary<V>): fc.Arbitrary<LwwMap<V>> => plainMapArb(lwwArb(value))

export const deletableArb = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<Deletable<T>> =>
  fc.oneof(fc.constant(deleted as Deletable<T>), value.map((v) => present(v)))

export const cancelingArb = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<CancelingOption<T>> =>
  fc.oneof(
    fc.constant(cancelingUnset as CancelingOption<T>),
    fc.constant(cancelingCancelled as CancelingOption<T>),
    value.map((v) => cancelingSome(v)),
    value.map((v) => cancelingSome(v)),
  )

export const mergingArb = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<MergingOption<T>> =>
  fc.oneof(fc.constant(mergingNone as MergingOption<T>), value.map((v) => mergingSome(v)))

export const gCounterArb: fc.Arbitrary<GCounter> = plainMapArb(fc.integer({ min: 0, max: 3 }))

export const pnCounterArb: fc.Arbitrary<PnCounter> = fc.record({ p: gCounterArb, n: gCounterArb })
