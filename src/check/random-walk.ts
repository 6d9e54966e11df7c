// Random schedules over a cluster model, for fast-check (DESIGN §4.1): a schedule is an
// array of integers; each picks the next action among the current state's successors,
// first its kind (deliver, timer, request, crash/restart, partition/heal, loss/duplication)
// with fixed weights, then one action of that kind. fast-check shrinks a failing schedule
// to a short one. Invariants and history properties are checked after every step.
import type { Protocol } from "../core/machine.ts"
import type { ClusterModel } from "./cluster-model.ts"
import { type Action, ClusterSemantics, type LabelledSuccessor } from "./cluster-semantics.ts"

export interface WalkWeights {
  readonly deliver: number
  readonly timer: number
  readonly request: number
  readonly crash: number
  readonly partition: number
  readonly network: number
}

export const defaultWeights: WalkWeights = { deliver: 70, timer: 10, request: 6, crash: 4, partition: 4, network: 6 }

const kindOf = (a: Action): keyof WalkWeights => {
  switch (a.kind) {
    case "deliver":
      return "deliver"
    case "timer":
      return "timer"
    case "request":
      return "request"
    case "crash":
    case "restart":
      return "crash"
    case "partition":
    case "heal":
      return "partition"
    case "drop":
    case "duplicate":
      return "network"
  }
}

export interface WalkResult {
  readonly steps: number
  readonly violated?: string
  readonly actions: ReadonlyArray<Action>
  /** Counts of actions taken, by kind. */
  readonly taken: Readonly<Record<string, number>>
}

/**
 * Follows `schedule` from the initial state. `maxNetwork` keeps the network bounded: above
 * it, only deliveries and losses are chosen. Stops at the first violated invariant or
 * history property, or when no action is enabled.
 */
export const randomWalk = <P extends Protocol, G>(
  model: ClusterModel<P, G>,
  schedule: ReadonlyArray<number>,
  weights: WalkWeights = defaultWeights,
  maxNetwork = 24,
): WalkResult => {
  const sem = new ClusterSemantics(model)
  let world = sem.initialWorld()
  const actions: Action[] = []
  const taken: Record<string, number> = {}
  const total = Object.values(weights).reduce((a, b) => a + b, 0)
  const check = (): string | undefined => {
    const view = sem.view(world)
    return (
      model.historyProperties.find((p) => !p.holds(view.history))?.name ?? model.invariants.find((inv) => !inv.holds(view))?.name
    )
  }
  let steps = 0
  for (const pick of schedule) {
    let succ: LabelledSuccessor[] = sem.labelledSuccessors(world)
    if (sem.inFlight(world) > maxNetwork) {
      const draining = succ.filter((s) => s.action.kind === "deliver" || s.action.kind === "drop")
      if (draining.length > 0) succ = draining
    }
    if (succ.length === 0) break
    let r = pick % total
    let kind: keyof WalkWeights = "deliver"
    for (const k of Object.keys(weights) as Array<keyof WalkWeights>) {
      if (r < weights[k]) {
        kind = k
        break
      }
      r -= weights[k]
    }
    const ofKind = succ.filter((s) => kindOf(s.action) === kind)
    const pool = ofKind.length > 0 ? ofKind : succ
    const chosen = pool[Math.floor(pick / total) % pool.length]!
    world = chosen.world
    actions.push(chosen.action)
    taken[chosen.action.kind] = (taken[chosen.action.kind] ?? 0) + 1
    steps++
    const bad = check()
    if (bad !== undefined) return { steps, violated: bad, actions, taken }
  }
  return { steps, actions, taken }
}
