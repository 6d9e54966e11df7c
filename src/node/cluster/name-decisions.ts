// Decisions of the name registry as the store sees them: per name, the alias row and the
// bucket rows the decision projects (src/core/consensus/projection.ts). The reducer keeps
// these rows in its state and on its disk; this file turns a change of them into events.
import type { AliasRow, BucketRow } from "../../core/consensus/name-messages.ts"
import type { Rows } from "../../core/consensus/projection.ts"

/**
 * The rows a name-registry decision projects. Applying one is idempotent and commutes with
 * applying any other (alias rows merge by max rank `(gen, kind)`, bucket rows only go from
 * live to deleted), so every node that learns a decision may apply it, in any order.
 */
export interface NameDecision {
  readonly name: string
  readonly alias: AliasRow
  /** Bucket rows this decision created or marked deleted. */
  readonly buckets: ReadonlyArray<{ readonly id: string; readonly row: BucketRow }>
}

/** The decisions whose rows differ between `before` and `after` (one per name). */
export const changedDecisions = (before: Rows, after: Rows): NameDecision[] => {
  if (before === after) return []
  const buckets = new Map<string, Array<{ id: string; row: BucketRow }>>()
  for (const [id, row] of Object.entries(after.buckets)) {
    if (before.buckets[id] === row) continue
    const list = buckets.get(row.name) ?? []
    list.push({ id, row })
    buckets.set(row.name, list)
  }
  const out: NameDecision[] = []
  for (const [name, alias] of Object.entries(after.alias)) {
    if (before.alias[name] === alias && !buckets.has(name)) continue
    out.push({ name, alias, buckets: buckets.get(name) ?? [] })
  }
  return out
}

/** Every name's current rows, for a listener that starts late (or after a restart). */
export const allDecisions = (rows: Rows): NameDecision[] => changedDecisions({ alias: {}, buckets: {} }, rows)
