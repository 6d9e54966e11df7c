// The CRDT rows as projections of decisions (consensus.md §5.8). Any node that learns a
// decision (the deciding proposer, a `Decided` receiver, later anti-entropy) computes the
// same rows from it, so a losing proposer never writes a bucket row: no orphans.
import type { Ballot } from "./ballot.ts"
import { rank, sameVal } from "./change.ts"
import type { AliasRow, BucketRow, NameVal } from "./name-messages.ts"

export interface Rows {
  readonly alias: Readonly<Record<string, AliasRow>>
  readonly buckets: Readonly<Record<string, BucketRow>>
}

export const aliasRank = (row: AliasRow): number => (row.kind === "bound" ? 2 * row.gen - 1 : 2 * row.gen)

export const aliasRowOf = (val: NameVal, b: Ballot): AliasRow =>
  val._tag === "Bound"
    ? { gen: val.gen, kind: "bound", bucketId: val.bucketId, decidedBallot: b }
    : { gen: val.gen, kind: "free", bucketId: null, decidedBallot: b }

/** Equal rows up to the ballot that decided them (two ballots may decide the same value). */
export const sameAliasValue = (a: AliasRow, b: AliasRow): boolean =>
  a.gen === b.gen && a.kind === b.kind && a.bucketId === b.bucketId

export interface Projected {
  readonly rows: Rows
  /** Rows that changed, to persist: alias rows by name, bucket rows by id. */
  readonly alias: ReadonlyArray<readonly [string, AliasRow]>
  readonly buckets: ReadonlyArray<readonly [string, BucketRow]>
}

/**
 * Applies the decision `val` (chosen at ballot `b`) for `name`. The alias merge is a max by
 * rank `(gen, kind)`; a lower-ranked decision is already superseded and changes nothing.
 */
export const project = (rows: Rows, name: string, b: Ballot, val: NameVal | null): Projected => {
  if (val === null) return { rows, alias: [], buckets: [] }
  const current = rows.alias[name]
  if (current !== undefined && aliasRank(current) >= rank(val)) return { rows, alias: [], buckets: [] }
  const row = aliasRowOf(val, b)
  const bucketChanges: Array<readonly [string, BucketRow]> = []
  if (val._tag === "Bound") {
    if (rows.buckets[val.bucketId] === undefined) {
      bucketChanges.push([val.bucketId, { name, ownerKey: val.ownerKey, initParams: val.initParams, deleted: false }])
    }
  }
  // Every bucket this node projected under `name` at a generation ≤ the new one and not
  // bound by it is released.
  for (const id of Object.keys(rows.buckets).sort()) {
    const r = rows.buckets[id]!
    if (r.name === name && !r.deleted && !(val._tag === "Bound" && val.bucketId === id)) {
      bucketChanges.push([id, { ...r, deleted: true }])
    }
  }
  const buckets = { ...rows.buckets }
  for (const [id, r] of bucketChanges) buckets[id] = r
  return { rows: { alias: { ...rows.alias, [name]: row }, buckets }, alias: [[name, row]], buckets: bucketChanges }
}

/** "Equal rank ⇒ equal value": the assertion the alias merge may make thanks to Agreement. */
export const rowsAgree = (a: AliasRow, b: AliasRow): boolean => aliasRank(a) !== aliasRank(b) || sameAliasValue(a, b)

export { sameVal }
