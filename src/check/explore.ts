// Breadth-first explicit-state search over a cluster model (DESIGN §4.1), counting as TLC
// does: every successor computed is "generated"; a state is "distinct" the first time its
// fingerprint is seen; depth is the length of the longest shortest path from an initial
// state. Breadth-first order makes the first counterexample a shortest one.
import type { Protocol } from "../core/machine.ts"
import type { ClusterModel } from "./cluster-model.ts"
import { ClusterSemantics } from "./cluster-semantics.ts"
import { FingerprintSet } from "./fingerprint-set.ts"
import { fingerprintWords, type Fingerprint } from "./fingerprint.ts"
import { canonicalize, symmetryGroup } from "./symmetry.ts"
import { rebuildTrace, type Trace } from "./trace.ts"
import { WorldQueue } from "./world-queue.ts"

export type Outcome = "ok" | "invariant" | "property" | "deadlock" | "limit"

export interface ExploreOptions {
  /** Stop after this many distinct states (outcome "limit"). */
  readonly maxDistinct?: number
  /** Print a TLC-style progress line this often (ms); 0 disables. */
  readonly progressEveryMs?: number
  readonly log?: (line: string) => void
  /** Wall clock for progress lines and rates; injected so the search itself stays deterministic. */
  readonly now?: () => number
}

export interface ExploreResult {
  readonly model: string
  readonly outcome: Outcome
  /** The invariant or history property violated. */
  readonly violated?: string
  readonly generated: number
  readonly distinct: number
  readonly depth: number
  readonly left: number
  readonly seconds: number
  readonly fingerprintBytes: number
  readonly trace?: Trace
  readonly memo: { localStates: number; messages: number; transitions: number }
}

export const explore = <P extends Protocol, G>(
  model: ClusterModel<P, G>,
  options: ExploreOptions = {},
): ExploreResult => {
  const now = options.now ?? (() => performance.now())
  const log = options.log ?? (() => {})
  const progressEvery = options.progressEveryMs ?? 0
  const maxDistinct = options.maxDistinct ?? Number.POSITIVE_INFINITY
  const sem = new ClusterSemantics(model)
  const seen = new FingerprintSet()
  const group = symmetryGroup(sem)
  const fp: Fingerprint = { hi: 0, lo: 0 }
  const historyVerdicts = new Map<number, string | null>()
  const started = now()
  let lastProgress = started
  let progressCount = 0

  let generated = 0
  let depth = 0
  const queue = new WorldQueue()
  // States of the current BFS level still queued; when it reaches 0 the next level starts.
  let leftInLevel = 0

  const violation = (world: Int32Array): { name: string; kind: "invariant" | "property" } | undefined => {
    const h = sem.historyId(world)
    let verdict = historyVerdicts.get(h)
    if (verdict === undefined) {
      const history = sem.history(h)
      verdict = model.historyProperties.find((p) => !p.holds(history))?.name ?? null
      historyVerdicts.set(h, verdict)
    }
    if (verdict !== null) return { name: verdict, kind: "property" }
    if (model.invariants.length === 0) return undefined
    const view = sem.view(world)
    const broken = model.invariants.find((inv) => !inv.holds(view))
    return broken === undefined ? undefined : { name: broken.name, kind: "invariant" }
  }

  const finish = (outcome: Outcome, extra: { violated?: string; stateIndex?: number } = {}): ExploreResult => {
    const seconds = (now() - started) / 1000
    const trace = extra.stateIndex === undefined ? undefined : rebuildTrace(sem, seen, extra.stateIndex)
    return {
      model: model.name,
      outcome,
      ...(extra.violated === undefined ? {} : { violated: extra.violated }),
      generated,
      distinct: seen.size,
      depth,
      left: queue.length,
      seconds,
      fingerprintBytes: seen.bytes,
      ...(trace === undefined ? {} : { trace }),
      memo: sem.stats,
    }
  }

  const fingerprint = (world: Int32Array, length: number) => {
    if (group.length > 1) {
      const canonical = canonicalize(sem, group, world.subarray(0, length))
      fingerprintWords(canonical, canonical.length, fp)
    } else {
      fingerprintWords(world, length, fp)
    }
  }

  // Initial state.
  const init = sem.initialWorld()
  generated++
  fingerprint(init, init.length)
  const initIndex = seen.add(fp.hi, fp.lo, -1, -1)
  log("Computing initial states...")
  log(`Finished computing initial states: 1 distinct state generated.`)
  depth = 1
  const initBad = violation(init)
  if (initBad) return finish(initBad.kind, { violated: initBad.name, stateIndex: initIndex })
  queue.push(init, init.length, initIndex)
  leftInLevel = 1

  let pendingViolation: { name: string; kind: "invariant" | "property"; index: number } | undefined
  let parentIndex = 0
  let action = 0
  const maxLength = sem.headerLength + model.maxInFlight
  const onSuccessor = (world: Int32Array, length: number) => {
    generated++
    const a = action++
    if (pendingViolation !== undefined) return
    if (length > maxLength) return // state constraint: too many messages in flight
    fingerprint(world, length)
    const index = seen.add(fp.hi, fp.lo, parentIndex, a)
    if (index < 0) return
    const bad = violation(world.subarray(0, length))
    if (bad) {
      pendingViolation = { ...bad, index }
      return
    }
    queue.push(world, length, index)
  }

  for (;;) {
    if (leftInLevel === 0) {
      if (queue.length === 0) break
      leftInLevel = queue.length
      depth++
    }
    const { world, index } = queue.shift()!
    leftInLevel--
    parentIndex = index
    action = 0
    const count = sem.successors(world, onSuccessor)
    if (pendingViolation !== undefined) {
      depth++ // the violating state lies one level below the state being expanded
      return finish(pendingViolation.kind, { violated: pendingViolation.name, stateIndex: pendingViolation.index })
    }
    if (count === 0 && model.checkDeadlock === true) return finish("deadlock", { stateIndex: parentIndex })
    if (seen.size >= maxDistinct) return finish("limit")
    if (progressEvery > 0 && (generated & 1023) === 0) {
      const t = now()
      if (t - lastProgress >= progressEvery) {
        lastProgress = t
        const minutes = (t - started) / 60_000
        log(
          `Progress(${depth}) at ${(t - started) / 1000 | 0}s: ${generated.toLocaleString("en-US")} states generated (${Math.round(generated / minutes).toLocaleString("en-US")} s/min), ${seen.size.toLocaleString("en-US")} distinct states found (${Math.round(seen.size / minutes).toLocaleString("en-US")} ds/min), ${queue.length.toLocaleString("en-US")} states left on queue.`,
        )
        progressCount++
      }
    }
  }
  return finish("ok")
}
