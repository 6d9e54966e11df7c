// Range merges: the first `limit` merged rows of the replicas' truncated answers equal the
// first `limit` rows of the union of their full contents, and read repair targets exactly
// the replicas that answered without the merged value.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareSortKeys, mergeRanges, type ReplicaRange } from "../../src/core/table/range-merge.ts"

const max = (a: number, b: number) => Math.max(a, b)
const replicaArb = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e", "f", "é", "😀", "z"), fc.integer({ min: 0, max: 5 }))

const answer = (node: string, contents: Record<string, number>, limit: number): ReplicaRange<number> => {
  const rows = Object.keys(contents)
    .sort(compareSortKeys)
    .map((sortKey) => ({ sortKey, entry: contents[sortKey]! }))
  return { node, rows: rows.slice(0, limit), exhausted: rows.length < limit }
}

describe("mergeRanges", () => {
  it("returns the first rows of the union, merged", () => {
    fc.assert(
      fc.property(fc.array(replicaArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 6 }), (replicas, limit) => {
        const union: Record<string, number> = {}
        for (const r of replicas) for (const [k, v] of Object.entries(r)) union[k] = max(union[k] ?? v, v)
        const expected = Object.keys(union).sort(compareSortKeys).slice(0, limit)
        const merged = mergeRanges(replicas.map((r, i) => answer(`n${i}`, r, limit)), limit, max, (a, b) => a === b)
        expect(merged.rows.map((r) => r.sortKey)).toEqual(expected)
        expect(merged.rows.map((r) => r.entry)).toEqual(expected.map((k) => union[k]))
        expect(merged.exhausted).toBe(Object.keys(union).length <= limit && replicas.every((r) => Object.keys(r).length < limit))
        for (const rep of merged.repairs) {
          const r = replicas[Number(rep.node.slice(1))]!
          expect(r[rep.sortKey]).not.toBe(rep.entry)
        }
      }),
      { numRuns: 500 },
    )
  })

  it("sort keys compare in UTF-8 byte order", () => {
    const keys = ["z", "é", "\uffff", "😀", "a"]
    const bytes = (s: string) => Buffer.from(s, "utf8")
    expect([...keys].sort(compareSortKeys)).toEqual([...keys].sort((x, y) => Buffer.compare(bytes(x), bytes(y))))
  })
})
