// Refinement of the layout-transition reducer against spec/LayoutTransition.tla (DESIGN §4.3):
// every initial state maps by layoutAbs to a state satisfying Init, and every transition of
// the reducer's cluster model to a Next step or a stutter. CI: complete at 3 nodes, rf 1,
// 3 messages in flight (about 121k states), and complete with a crash or with the
// operator's transition scenario at 2 in flight; POLLEN_DEEP=1: larger prefixes.
import { describe, expect, it } from "vitest"
import { checkRefinement, formatRefinementFailure, type RefinementResult } from "../../src/check/refinement.ts"
import {
  layoutAbs,
  layoutCiBounds,
  type LayoutTransitionBounds,
  layoutRefinementModel,
  layoutSpecConstants,
  layoutTransitionMutants,
} from "../../src/check/models/layout-transition.ts"
import { loadSpec } from "../../src/tla/api.ts"

const deep = process.env.POLLEN_DEEP === "1"

const refine = (over: Partial<LayoutTransitionBounds>, mutant?: string, maxDistinct?: number): RefinementResult => {
  const bounds = { ...layoutCiBounds, crashes: 0, ...over }
  const spec = loadSpec("spec/LayoutTransition.tla", { constants: layoutSpecConstants(bounds, mutant) })
  const variant = mutant === undefined ? undefined : layoutTransitionMutants[mutant]
  const model = layoutRefinementModel(bounds, variant, mutant === undefined ? "layout-transition" : `layout-transition/${mutant}`)
  const r = checkRefinement({ model, spec, abs: layoutAbs(bounds) }, maxDistinct === undefined ? {} : { maxDistinct })
  const { failure, ...figures } = r
  console.log(`${model.name} ${JSON.stringify(over)}: ${JSON.stringify(figures)}`)
  if (failure !== undefined) console.log(formatRefinementFailure(failure))
  return r
}

describe("layout-transition reducer refines spec/LayoutTransition.tla", () => {
  it("correct protocol, 3 nodes, rf 1, 3 in flight: complete (about 121k states)", () => {
    const r = refine({ maxInFlight: 3 })
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
    expect(r.distinct).toBeGreaterThan(100_000)
  }, 600_000)

  it("one crash, 2 in flight: complete", () => {
    const r = refine({ maxInFlight: 2, crashes: 1 })
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
  })

  it("three versions, operator's transition scenario, 2 in flight: complete", () => {
    const r = refine({ maxInFlight: 2, versions: 3, scenario: "transition" })
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
  })

  it.runIf(deep)("deep: one crash, 3 in flight, first 80,000 states", () => {
    const r = refine({ maxInFlight: 3, crashes: 1 }, undefined, 80_000)
    expect(r.failure).toBeUndefined()
  }, 600_000)

  it.runIf(deep)("deep: three versions, scenario transition, 3 in flight, first 100,000 states", () => {
    const r = refine({ maxInFlight: 3, versions: 3, scenario: "transition" }, undefined, 100_000)
    expect(r.failure).toBeUndefined()
  }, 600_000)

  it.runIf(deep).each(Object.keys(layoutTransitionMutants))("deep: mutant %s refines the spec with its flag (first 30,000 states)", (name) => {
    const r = refine({ maxInFlight: 3 }, name, 30_000)
    expect(r.failure).toBeUndefined()
  }, 600_000)
})
