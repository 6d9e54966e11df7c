// Counters that replicas can bump independently. A G-counter keeps one non-decreasing
// count per node and merges by per-node max (never by sum: merging the same state twice,
// which gossip does all the time, would count it twice). A PN-counter is two G-counters,
// increments and decrements, so that decrements are also just growth.

import type { Leq } from "./lattice.ts"
import { mapEmpty, mapGet, mapLeq, mergeMap, type CrdtMap } from "./map.ts"

/** node id → number of increments made by that node (non-negative). */
export type GCounter = CrdtMap<number>

export const gCounterEmpty: GCounter = mapEmpty

const max = (x: number, y: number): number => (y > x ? y : x)

/**
 * Add `by` (≥ 0) to this node's entry. Only the node itself may increment its own entry;
 * that is what makes per-node max lose nothing. A negative or non-finite `by` would break
 * monotonicity, so it is a programming error and throws.
 */
export const gCounterIncrement = (c: GCounter, node: string, by = 1): GCounter => {
  if (!(Number.isFinite(by) && by >= 0)) throw new RangeError(`gCounterIncrement: by must be finite and >= 0, got ${by}`)
  if (by === 0) return c
  const own = mapGet(c, node) ?? 0
  return mergeMap(c, Object.fromEntries([[node, own + by]]), max)
}

export const gCounterValue = (c: GCounter): number =>
  Object.values(c).reduce((sum, n) => sum + n, 0)

export const mergeGCounter = (a: GCounter, b: GCounter): GCounter => mergeMap(a, b, max)

const numberLeq: Leq<number> = (x, y) => x <= y

/** Pointwise ≤, a missing entry counting as absent (below any count). */
export const gCounterLeq = (a: GCounter, b: GCounter): boolean => mapLeq(a, b, numberLeq)

export type PnCounter = { readonly p: GCounter; readonly n: GCounter }

export const pnCounterEmpty: PnCounter = { p: gCounterEmpty, n: gCounterEmpty }

/** Add `by` (any finite number; negative means decrement) on behalf of `node`. */
export const pnCounterIncrement = (c: PnCounter, node: string, by = 1): PnCounter => {
  if (!Number.isFinite(by)) throw new RangeError(`pnCounterIncrement: by must be finite, got ${by}`)
  if (by < 0) return pnCounterDecrement(c, node, -by)
  const p = gCounterIncrement(c.p, node, by)
  return p === c.p ? c : { p, n: c.n }
}

/** Subtract `by` (≥ 0) on behalf of `node`. */
export const pnCounterDecrement = (c: PnCounter, node: string, by = 1): PnCounter => {
  const n = gCounterIncrement(c.n, node, by)
  return n === c.n ? c : { p: c.p, n }
}

export const pnCounterValue = (c: PnCounter): number => gCounterValue(c.p) - gCounterValue(c.n)

/** Componentwise merge. Returns `a` when unchanged. */
export const mergePnCounter = (a: PnCounter, b: PnCounter): PnCounter => {
  const p = mergeGCounter(a.p, b.p)
  const n = mergeGCounter(a.n, b.n)
  return p === a.p && n === a.n ? a : { p, n }
}

export const pnCounterLeq = (a: PnCounter, b: PnCounter): boolean =>
  gCounterLeq(a.p, b.p) && gCounterLeq(a.n, b.n)
