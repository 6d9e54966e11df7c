// Merging range reads from read quorums. A node answers for all the partitions it is
// asked about at once, with the first `limit` rows over all of them; its answer is exact
// up to its last row (Garage's get_range keeps only the first `limit` merged rows for the
// same reason). A listing over every partition of a spread table thus costs each node at
// most `limit` rows per page.
import type { NodeId } from "../machine.ts"

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

/**
 * One node's answer to a range read over several partitions: the first `limit` rows of
 * all of them together, in sort-key order. When not `complete`, the node has returned
 * every row of those partitions up to its last row's sort key (its bound), none after.
 */
export interface NodeRange<E> {
  readonly node: NodeId
  /** The partitions the node was asked about. */
  readonly partitions: ReadonlyArray<number>
  readonly rows: ReadonlyArray<{ readonly partition: number; readonly sortKey: string; readonly entry: E }>
  readonly complete: boolean
}

export interface MergedNodeRanges<E> {
  readonly rows: ReadonlyArray<{ readonly partition: number; readonly sortKey: string; readonly entry: E }>
  /** Where the next page starts, or undefined when nothing is left. */
  readonly next: string | undefined
  readonly repairs: ReadonlyArray<{ readonly node: NodeId; readonly entry: E }>
}

/**
 * Merges nodes' answers to a range read over partitions, each partition answered by a
 * read quorum among them. Every answer is exact up to its bound, so the merge is exact up
 * to the smallest bound C; the node with that bound returned `limit` rows up to C, so a
 * page always holds `limit` rows unless the range is exhausted. Each node then sends at
 * most `limit` rows however many partitions it holds.
 */
export const mergeNodeRanges = <E>(
  answers: ReadonlyArray<NodeRange<E>>,
  limit: number,
  merge: (a: E, b: E) => E,
  same: (a: E, b: E) => boolean,
): MergedNodeRanges<E> => {
  let bound: string | undefined
  for (const a of answers) {
    if (a.complete || a.rows.length === 0) continue
    const last = a.rows[a.rows.length - 1]!.sortKey
    if (bound === undefined || compareSortKeys(last, bound) < 0) bound = last
  }
  const within = (k: string) => bound === undefined || compareSortKeys(k, bound) <= 0
  const id = (p: number, k: string) => `${p}\u0000${k}`
  const merged = new Map<string, { partition: number; sortKey: string; entry: E }>()
  for (const a of answers) {
    for (const r of a.rows) {
      if (!within(r.sortKey)) continue
      const cur = merged.get(id(r.partition, r.sortKey))
      merged.set(id(r.partition, r.sortKey), cur === undefined ? r : { ...r, entry: merge(cur.entry, r.entry) })
    }
  }
  const all = [...merged.values()].sort((x, y) => compareSortKeys(x.sortKey, y.sortKey) || x.partition - y.partition)
  const rows = all.slice(0, limit)
  const last = rows[rows.length - 1]
  const next = last !== undefined && (all.length > limit || bound !== undefined) ? `${last.sortKey}\u0000` : undefined
  const repairs: Array<{ node: NodeId; entry: E }> = []
  for (const a of answers) {
    const asked = new Set(a.partitions)
    const mine = new Map(a.rows.map((r) => [id(r.partition, r.sortKey), r.entry]))
    for (const r of rows) {
      if (!asked.has(r.partition)) continue
      const have = mine.get(id(r.partition, r.sortKey))
      if (have === undefined || !same(have, r.entry)) repairs.push({ node: a.node, entry: r.entry })
    }
  }
  return { rows, next, repairs }
}
