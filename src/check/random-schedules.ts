// fast-check drives long random schedules through the same cluster model the exhaustive
// checker explores: a schedule is an array of numbers, each choosing one of the enabled
// successors (modulo their count). fast-check shrinks a failing schedule to a minimal
// one, which is then replayed into an ordinary trace (step list, Mermaid, JSON).
import fc from "fast-check"
import type { Protocol } from "../core/machine.ts"
import type { ClusterModel } from "./cluster-model.ts"
import { ClusterSemantics } from "./cluster-semantics.ts"
import { followChoices, type Trace } from "./trace.ts"

export interface ScheduleOptions {
  readonly numRuns: number
  readonly maxSteps: number
  readonly seed?: number
}

export interface ScheduleResult {
  readonly ok: boolean
  readonly violated?: string
  readonly trace?: Trace
  /** Steps taken over all runs (for the report). */
  readonly steps: number
  readonly seed: number
}

interface Walk {
  readonly violated: string | undefined
  /** Index of each chosen successor among all successors, for replay. */
  readonly path: number[]
}

const walk = <P extends Protocol, G>(
  sem: ClusterSemantics<P, G>,
  schedule: ReadonlyArray<number>,
  counter: { steps: number },
): Walk => {
  const { model } = sem
  const check = (world: Int32Array): string | undefined => {
    const view = sem.view(world)
    return (
      model.invariants.find((inv) => !inv.holds(view))?.name ??
      model.historyProperties.find((p) => !p.holds(view.history))?.name
    )
  }
  let world = sem.initialWorld()
  const path: number[] = []
  let violated = check(world)
  const maxLength = sem.headerLength + model.maxInFlight
  for (const choice of schedule) {
    if (violated !== undefined) break
    const enabled: Array<{ world: Int32Array; index: number }> = []
    let index = 0
    sem.successors(world, (next, length) => {
      if (length <= maxLength) enabled.push({ world: next.slice(0, length), index })
      index++
    })
    if (enabled.length === 0) break
    const chosen = enabled[choice % enabled.length]!
    world = chosen.world
    path.push(chosen.index)
    counter.steps++
    violated = check(world)
  }
  return { violated, path }
}

/** Runs `numRuns` random schedules of up to `maxSteps` steps; on failure, the shrunk trace. */
export const checkRandomSchedules = <P extends Protocol, G>(
  model: ClusterModel<P, G>,
  options: ScheduleOptions,
): ScheduleResult => {
  const sem = new ClusterSemantics(model)
  const counter = { steps: 0 }
  const seed = options.seed ?? 42
  const property = fc.property(fc.array(fc.nat({ max: 1_000 }), { maxLength: options.maxSteps, size: "max" }), (schedule) => {
    return walk(sem, schedule, counter).violated === undefined
  })
  const details = fc.check(property, { numRuns: options.numRuns, seed })
  if (!details.failed || details.counterexample === null) return { ok: true, steps: counter.steps, seed }
  const [schedule] = details.counterexample
  const { violated, path } = walk(sem, schedule, counter)
  return {
    ok: false,
    ...(violated === undefined ? {} : { violated }),
    trace: followChoices(sem, path),
    steps: counter.steps,
    seed,
  }
}
