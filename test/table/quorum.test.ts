// Quorum sizes against Garage's table (reference/garage.md §4.4), the intersection property
// they exist for, and the every-write-set rule.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { readQuorum, writeQuorum, writeSetsHopeless, writeSetsSatisfied } from "../../src/core/table/quorum.ts"

describe("quorums", () => {
  it("match Garage's R/W for rf 1..5", () => {
    const table: Record<number, [number, number, number, number, number, number]> = {
      1: [1, 1, 1, 1, 1, 1],
      2: [1, 2, 1, 2, 1, 1],
      3: [2, 2, 1, 2, 1, 1],
      4: [2, 3, 1, 3, 1, 1],
      5: [3, 3, 1, 3, 1, 1],
    }
    for (const [rf, [cr, cw, dr, dw, xr, xw]] of Object.entries(table).map(([k, v]) => [Number(k), v] as const)) {
      expect([readQuorum("consistent", rf), writeQuorum("consistent", rf)]).toEqual([cr, cw])
      expect([readQuorum("degraded", rf), writeQuorum("degraded", rf)]).toEqual([dr, dw])
      expect([readQuorum("dangerous", rf), writeQuorum("dangerous", rf)]).toEqual([xr, xw])
    }
  })

  it("consistent mode: R + W > n and 2W > n for every n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (n) => {
        expect(readQuorum("consistent", n) + writeQuorum("consistent", n)).toBeGreaterThan(n)
        expect(2 * writeQuorum("consistent", n)).toBeGreaterThan(n)
      }),
    )
  })

  it("a write needs W acks in every write set", () => {
    const sets = [
      ["a", "b", "c"],
      ["b", "c", "d"],
    ]
    expect(writeSetsSatisfied("consistent", sets, new Set(["a", "b"]))).toBe(false)
    expect(writeSetsSatisfied("consistent", sets, new Set(["a", "b", "d"]))).toBe(true)
    expect(writeSetsSatisfied("consistent", sets, new Set(["b", "c"]))).toBe(true)
    expect(writeSetsHopeless("consistent", sets, new Set(["a"]))).toBe(false)
    expect(writeSetsHopeless("consistent", sets, new Set(["c", "d"]))).toBe(true)
    expect(writeSetsSatisfied("dangerous", sets, new Set(["b"]))).toBe(true)
    expect(writeSetsSatisfied("consistent", [[]], new Set(["a"]))).toBe(false)
    expect(writeSetsHopeless("consistent", [[]], new Set())).toBe(true)
  })
})
