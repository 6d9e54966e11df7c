// Range merges: paging through nodes' truncated answers yields exactly the merged union of
// their contents, `limit` rows a page.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareSortKeys, mergeNodeRanges } from "../../src/core/table/range-merge.ts"

const max = (a: number, b: number) => Math.max(a, b)
const replicaArb = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e", "f", "é", "😀", "z"), fc.integer({ min: 0, max: 5 }))

describe("sort keys", () => {
  it("sort keys compare in UTF-8 byte order", () => {
    const keys = ["z", "é", "\uffff", "😀", "a"]
    const bytes = (s: string) => Buffer.from(s, "utf8")
    expect([...keys].sort(compareSortKeys)).toEqual([...keys].sort((x, y) => Buffer.compare(bytes(x), bytes(y))))
  })
})

describe("mergeNodeRanges", () => {
  // Nodes hold partitions; each partition's replicas may differ. A node answers with the
  // first `limit` rows over the partitions it is asked about.
  const nodeArb = fc.array(fc.array(replicaArb, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 3 })
  it("pages through exactly the merged union, `limit` rows a page", () => {
    fc.assert(
      fc.property(nodeArb, fc.integer({ min: 1, max: 5 }), (partitions, limit) => {
        // partitions[p][n]: node n's contents for partition p (keys are made distinct per partition).
        const contents = partitions.map((replicas, p) => replicas.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${k}${p}`, v]))))
        const truth = new Map<string, number>()
        for (const replicas of contents) for (const r of replicas) for (const [k, v] of Object.entries(r)) truth.set(k, Math.max(truth.get(k) ?? v, v))
        const expected = [...truth.keys()].sort(compareSortKeys)
        const seen: string[] = []
        let start = ""
        for (let page = 0; page < 50; page++) {
          const answers = [0, 1, 2].map((n) => {
            const rows = contents
              .flatMap((replicas, p) => Object.entries(replicas[n]!).filter(([k]) => compareSortKeys(k, start) >= 0).map(([sortKey, entry]) => ({ partition: p, sortKey, entry })))
              .sort((x, y) => compareSortKeys(x.sortKey, y.sortKey))
            return { node: `n${n}`, partitions: contents.map((_, p) => p), rows: rows.slice(0, limit), complete: rows.length <= limit }
          })
          const m = mergeNodeRanges(answers, limit, max, (a, b) => a === b)
          for (const r of m.rows) expect(r.entry).toBe(truth.get(r.sortKey))
          seen.push(...m.rows.map((r) => r.sortKey))
          if (m.next === undefined) break
          expect(m.rows.length).toBe(limit)
          start = m.next
        }
        expect(seen).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})
