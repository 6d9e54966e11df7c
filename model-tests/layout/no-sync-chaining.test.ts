// The no-sync-chaining counterexample (three active versions), found by driving the reducer's
// cluster model along a targeted schedule rather than by exhaustive search (too deep for the
// CI budget). The same schedule is harmless for the correct protocol, and every step of the
// mutant's run refines spec/LayoutTransition.tla with SyncChaining = FALSE, whose
// ReadAfterWrite fails on the abstraction of the last state: the spec has this
// counterexample too.
import { describe, expect, it } from "vitest"
import type { Action } from "../../src/check/cluster-semantics.ts"
import { ClusterSemantics } from "../../src/check/cluster-semantics.ts"
import { checkPath } from "../../src/check/refinement.ts"
import { describeAction } from "../../src/check/trace.ts"
import {
  layoutAbs,
  layoutCiBounds,
  type LayoutTransitionBounds,
  layoutRefinementModel,
  layoutSpecConstants,
  layoutTransitionMutants,
  readAfterWrite,
} from "../../src/check/models/layout-transition.ts"
import { correctTransition, type TransitionVariant } from "../../src/core/layout/transition-node.ts"
import { loadSpec } from "../../src/tla/api.ts"

const bounds: LayoutTransitionBounds = {
  ...layoutCiBounds,
  versions: 3,
  crashes: 0,
  maxInFlight: 100,
  scenario: "write-apply-apply",
}

type Pick = (a: Action) => boolean
const request = (tag: string, version?: number): Pick => (a) =>
  a.kind === "request" && (a.op as { _tag: string; version?: number })._tag === tag && (version === undefined || (a.op as { version?: number }).version === version)
const syncTimer = (node: string): Pick => (a) => a.kind === "timer" && a.node === node && a.id === "sync"
const isPushFrom = (node: string): Pick => (a) => a.kind === "deliver" && a.from === node && (a.msg as { _tag: string })._tag === "Push"

/**
 * The schedule. `drain(hold)` delivers every message in flight (and the ones that causes),
 * except those `hold` matches, until none is left; timers fire only when named.
 */
type Step = { readonly pick: Pick } | { readonly drain: Pick }
const schedule: Step[] = [
  { pick: request("Put") }, //           n0 stores x=a (v1 = {n0}); the Put is acknowledged
  { pick: request("Apply", 2) }, //      n0 applies v2 = {n1}
  { drain: () => false }, //              everyone learns v2 and acks it: AckMin = 2
  { pick: syncTimer("n0") }, //          n0's sync for target 2 pushes x=a to n1 ... slowly
  { pick: request("Apply", 3) }, //      n0 applies v3 = {n2}
  { drain: isPushFrom("n0") }, //         everyone acks v3: AckMin = 3
  { pick: syncTimer("n1") }, //          n1 syncs for AckMin = 3 (chaining: ReadVersion + 1 = 2)
  { drain: isPushFrom("n0") }, //         n1's empty push completes: sync[n1] = 3 (resp. 2)
  { drain: () => false }, //              n0's push lands: sync[n0] = 2, ReadVersion 2, v1 retires
  { pick: request("Get") }, //           n2 reads x at its ReadVersion
]

const drive = (variant: TransitionVariant, name: string) => {
  const model = layoutRefinementModel(bounds, variant, name)
  const sem = new ClusterSemantics(model)
  let world = sem.initialWorld()
  const worlds = [world]
  const actions: Action[] = []
  const take = (pick: Pick): boolean => {
    const next = sem.labelledSuccessors(world).find((s) => pick(s.action))
    if (next === undefined) return false
    world = next.world
    worlds.push(world)
    actions.push(next.action)
    return true
  }
  for (const step of schedule) {
    if ("pick" in step) {
      if (!take(step.pick)) throw new Error(`${name}: no successor for step ${schedule.indexOf(step) + 1}`)
    } else {
      const hold = step.drain
      while (take((a) => a.kind === "deliver" && !hold(a)));
    }
  }
  // Deliver what the read still waits for.
  while (take((a) => a.kind === "deliver"));
  const view = sem.view(world)
  return { model, sem, worlds, actions, view }
}

describe("no-sync-chaining: three active versions", () => {
  it("the mutant (sync target = AckMin) returns a stale read; the correct protocol does not", () => {
    const bad = drive(layoutTransitionMutants["no-sync-chaining"]!, "layout-transition/no-sync-chaining")
    const reads = bad.view.history.filter((e) => e.kind === "ok" && e.op._tag === "Get")
    expect(reads).toHaveLength(1)
    expect(readAfterWrite(bad.view.history)).toBe(false)
    console.log(`no-sync-chaining: ${bad.actions.length} steps\n${bad.actions.map((a, k) => `${k + 1}. ${describeAction(a, bad.model.describe as never)}`).join("\n")}`)

    const good = drive(correctTransition, "layout-transition")
    expect(good.view.history.filter((e) => e.kind === "ok" && e.op._tag === "Get")).toHaveLength(1)
    expect(readAfterWrite(good.view.history)).toBe(true)
  })

  it("the mutant's run refines the spec with SyncChaining = FALSE, whose ReadAfterWrite then fails", () => {
    const bad = drive(layoutTransitionMutants["no-sync-chaining"]!, "layout-transition/no-sync-chaining")
    const spec = loadSpec("spec/LayoutTransition.tla", { constants: layoutSpecConstants(bounds, "no-sync-chaining") })
    const { failedAt, states } = checkPath({ model: bad.model, spec, abs: layoutAbs(bounds) }, bad.sem, bad.worlds)
    expect(failedAt).toBe(-1)
    expect(spec.evaluate("ReadAfterWrite", states[states.length - 1]!)).toBe(false)
    expect(states.slice(0, -1).some((s) => spec.evaluate("ReadAfterWrite", s) === false)).toBe(false)
  })
})
