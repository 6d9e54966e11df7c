import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { rowBatches } from "../../src/node/table/row-batches.ts"

describe("rowBatches", () => {
  it("keeps every row in order; no batch over the row or byte bound unless it is one row", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 300 }), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 500 }), (sizes, maxRows, maxBytes) => {
        const rows = sizes.map((n, i) => new Uint8Array(n).fill(i % 251))
        const batches = [...rowBatches(rows, maxRows, maxBytes)]
        expect(batches.flat()).toEqual(rows)
        for (const b of batches) {
          expect(b.length).toBeGreaterThan(0)
          expect(b.length).toBeLessThanOrEqual(maxRows)
          if (b.length > 1) expect(b.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(maxBytes)
        }
      }),
    )
  })
})
