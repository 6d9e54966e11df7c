// Refinement (DESIGN §4.3): every step of the anti-entropy reducer's cluster model, mapped
// through `abs`, is a step of spec/AntiEntropy.tla's Next or a stuttering step, and every
// initial state satisfies Init. The spec is evaluated by Pollen's own TLA+ evaluator.
// Each reducer mutant is caught at its first step the spec does not allow.
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { canonicalJson } from "../src/check/canonical-json.ts"
import { ClusterSemantics } from "../src/check/cluster-semantics.ts"
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

// Many reducer transitions map to the same abstract step (timers, fault budgets and the
// ghost are invisible to the spec), so each abstract step is evaluated once.
const absKey = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) =>
    x instanceof Map ? [...x.entries()].map(([k, y]) => [absKey(k), y]).sort() :
    x instanceof Set ? [...x].map((y) => absKey(y)).sort() :
    x !== null && typeof x === "object" && "name" in x && "index" in x ? `mv:${String(x.name)}` : x,
  )

/** Explores the reducer's model breadth-first; returns the first step that does not refine the spec. */
const checkRefinement = (variant?: ReplicaVariant, bounds = ciRefinementBounds) => {
  const model = antiEntropyModel(bounds, variant)
  const sem = new ClusterSemantics(model)
  const abs = antiEntropyAbs(clients, ["x"])
  const init = sem.initialWorld()
  if (!spec.evalInit(abs(sem.view(init)))) return { transitions: 0, failure: "the initial state does not satisfy Init" }
  // Abstract state and its key per reducer state, computed once per reducer state.
  const absOf = new Map<string, { value: Record<string, unknown>; key: string }>()
  const abstractOf = (world: Int32Array, worldKey: string) => {
    let a = absOf.get(worldKey)
    if (a === undefined) {
      const value = abs(sem.view(world))
      a = { value, key: absKey(value) }
      absOf.set(worldKey, a)
    }
    return a
  }
  const seen = new Set<string>([Array.from(init).join(",")])
  let frontier = [init]
  let transitions = 0
  const checked = new Set<string>()
  while (frontier.length > 0) {
    const next: Int32Array[] = []
    for (const world of frontier) {
      const { value: from, key: fromKey } = abstractOf(world, Array.from(world).join(","))
      for (const { world: to, action } of sem.labelledSuccessors(world)) {
        if (to.length - sem.headerLength > model.maxInFlight) continue
        transitions++
        const key = Array.from(to).join(",")
        const { value: after, key: afterKey } = abstractOf(to, key)
        const step = `${fromKey}->${afterKey}`
        if (!checked.has(step)) {
          checked.add(step)
          if (!spec.evalNextOrStutter(from, after)) {
            return { transitions, failure: `${describeAction(action, model.describe as never)}: not a step of Next` }
          }
        }
        if (!seen.has(key)) {
          seen.add(key)
          next.push(to)
        }
      }
    }
    frontier = next
  }
  return { transitions, failure: undefined, distinct: seen.size, abstractSteps: checked.size }
}

describe("anti-entropy reducer refines spec/AntiEntropy.tla", () => {
  it("every reachable reducer step is a Next step or stutters", () => {
    const result = checkRefinement()
    console.log(
      `refinement: ${result.transitions} transitions over ${result.distinct} reducer states, ${result.abstractSteps} distinct abstract steps evaluated`,
    )
    expect(result.failure).toBeUndefined()
    expect(result.transitions).toBeGreaterThan(1_000)
  })

  it.runIf(deep)("also with message loss (npm run check:deep)", () => {
    const result = checkRefinement(undefined, deepRefinementBounds)
    console.log(`refinement: ${result.transitions} transitions checked over ${result.distinct} reducer states`)
    expect(result.failure).toBeUndefined()
  })

  it("the ack-before-persist mutant takes a step the spec forbids", () => {
    const result = checkRefinement(antiEntropyMutants["ack-before-persist"])
    expect(result.failure).toMatch(/client c\d sends to n\d: Put/)
  })

  it("the arrival-order tie-break takes a step the spec forbids", () => {
    const result = checkRefinement(antiEntropyMutants["arrival-order-tiebreak"])
    expect(result.failure).toMatch(/receives from/)
  })

  it("a wrong abstraction is caught (the check can fail)", () => {
    const abs = antiEntropyAbs(clients, ["x"])
    const sem = new ClusterSemantics(antiEntropyModel(ciRefinementBounds))
    const init = abs(sem.view(sem.initialWorld()))
    expect(spec.evalInit(init)).toBe(true)
    expect(spec.evalInit({ ...init, crashes: 1 })).toBe(false)
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
