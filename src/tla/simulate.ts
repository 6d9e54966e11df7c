// TLC's -simulate: random behaviours instead of the whole state space. Each behaviour starts
// in a random initial state and takes a random successor at each step, up to `depth`
// states; invariants are checked on every state, PROPERTY initial predicates on the first
// and [][A]_v on every step. A behaviour ends early where a state has no successor (a
// deadlock, an error when deadlock is checked) or leaves the model (CONSTRAINT). Random
// choices come from a seeded generator, so a seed reproduces a run.
import type { CheckResult, Checker, Outcome, State, TraceStep } from "./checker.ts"
import { TlaError } from "./errors.ts"
import type { ActionLabel } from "./runtime.ts"

export interface SimulateOptions {
  /** Behaviours to generate (TLC's num=N); Infinity runs until `shouldStop`. */
  readonly traces: number
  /** The most states in a behaviour (TLC's -depth, 100 by default). */
  readonly depth: number
  readonly seed: bigint
  readonly onProgress?: (p: { states: number; traces: number; seconds: number }) => void
  readonly progressEveryMs?: number
  readonly shouldStop?: () => boolean
}

export interface SimulationResult extends CheckResult {
  /** Behaviours generated (the last one included when it ended in an error). */
  readonly traces: number
}

/** SplitMix64: small, seedable, and good enough for choosing among successors. */
export class Random {
  private state: bigint
  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed)
  }
  private next(): bigint {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n)
    let z = this.state
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n)
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn)
    return z ^ (z >> 31n)
  }
  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Number(this.next() % BigInt(n))
  }
}

export const simulate = async (checker: Checker, opts: SimulateOptions): Promise<SimulationResult> => {
  const start = Date.now()
  let lastProgress = start
  const every = opts.progressEveryMs ?? 2000
  const random = new Random(opts.seed)
  let generated = 0
  let traces = 0
  let deepest = 0
  const trace: TraceStep[] = []
  const result = (outcome: Outcome): SimulationResult => ({
    outcome,
    generated,
    distinct: 0,
    depth: Math.max(deepest, trace.length),
    queueLeft: 0,
    seconds: (Date.now() - start) / 1000,
    traces,
  })
  const assumption = checker.checkAssumptions()
  if (assumption !== null) return result(assumption)
  const inits: State[] = []
  let lastYield = start
  try {
    checker.initialStates((s) => {
      generated++
      if (checker.inModel(s, null)) inits.push(s)
    })
    if (inits.length === 0) return result({ kind: "ok" })
    while (traces < opts.traces && opts.shouldStop?.() !== true) {
      traces++
      trace.length = 0
      let s = inits[random.below(inits.length)]!
      trace.push({ state: s, action: null })
      checker.setLevel(1)
      const bad = checker.violatedInvariant(s)
      if (bad !== null) return result({ kind: "invariant", name: bad, trace: [...trace] })
      const badInit = checker.violatedInit(s)
      if (badInit !== null) return result({ kind: "property", name: badInit, trace: [...trace] })
      while (trace.length < opts.depth) {
        const next: { t: State; label: ActionLabel | null }[] = []
        checker.successors(s, (t, label) => next.push({ t, label }))
        generated += next.length
        if (next.length === 0) {
          if (checker.model.checkDeadlock) return result({ kind: "deadlock", trace: [...trace] })
          break
        }
        const { t, label } = next[random.below(next.length)]!
        trace.push({ state: t, action: label })
        checker.setLevel(trace.length)
        const violated = checker.violatedInvariant(t)
        if (violated !== null) return result({ kind: "invariant", name: violated, trace: [...trace] })
        const action = checker.violatedAction(s, t)
        if (action !== null) return result({ kind: "property", name: action, trace: [...trace] })
        if (!checker.inModel(s, t)) break
        s = t
      }
      deepest = Math.max(deepest, trace.length)
      trace.length = 0
      const now = Date.now()
      // let the event loop run now and then, so that Ctrl-C (shouldStop) is seen
      if (now - lastYield >= 50) {
        await new Promise((resolve) => setImmediate(resolve))
        lastYield = Date.now()
      }
      if (opts.onProgress !== undefined && now - lastProgress >= every) {
        lastProgress = now
        opts.onProgress({ states: generated, traces, seconds: (now - start) / 1000 })
      }
    }
    return result({ kind: "ok" })
  } catch (e) {
    if (e instanceof TlaError) return result({ kind: "error", error: e, trace: [...trace] })
    throw e
  }
}
