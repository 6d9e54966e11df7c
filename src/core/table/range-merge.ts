// Merging range reads from a quorum of replicas. Each replica returns its first `limit`
// rows of a sort-key range. The first `limit` rows of the merged union are exactly right:
// a row missing from some replica's answer is missing because that replica has `limit`
// smaller rows, which then precede it in the union too (Garage's get_range returns only
// these for the same reason). The same holds across partitions, so a listing that merges
// every partition's quorum answer is also correct up to its limit.
import type { NodeId } from "../machine.ts"

export interface ReplicaRange<E> {
  readonly node: NodeId
  /** Sorted by sort key, at most `limit` rows. */
  readonly rows: ReadonlyArray<{ readonly sortKey: string; readonly entry: E }>
  /** True when the replica returned fewer than `limit` rows: it has nothing more. */
  readonly exhausted: boolean
}

export interface MergedRange<E> {
  readonly rows: ReadonlyArray<{ readonly sortKey: string; readonly entry: E }>
  /** True when no replica has rows past the last one returned. */
  readonly exhausted: boolean
  /** Rows a replica lacks or holds stale, within what it answered for: read repair. */
  readonly repairs: ReadonlyArray<{ readonly node: NodeId; readonly sortKey: string; readonly entry: E }>
}


/** UTF-16 order equals UTF-8 byte order except around surrogates; compare as code points. */
export const compareSortKeys = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}

export const mergeRanges = <E>(
  replies: ReadonlyArray<ReplicaRange<E>>,
  limit: number,
  merge: (a: E, b: E) => E,
  same: (a: E, b: E) => boolean,
): MergedRange<E> => {
  const merged = new Map<string, E>()
  for (const r of replies) {
    for (const { sortKey, entry } of r.rows) {
      const cur = merged.get(sortKey)
      merged.set(sortKey, cur === undefined ? entry : merge(cur, entry))
    }
  }
  const keys = [...merged.keys()].sort(compareSortKeys)
  const rows = keys.slice(0, limit).map((sortKey) => ({ sortKey, entry: merged.get(sortKey)! }))
  const exhausted = keys.length <= limit && replies.every((r) => r.exhausted)
  const repairs: Array<{ node: NodeId; sortKey: string; entry: E }> = []
  for (const r of replies) {
    const last = r.rows.length > 0 ? r.rows[r.rows.length - 1]!.sortKey : undefined
    const mine = new Map(r.rows.map((x) => [x.sortKey, x.entry]))
    for (const { sortKey, entry } of rows) {
      // A replica that stopped at `limit` says nothing about keys after its last one.
      if (!r.exhausted && (last === undefined || compareSortKeys(sortKey, last) > 0)) continue
      const have = mine.get(sortKey)
      if (have === undefined || !same(have, entry)) repairs.push({ node: r.node, sortKey, entry })
    }
  }
  return { rows, exhausted, repairs }
}
