// Model tests of the replicated LwwMap with push/pull anti-entropy: exhaustive at the CI
// bound, every mutant caught with its shortest trace, traces replay from JSON, and long
// random schedules (fast-check) beyond the exhaustive bound.
import { describe, expect, it } from "vitest"
import { explore } from "../src/check/explore.ts"
import {
  antiEntropyModel,
  antiEntropyMutants,
  ciBounds,
  type AntiEntropyBounds,
} from "../src/check/models/anti-entropy.ts"
import { checkRandomSchedules } from "../src/check/random-schedules.ts"
import { formatReport } from "../src/check/report.ts"
import { replayTrace, traceToJson, traceToMermaid, traceToStepList } from "../src/check/trace.ts"
import { correctVariant, type ReplicaVariant } from "../src/core/anti-entropy/replica.ts"
import type { Op } from "../src/core/anti-entropy/messages.ts"

const deep = process.env.POLLEN_DEEP === "1"

const check = (bounds: AntiEntropyBounds, variant?: ReplicaVariant, name?: string) => {
  const model = antiEntropyModel(bounds, variant, name)
  const result = explore(model)
  return { model, result, report: formatReport(result, model.describe as never) }
}

describe("anti-entropy model, exhaustive", () => {
  it("holds every invariant and the history property at the CI bound", () => {
    const { result, report } = check(ciBounds)
    console.log(report)
    expect(result.outcome).toBe("ok")
    expect(result.left).toBe(0)
    // The bound must exercise crashes, loss and both sync directions: far more than a toy space.
    expect(result.distinct).toBeGreaterThan(100_000)
  })

  it.runIf(deep)("holds at the deeper bound (npm run check:deep)", () => {
    const { result, report } = check({ ...ciBounds, maxInFlight: 2, crashes: 1, drops: 1, partitions: 1 })
    console.log(report)
    expect(result.outcome).toBe("ok")
  })
})

describe("anti-entropy mutants are caught with a shortest trace", () => {
  it("a merge that breaks ties by arrival order", () => {
    const { result, report, model } = check(ciBounds, antiEntropyMutants["arrival-order-tiebreak"], "arrival-order-tiebreak")
    console.log(report)
    expect(["invariant", "property"]).toContain(result.outcome)
    const trace = result.trace!
    // Breadth-first: the trace has exactly one step per level below the initial state.
    expect(trace.steps.length).toBe(result.depth - 1)
    expect(traceToStepList(trace, model.describe as never)).toContain("receives from")
    expect(traceToMermaid(trace, model.describe as never)).toMatch(/^sequenceDiagram/)
  })

  it("a node that acknowledges a write before persisting it", () => {
    const { result, report } = check(ciBounds, antiEntropyMutants["ack-before-persist"], "ack-before-persist")
    console.log(report)
    expect(result.outcome).toBe("property")
    expect(result.violated).toBe("ReadsNeverGoBack")
    const kinds = result.trace!.steps.map((s) => s.action.kind)
    expect(kinds).toContain("crash")
    expect(kinds).toContain("restart")
    expect(result.trace!.steps.length).toBe(result.depth - 1)
  })

  // The last-arrival tie-break copies whatever it merges, so two replicas that merged each
  // other's current state are equal; its fault shows as a value flipping back and forth,
  // which ReadsNeverGoBack sees. The first-arrival tie-break keeps replicas apart instead.
  it("ConvergenceWhenSynced catches the first-arrival (keep local) tie-break when nobody reads", () => {
    const writersOnly = [
      { node: "n0", ops: [{ _tag: "Put", key: "x", value: "a" } as Op] },
      { node: "n1", ops: [{ _tag: "Put", key: "x", value: "b" } as Op] },
    ]
    const { result, report } = check({ ...ciBounds, clients: writersOnly }, antiEntropyMutants["keep-local-tiebreak"])
    console.log(report)
    expect(result.outcome).toBe("invariant")
    expect(result.violated).toBe("ConvergenceWhenSynced")
  })

  it("NoValueNoClientWrote catches a merge that invents values on ties", () => {
    const inventing: ReplicaVariant = {
      ...correctVariant,
      merge: (mine, theirs) => {
        const merged = correctVariant.merge(mine, theirs)
        for (const k of Object.keys(theirs)) {
          const a = mine[k]
          const b = theirs[k]!
          if (a !== undefined && a.ts.l === b.ts.l && a.ts.c === b.ts.c && a.value !== b.value) {
            return { ...merged, [k]: { ts: a.ts, value: [a.value, b.value].sort().join("+") } }
          }
        }
        return merged
      },
    }
    const { result } = check(ciBounds, inventing)
    expect(result.outcome).toBe("invariant")
    expect(result.violated).toBe("NoValueNoClientWrote")
  })

  it("the correct model and each mutant give the same counts on every run (deterministic search)", () => {
    const a = check(ciBounds, antiEntropyMutants["arrival-order-tiebreak"]).result
    const b = check(ciBounds, antiEntropyMutants["arrival-order-tiebreak"]).result
    expect([b.generated, b.distinct, b.depth, b.trace!.choices]).toEqual([a.generated, a.distinct, a.depth, a.trace!.choices])
  })
})

describe("counterexample JSON", () => {
  it("replays to the same steps and states, and a tampered trace is rejected", () => {
    const { result, model } = check(ciBounds, antiEntropyMutants["ack-before-persist"], "anti-entropy/ack-before-persist")
    const json = traceToJson(result.trace!)
    const replayed = replayTrace(model, json)
    expect(replayed.steps.length).toBe(result.trace!.steps.length)
    const tampered = JSON.parse(json) as { states: Array<{ isolated: number }> }
    tampered.states[1]!.isolated = 2
    expect(() => replayTrace(model, JSON.stringify(tampered))).toThrow(/state 1 differs/)
    expect(() => replayTrace(model, JSON.stringify({ model: model.name, choices: [999] }))).toThrow(/no successor 999/)
    expect(() => replayTrace(model, "{}")).toThrow(/trace is for model/)
  })
})

describe("anti-entropy random schedules (fast-check)", () => {
  const wide: AntiEntropyBounds = {
    ...ciBounds,
    maxInFlight: 4,
    crashes: 3,
    drops: 4,
    duplicates: 2,
    partitions: 2,
    clients: [
      { node: "n0", ops: ["a", "b", "c"].flatMap((v) => [{ _tag: "Put", key: "x", value: v } as Op, { _tag: "Get", key: "x" } as Op]) },
      { node: "n1", ops: ["d", "e"].flatMap((v) => [{ _tag: "Put", key: "x", value: v } as Op, { _tag: "Get", key: "y" } as Op]) },
      { node: "n2", ops: [{ _tag: "Put", key: "y", value: "f" }, { _tag: "Get", key: "x" }, { _tag: "Get", key: "x" }] },
    ],
  }

  it("long schedules with crashes, loss, duplication and partitions find no violation", () => {
    const result = checkRandomSchedules(antiEntropyModel(wide), { numRuns: deep ? 2_000 : 150, maxSteps: 1_000 })
    expect(result.ok).toBe(true)
    expect(result.steps).toBeGreaterThan(10_000)
  })

  it("find and shrink the ack-before-persist mutant", () => {
    const model = antiEntropyModel(wide, antiEntropyMutants["ack-before-persist"])
    const result = checkRandomSchedules(model, { numRuns: 300, maxSteps: 200 })
    expect(result.ok).toBe(false)
    expect(result.violated).toBe("ReadsNeverGoBack")
    console.log(traceToStepList(result.trace!, model.describe as never))
    // Shrunk: a handful of steps, not the hundreds of the random schedule.
    expect(result.trace!.steps.length).toBeLessThan(30)
  })
})
