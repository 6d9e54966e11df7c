// Reference count of one block on one node, with delayed deletion (Garage's rc.rs): a
// count that drops to 0 makes the block deletable only `delayMs` later, and a new
// reference (or a new write of the same content) in between keeps it. Time is data.
import { Schema } from "effect"

export const BlockRcSchema = Schema.Struct({
  count: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Set exactly when count is 0: the time from which the block may be deleted. */
  deletableAt: Schema.optional(Schema.Number),
  /** The block was written here and nothing referenced it here since (its upload may have failed). */
  neverReferenced: Schema.optional(Schema.Literal(true)),
})
export type BlockRc = typeof BlockRcSchema.Type

export const incref = (rc: BlockRc | undefined): BlockRc => ({ count: (rc?.count ?? 0) + 1 })

/** A decrement below zero (a duplicate from the table layer) stays at zero. */
export const decref = (rc: BlockRc | undefined, now: number, delayMs: number): BlockRc => {
  const count = Math.max(0, (rc?.count ?? 0) - 1)
  if (count > 0) return { count }
  // Already at zero: keep the earlier deadline, a duplicate decrement must not postpone it forever.
  if (rc !== undefined && rc.count === 0 && rc.deletableAt !== undefined) return rc
  return { count: 0, deletableAt: now + delayMs }
}

/**
 * A fresh write of a block. The reference that goes with it (through the table layer)
 * arrives after the data, or never if the upload fails: an unknown block becomes a zero
 * count deletable after the delay, and a pending deletion is postponed to it.
 */
export const touch = (rc: BlockRc | undefined, now: number, delayMs: number): BlockRc => {
  if (rc !== undefined && rc.count > 0) return rc
  const deletableAt = Math.max(rc?.deletableAt ?? 0, now + delayMs)
  return rc === undefined || rc.neverReferenced === true ? { count: 0, deletableAt, neverReferenced: true } : { count: 0, deletableAt }
}

/** Referenced, or unreferenced for less than the delay. An unknown block (no record) is not needed. */
export const isNeeded = (rc: BlockRc | undefined, now: number): boolean =>
  rc !== undefined && (rc.count > 0 || (rc.deletableAt !== undefined && now < rc.deletableAt))

/** Unreferenced for at least the delay. An unknown block is never deletable by refcount. */
export const isDeletable = (rc: BlockRc | undefined, now: number): boolean =>
  rc !== undefined && rc.count === 0 && rc.deletableAt !== undefined && now >= rc.deletableAt
