// Refinement: every step of the name-registry reducer's cluster model maps, under `abs`, to a
// `Next` step of spec/NameRegistry.tla or to a stuttering step (DESIGN §4.3), checked by the
// generic checker (src/check/refinement.ts) over the COMPLETE reachable state space of each
// bound. The spec's `msgs` is the monotone set of every message ever sent, kept as a ghost of
// the refinement model, so loss and duplication in the reducer's network are reorderings.
import { describe, expect, it } from "vitest"
import { checkRefinement, formatRefinementFailure, type RefinementResult } from "../../src/check/refinement.ts"
import { describeAction } from "../../src/check/trace.ts"
import { nameCiBounds, type NameRegistryBounds, registryMutants } from "../../src/check/models/name-registry.ts"
import { nameAbs, nameRefinementModel, nameSpecConstants, refinableNameBounds } from "../../src/check/models/name-registry-refinement.ts"
import { loadSpec } from "../../src/tla/api.ts"

const deep = process.env.POLLEN_DEEP === "1"
const quiet = { crashes: 0, drops: 0, duplicates: 0, partitions: 0 }

const refine = (title: string, over: Partial<NameRegistryBounds>, mutant?: string) => {
  const bounds = refinableNameBounds({ ...nameCiBounds, ...quiet, ...over })
  const spec = loadSpec("spec/NameRegistry.tla", { constants: nameSpecConstants(bounds) })
  const model = nameRefinementModel(bounds, mutant === undefined ? undefined : registryMutants[mutant], mutant === undefined ? "name-registry" : `name-registry/${mutant}`)
  const abs = nameAbs(bounds)
  // Not vacuous: some abstract state has a proposer that decided.
  let decided = false
  const r: RefinementResult = checkRefinement({
    model,
    spec,
    abs: (view) => {
      const a = abs(view)
      if (!decided && [...(a["pPhase"] as Map<number, string>).values()].includes("done")) decided = true
      return a
    },
  })
  const { failure, ...figures } = r
  console.log(`[refinement] ${title}: ${JSON.stringify(figures)}`)
  if (failure !== undefined) {
    console.log(`[refinement] ${title}: first non-refining step:\n${formatRefinementFailure(failure, (s) => describeAction(s.action, model.describe as never))}`)
  }
  return { r, decided }
}

const exhaustive = (title: string, over: Partial<NameRegistryBounds>) => () => {
  const { r, decided } = refine(title, over)
  expect(r.failure).toBeUndefined()
  expect(r.outcome).toBe("ok")
  expect(decided).toBe(true)
}

describe("refinement: name-registry reducer ⊑ spec/NameRegistry.tla (exhaustive)", () => {
  // Bounds: 3 voters, separate proposers, at most 4 messages in flight (a state constraint).
  it("2 proposers claim, round 1 (7,523 states)", exhaustive("2 proposers claim, round 1", { script: "claim", rounds: 1 }), 120_000)
  it("2 proposers claim, round 1, one message loss (75,947 states)", exhaustive("2 proposers claim, round 1, loss", { script: "claim", rounds: 1, drops: 1 }), 300_000)
  it(
    "1 proposer claims then releases, rounds 1..2, one crash-restart of any node (35,752 states)",
    exhaustive("claim/release, rounds 1..2, crash", { proposers: 1, script: "claim-release", rounds: 2, crashes: 1 }),
    300_000,
  )

  // The check is not vacuous: a reducer that adopts a non-maximal value, skips phase 1, or
  // forgets its acceptor state on restart takes a step that is no Next step; the first such
  // step is printed.
  const mutants: Array<[string, Partial<NameRegistryBounds>]> = [
    ["non-max-adopt", { script: "claim", rounds: 1 }],
    ["skip-phase1", { script: "claim", rounds: 1 }],
    ["amnesia", { script: "claim", rounds: 1, crashes: 1 }],
  ]
  for (const [mutant, over] of mutants) {
    it(`mutant ${mutant} is not a refinement`, () => {
      const { r } = refine(`mutant ${mutant}`, over, mutant)
      expect(r.outcome).toBe("step")
      expect(r.failure!.diff.length).toBeGreaterThan(0)
    }, 120_000)
  }
})

describe.runIf(deep)("refinement, deep bounds (npm run check:deep)", () => {
  it("2 proposers claim, round 1, one loss and one duplication", exhaustive("deep: claim, loss + duplication", { script: "claim", rounds: 1, drops: 1, duplicates: 1 }), 1_800_000)
  it("2 proposers claim, round 1, one crash-restart", exhaustive("deep: claim, crash", { script: "claim", rounds: 1, crashes: 1 }), 1_800_000)
  it("claim/claim/release, rounds 1..2", exhaustive("deep: claim/claim/release, rounds 1..2", { script: "claim-release", rounds: 2 }), 1_800_000)
})
