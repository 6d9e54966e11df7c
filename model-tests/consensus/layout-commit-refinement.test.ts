// Refinement: every step of the layout-commit reducer's cluster model maps, under `abs`, to a
// `Next` step of spec/LayoutCommit.tla or to a stuttering step (DESIGN §4.3), over the COMPLETE
// reachable state space of the bound (src/check/refinement.ts). The spec has no crash action:
// crash-restart is covered by the invariant checks (layout-commit.test.ts), not here.
import { describe, expect, it } from "vitest"
import { checkRefinement, formatRefinementFailure, type RefinementResult } from "../../src/check/refinement.ts"
import { describeAction } from "../../src/check/trace.ts"
import { type LayoutBounds, layoutCiBounds, layoutMutants } from "../../src/check/models/layout-commit.ts"
import { layoutCommitAbs, layoutCommitSpecConstants, layoutRefinementModelOf } from "../../src/check/models/layout-commit-refinement.ts"
import { loadSpec } from "../../src/tla/api.ts"

const deep = process.env.POLLEN_DEEP === "1"

const refine = (title: string, over: Partial<LayoutBounds>, mutant?: string) => {
  const bounds = { ...layoutCiBounds, ...over }
  const spec = loadSpec("spec/LayoutCommit.tla", { constants: layoutCommitSpecConstants(bounds) })
  const model = layoutRefinementModelOf(bounds, mutant === undefined ? undefined : layoutMutants[mutant], mutant === undefined ? "layout-commit" : `layout-commit/${mutant}`)
  const abs = layoutCommitAbs(bounds)
  // Not vacuous: version 2 gets decided at some proposer.
  let v2 = false
  const r: RefinementResult = checkRefinement({
    model,
    spec,
    abs: (view) => {
      const a = abs(view)
      if (!v2) v2 = [...(a["hist"] as Map<number, Map<number, { ver: number }>>).values()].some((h) => h.get(2)!.ver === 2)
      return a
    },
  })
  const { failure, ...figures } = r
  console.log(`[layout-commit refinement] ${title}: ${JSON.stringify(figures)}`)
  if (failure !== undefined) {
    console.log(`[layout-commit refinement] ${title}: first non-refining step:\n${formatRefinementFailure(failure, (s) => describeAction(s.action, model.describe as never))}`)
  }
  return { r, v2 }
}

describe("refinement: layout-commit reducer ⊑ spec/LayoutCommit.tla (exhaustive)", () => {
  it("2 proposers (p0 proposes twice), slots 1..2, rounds 1..2, ≤4 in flight (20,349 states)", () => {
    const { r, v2 } = refine("CI bound", {})
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
    expect(v2).toBe(true)
  }, 300_000)

  it("mutant skip-phase1 is not a refinement (Accept without a promise quorum)", () => {
    const { r } = refine("mutant skip-phase1", {}, "skip-phase1")
    expect(r.outcome).toBe("step")
    expect(r.failure!.diff.map((d) => d.variable)).toContain("pPhase")
  }, 120_000)
})

describe.runIf(deep)("layout-commit refinement, deep bounds (npm run check:deep)", () => {
  it("one message loss (561,594 states)", () => {
    const { r } = refine("deep: loss", { drops: 1 })
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
  }, 3_600_000)

  it("mutant chain-on-own-candidate is not a refinement at 5 in flight (its slot-2 candidate is not Candidate(p, 2))", () => {
    const { r } = refine("deep: mutant chain-on-own-candidate", { maxInFlight: 5 }, "chain-on-own-candidate")
    expect(r.outcome).toBe("step")
  }, 3_600_000)
})
