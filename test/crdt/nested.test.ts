// The laws must survive composition: each combinator is lawful given lawful parts.
import fc from "fast-check"
import { describe } from "vitest"
import {
  cancelingOptionLeq,
  compareHlc,
  deletableLeq,
  lwwLeq,
  lwwMapLeq,
  mapLeq,
  mergeCancelingOption,
  mergeDeletable,
  mergeLww,
  mergeLwwMap,
  mergeMap,
  mergeMergingOption,
  mergingOptionLeq,
  type CancelingOption,
  type CrdtMap,
  type Deletable,
  type Lww,
  type LwwMap,
  type MergingOption,
} from "../../src/core/crdt/index.ts"
import { checkSemilatticeLaws, expectLawBroken } from "./laws.ts"
import { cancelingArb, deletableArb, lwwArb, lwwMapArb, mergingArb, plainMapArb, wordArb } from "./arbitraries.ts"

// LwwMap whose values are themselves Lww registers: equal outer timestamps merge the
// inner registers.
type LL = LwwMap<Lww<string>>
const llArb = lwwMapArb(lwwArb(wordArb))
const mergeInnerLww = (x: Lww<string>, y: Lww<string>): Lww<string> => mergeLww(x, y)
const leqInnerLww = (x: Lww<string>, y: Lww<string>): boolean => lwwLeq(x, y)
const mergeLL = (a: LL, b: LL): LL => mergeLwwMap(a, b, mergeInnerLww)
const leqLL = (a: LL, b: LL): boolean => lwwMapLeq(a, b, leqInnerLww)
checkSemilatticeLaws("LwwMap<Lww<string>>", llArb, mergeLL, leqLL)

// Deletable<LwwMap<string>>: a bucket-like row.
type DL = Deletable<LwwMap<string>>
const dlArb = deletableArb(lwwMapArb(wordArb))
const mergeDL = (a: DL, b: DL): DL => mergeDeletable(a, b, (x, y) => mergeLwwMap(x, y))
const leqDL = (a: DL, b: DL): boolean => deletableLeq(a, b, (x, y) => lwwMapLeq(x, y))
checkSemilatticeLaws("Deletable<LwwMap<string>>", dlArb, mergeDL, leqDL)

// Lww<CancelingOption<string>>: Garage's bucket_alias row.
type LC = Lww<CancelingOption<string>>
const lcArb = lwwArb(cancelingArb(wordArb))
const mergeLC = (a: LC, b: LC): LC => mergeLww(a, b, mergeCancelingOption)
const leqLC = (a: LC, b: LC): boolean => lwwLeq(a, b, cancelingOptionLeq)
checkSemilatticeLaws("Lww<CancelingOption<string>>", lcArb, mergeLC, leqLC)

// LwwMap<CancelingOption<string>>: Garage's key.local_aliases.
type MC = LwwMap<CancelingOption<string>>
const mcArb = lwwMapArb(cancelingArb(wordArb))
const mergeMC = (a: MC, b: MC): MC => mergeLwwMap(a, b, mergeCancelingOption)
const leqMC = (a: MC, b: MC): boolean => lwwMapLeq(a, b, cancelingOptionLeq)
checkSemilatticeLaws("LwwMap<CancelingOption<string>>", mcArb, mergeMC, leqMC)

// Map<string, Deletable<Lww<string>>>: per-key merge of deletable registers.
type MD = CrdtMap<Deletable<Lww<string>>>
const mdArb = plainMapArb(deletableArb(lwwArb(wordArb)))
const mergeMD = (a: MD, b: MD): MD => mergeMap(a, b, (x, y) => mergeDeletable(x, y, mergeInnerLww))
const leqMD = (a: MD, b: MD): boolean => mapLeq(a, b, (x, y) => deletableLeq(x, y, leqInnerLww))
checkSemilatticeLaws("Map<string, Deletable<Lww<string>>>", mdArb, mergeMD, leqMD)

// MergingOption<Map<string, Lww<CancelingOption<string>>>>: three levels deep.
type MO = MergingOption<CrdtMap<LC>>
const moArb = mergingArb(plainMapArb(lcArb))
const mergeMO = (a: MO, b: MO): MO => mergeMergingOption(a, b, (x, y) => mergeMap(x, y, mergeLC))
const leqMO = (a: MO, b: MO): boolean => mergingOptionLeq(a, b, (x, y) => mapLeq(x, y, leqLC))
checkSemilatticeLaws("MergingOption<Map<string, Lww<CancelingOption<string>>>>", moArb, mergeMO, leqMO)

describe("nested mutants are caught", () => {
  // A broken inner merge breaks the composite: inner Lww tie decided by arrival order.
  const arrivalInner = (x: Lww<string>, y: Lww<string>): Lww<string> => (compareHlc(x.ts, y.ts) > 0 ? x : y)
  const brokenLL = (a: LL, b: LL): LL => mergeLwwMap(a, b, arrivalInner)
  expectLawBroken("LwwMap<Lww> with arrival-order inner ties", "commutative", llArb, brokenLL, leqLL)
  // Deletable whose inner LwwMap drops keys only in b.
  const brokenDL = (a: DL, b: DL): DL =>
    mergeDeletable(a, b, (x, y) => Object.fromEntries(Object.keys(x).map((k) => [k, Object.hasOwn(y, k) ? mergeLww(x[k]!, y[k]!) : x[k]!])))
  expectLawBroken("Deletable<LwwMap> dropping keys only in b", "monotone", dlArb, brokenDL, leqDL)
  // Lww of Garage's two-state CancelingOption: the non-associativity shows through Lww.
  const garageInner = (x: CancelingOption<string>, y: CancelingOption<string>): CancelingOption<string> =>
    x._tag === "Some" && y._tag === "Some" ? (x.value === y.value ? x : { _tag: "Unset" }) : x._tag === "Unset" ? y : x
  const twoStateLcArb: fc.Arbitrary<LC> = lwwArb(
    fc.oneof(fc.constant<CancelingOption<string>>({ _tag: "Unset" }), wordArb.map((v): CancelingOption<string> => ({ _tag: "Some", value: v }))),
  )
  expectLawBroken("Lww<Garage CancelingOption>", "associative", twoStateLcArb, (a, b) => mergeLww(a, b, garageInner), leqLC)
})
