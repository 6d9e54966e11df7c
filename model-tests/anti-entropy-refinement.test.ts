// Refinement (DESIGN §4.3): every step of the anti-entropy reducer's cluster model, mapped
// through `abs`, is a step of spec/AntiEntropy.tla's Next or a stuttering step, and every
// initial state satisfies Init. The spec is evaluated by Pollen's own TLA+ evaluator.
// Each reducer mutant is caught at its first step the spec does not allow.
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { canonicalJson } from "../src/check/canonical-json.ts"
import { ClusterSemantics } from "../src/check/cluster-semantics.ts"
import { checkRefinement, formatRefinementFailure, type RefinementResult } from "../src/check/refinement.ts"
import { antiEntropyModel, antiEntropyMutants, ciBounds, type AntiEntropyBounds } from "../src/check/models/anti-entropy.ts"
import { antiEntropyAbs } from "../src/check/models/anti-entropy-abs.ts"
import { describeAction } from "../src/check/trace.ts"
import type { Op } from "../src/core/anti-entropy/messages.ts"
import type { ReplicaVariant } from "../src/core/anti-entropy/replica.ts"
import { loadSpec } from "../src/tla/api.ts"

const spec = loadSpec(resolve("spec/MCAntiEntropy.tla"), { config: resolve("spec/MCAntiEntropy.cfg") })

const clients = [
  { node: "n0", ops: [{ _tag: "Put", key: "x", value: "a" } as Op, { _tag: "Get", key: "x" } as Op] },
  { node: "n1", ops: [{ _tag: "Put", key: "x", value: "b" } as Op] },
]
const ciRefinementBounds: AntiEntropyBounds = { ...ciBounds, crashes: 1, drops: 0, maxInFlight: 1, clients }
const deepRefinementBounds: AntiEntropyBounds = { ...ciBounds, crashes: 1, drops: 1, maxInFlight: 1, clients }
const deep = process.env.POLLEN_DEEP === "1"

/** Explores the reducer's model completely with the generic checker (src/check/refinement.ts). */
const refine = (variant?: ReplicaVariant, bounds = ciRefinementBounds, abs = antiEntropyAbs(clients, ["x"])): RefinementResult => {
  const model = antiEntropyModel(bounds, variant)
  const r = checkRefinement({ model, spec, abs })
  const { failure, ...figures } = r
  console.log(`refinement ${model.name}: ${JSON.stringify(figures)}`)
  if (failure !== undefined) console.log(formatRefinementFailure(failure, (st) => describeAction(st.action, model.describe as never)))
  return r
}

/** The offending step of a failed check, described as in traces. */
const failingStep = (r: RefinementResult): string => {
  const steps = r.failure!.trace.steps
  return describeAction(steps[steps.length - 1]!.action, antiEntropyModel(ciRefinementBounds).describe as never)
}

describe("anti-entropy reducer refines spec/AntiEntropy.tla", () => {
  it("every reachable reducer step is a Next step or stutters (complete state space)", () => {
    const r = refine()
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
    expect(r.transitions).toBeGreaterThan(1_000)
    expect(r.abstractSteps).toBeGreaterThan(0)
  })

  it.runIf(deep)("also with message loss (npm run check:deep)", () => {
    const r = refine(undefined, deepRefinementBounds)
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
  }, 600_000)

  it("the ack-before-persist mutant takes a step the spec forbids", () => {
    const r = refine(antiEntropyMutants["ack-before-persist"])
    expect(r.outcome).toBe("step")
    expect(failingStep(r)).toMatch(/client c\d sends to n\d: Put/)
  })

  it("the arrival-order tie-break takes a step the spec forbids", () => {
    const r = refine(antiEntropyMutants["arrival-order-tiebreak"])
    expect(r.outcome).toBe("step")
    expect(failingStep(r)).toMatch(/receives from/)
  })

  it("a wrong abstraction is caught (the check can fail)", () => {
    const abs = antiEntropyAbs(clients, ["x"])
    const sem = new ClusterSemantics(antiEntropyModel(ciRefinementBounds))
    const init = abs(sem.view(sem.initialWorld()))
    expect(spec.evalInit(init)).toBe(true)
    expect(spec.evalInit({ ...init, crashes: 1 })).toBe(false)
    // The same wrong abstraction fails the whole check at Init.
    const r = refine(undefined, ciRefinementBounds, (v) => ({ ...abs(v), crashes: 1 }))
    expect(r.outcome).toBe("init")
  })
})

describe("spec/AntiEntropy.tla checks with Pollen's TLA+ checker", () => {
  it("holds its invariants in the CI model", async () => {
    const { checkSpec } = await import("../src/tla/api.ts")
    const result = checkSpec(resolve("spec/MCAntiEntropy.tla"))
    console.log(canonicalJson({ distinct: result.distinct, generated: result.generated, depth: result.depth }))
    expect(result.outcome.kind).toBe("ok")
  })
})
