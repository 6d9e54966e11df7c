// Unit tests of the refinement checker (src/check/refinement.ts) on the layout-transition
// reducer at a tiny bound (2 messages in flight: 98 states): it accepts the correct reducer
// with its abstraction, and it rejects a wrong abstraction (at Init or at a step) and a
// mutant reducer whose steps the spec does not allow, with a trace to the offending step.
import { describe, expect, it } from "vitest"
import { checkRefinement, formatRefinementFailure } from "../../src/check/refinement.ts"
import {
  layoutAbs,
  layoutCiBounds,
  type LayoutTransitionBounds,
  layoutRefinementModel,
  layoutSpecConstants,
  layoutTransitionMutants,
} from "../../src/check/models/layout-transition.ts"
import { loadSpec } from "../../src/tla/api.ts"

const bounds: LayoutTransitionBounds = { ...layoutCiBounds, maxInFlight: 2, crashes: 0 }
const spec = loadSpec("spec/LayoutTransition.tla", { constants: layoutSpecConstants(bounds) })
const model = layoutRefinementModel(bounds)
const abs = layoutAbs(bounds)

describe("checkRefinement", () => {
  it("accepts the correct reducer with its abstraction", () => {
    const r = checkRefinement({ model, spec, abs })
    expect(r.failure).toBeUndefined()
    expect(r.outcome).toBe("ok")
    expect(r.distinct).toBe(98)
    expect(r.abstractSteps).toBeGreaterThan(0)
    expect(r.stutters).toBeGreaterThan(0)
  })

  it("rejects an abstraction whose initial state does not satisfy Init", () => {
    const wrong = (v: Parameters<typeof abs>[0]) => ({ ...abs(v), nwrites: 1 })
    const r = checkRefinement({ model, spec, abs: wrong })
    expect(r.outcome).toBe("init")
    expect(r.failure!.trace.steps).toHaveLength(0)
  })

  it("rejects an abstraction that hides a variable's change (a step becomes neither Next nor stuttering)", () => {
    // committed stays 1 while the operator's node moves to version 2.
    const wrong = (v: Parameters<typeof abs>[0]) => ({ ...abs(v), committed: 1 })
    const r = checkRefinement({ model, spec, abs: wrong })
    expect(r.outcome).toBe("step")
    const f = r.failure!
    const last = f.trace.steps[f.trace.steps.length - 1]!
    expect(last.action).toMatchObject({ kind: "request", op: { _tag: "Apply", version: 2 } })
    expect(f.diff.map((d) => d.variable)).toContain("vcur")
    expect(f.diff.map((d) => d.variable)).not.toContain("committed")
    console.log(formatRefinementFailure(f))
  })

  it("rejects a mutant reducer whose step the spec does not allow (read-newest against the correct spec)", () => {
    const mutant = layoutRefinementModel(bounds, layoutTransitionMutants["read-newest"], "layout-transition/read-newest")
    const r = checkRefinement({ model: mutant, spec, abs })
    expect(r.outcome).toBe("step")
    const f = r.failure!
    // Applying v2 makes the mutant read (and set syncAck) at v2 at once; Settle allows 1.
    expect(f.trace.steps).toHaveLength(1)
    expect(f.diff.find((d) => d.variable === "syncAck")).toBeDefined()
  })

  it("each mutant reducer refines the spec with the mutant's flag (the flags encode the mutants)", () => {
    for (const name of ["read-newest", "no-ack-lock", "sync-no-index-wait", "retire-on-quorum", "no-sync-chaining"]) {
      const mutantSpec = loadSpec("spec/LayoutTransition.tla", { constants: layoutSpecConstants(bounds, name) })
      const mutant = layoutRefinementModel(bounds, layoutTransitionMutants[name], `layout-transition/${name}`)
      const r = checkRefinement({ model: mutant, spec: mutantSpec, abs })
      expect(r.failure === undefined ? "ok" : formatRefinementFailure(r.failure)).toBe("ok")
    }
  })
})
