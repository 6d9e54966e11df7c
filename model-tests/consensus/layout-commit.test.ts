// Exhaustive bounded checks of the layout commit reducer (chain of write-once Synod slots).
import { describe, expect, it } from "vitest"
import { explore } from "../../src/check/explore.ts"
import { formatReport } from "../../src/check/report.ts"
import { type LayoutBounds, layoutCiBounds, layoutCommitModel, layoutMutants } from "../../src/check/models/layout-commit.ts"

const deep = process.env.POLLEN_DEEP === "1"

const configs: Array<[string, Partial<LayoutBounds>]> = [
  ["2 proposers, slots 1..2, rounds 1..2", {}],
  ["crash-restart of any node", { crashes: 1 }],
]
const deepConfigs: Array<[string, Partial<LayoutBounds>]> = [
  // 584,042 distinct, depth 44, ~40–72 s
  ["deep: loss and duplication", { drops: 1, duplicates: 1 }],
]

describe("layout commit: exhaustive bounded checks", () => {
  for (const [title, b] of deep ? [...configs, ...deepConfigs] : configs) {
    it(`${title}: LayoutAgreement, LayoutChain, LayoutValidity, HistoryIsChosen hold`, () => {
      const m = layoutCommitModel({ ...layoutCiBounds, ...b })
      const r = explore(m)
      console.log(`[layout-commit] ${title}: ${r.outcome}, ${r.distinct} distinct, depth ${r.depth}, ${r.seconds.toFixed(1)}s`)
      expect(r.outcome).toBe("ok")
      // Not vacuous: version 2 gets committed within the bound.
      const w = explore({
        ...m,
        invariants: [...m.invariants, { name: "NoVersion2", holds: (v) => !v.nodes.some((n) => n.state?.history["2"] !== undefined) }],
      })
      expect(w.violated).toBe("NoVersion2")
    })
  }
})

describe("layout commit: mutants", () => {
  const cases: Array<[string, Partial<LayoutBounds>, string, boolean]> = [
    ["skip-phase1", {}, "LayoutAgreement", false],
    ["chain-on-own-candidate", { maxInFlight: 5 }, "LayoutChain", true],
  ]
  for (const [mutant, b, invariant, deepOnly] of cases) {
    it.skipIf(deepOnly && !deep)(`${mutant} violates ${invariant}`, () => {
      const m = layoutCommitModel({ ...layoutCiBounds, ...b }, layoutMutants[mutant], `layout-commit/${mutant}`)
      const r = explore(m)
      console.log(`[layout-commit/${mutant}]\n${formatReport(r, m.describe as never)}`)
      expect(r.outcome).toBe("invariant")
      expect(r.violated).toBe(invariant)
    })
  }
})
