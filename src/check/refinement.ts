// Refinement check of a reducer's cluster model against a TLA+ spec (DESIGN §4.3).
//
// The model is explored breadth-first (as `explore` does, without symmetry reduction: an
// abstraction need not be symmetric). Every state s is mapped by `abs` to a record of the
// spec's variables; the check is that abs(initial) satisfies Init, and that for every
// transition s -> t, Next holds on (abs(s), abs(t)) with t's values bound to the primed
// variables, or abs(s) = abs(t) (a stuttering step). Abstract states are interned by their
// printed TLA+ value and Next is evaluated once per distinct abstract pair, so the cost is
// driven by the abstract transitions, not by the reducer's.
//
// The first non-refining step is reported with a trace from the initial state to s, the
// action taken, and abs(s) / abs(t) on the variables that differ.
import type { Protocol } from "../core/machine.ts"
import type { StateRecord, TlaSpec } from "../tla/api.ts"
import { printValue, toTla } from "../tla/api.ts"
import type { ClusterModel, ClusterView } from "./cluster-model.ts"
import { ClusterSemantics } from "./cluster-semantics.ts"
import { FingerprintSet } from "./fingerprint-set.ts"
import { type Fingerprint, fingerprintWords } from "./fingerprint.ts"
import { followChoices, rebuildTrace, type Trace } from "./trace.ts"
import { WorldQueue } from "./world-queue.ts"

export interface Refinement<P extends Protocol, G> {
  readonly model: ClusterModel<P, G>
  readonly spec: TlaSpec
  /** The abstraction: a record with one value per spec variable (plain JS or TLA+ values). */
  readonly abs: (view: ClusterView<P, G>) => StateRecord
  /** The initial predicate and the next-state action (default Init and Next). */
  readonly init?: string
  readonly next?: string
}

export interface RefinementOptions {
  /** Stop after this many distinct reducer states (outcome "limit"). */
  readonly maxDistinct?: number
  readonly now?: () => number
}

export type RefinementOutcome = "ok" | "init" | "step" | "limit"

export interface RefinementFailure {
  readonly message: string
  /** The path to the offending state (for "step": to s, followed by the step s -> t). */
  readonly trace: Trace
  /** The variables that differ between abs(s) and abs(t) (for "init": every variable), printed. */
  readonly diff: ReadonlyArray<{ readonly variable: string; readonly before: string; readonly after: string }>
}

export interface RefinementResult {
  readonly model: string
  readonly outcome: RefinementOutcome
  /** Distinct reducer states explored, reducer transitions checked. */
  readonly distinct: number
  readonly transitions: number
  /** Distinct abstract states, abstract steps (Next evaluated), stuttering transitions. */
  readonly abstractStates: number
  readonly abstractSteps: number
  readonly stutters: number
  readonly depth: number
  readonly seconds: number
  readonly failure?: RefinementFailure
}

export const checkRefinement = <P extends Protocol, G>(
  r: Refinement<P, G>,
  options: RefinementOptions = {},
): RefinementResult => {
  const now = options.now ?? (() => performance.now())
  const started = now()
  const maxDistinct = options.maxDistinct ?? Number.POSITIVE_INFINITY
  const { model, spec } = r
  const init = r.init ?? "Init"
  const next = r.next ?? "Next"
  const variables = spec.variables
  const sem = new ClusterSemantics(model)
  const seen = new FingerprintSet()
  const fp: Fingerprint = { hi: 0, lo: 0 }

  // Abstract states, interned by their printed values.
  const absIds = new Map<string, number>()
  const absStates: StateRecord[] = []
  const absPrinted: string[][] = []
  const absOfState = new Map<string, number>() // reducer state fingerprint -> abstract id
  const fpKey = () => `${fp.hi},${fp.lo}`
  const stepVerdict = new Map<number, boolean>()

  // abs may return the same TLA+ value object for many states (e.g. a cached message set):
  // print it once.
  const printedOf = new WeakMap<object, string>()
  const print = (value: ReturnType<typeof toTla>): string => {
    if (typeof value !== "object") return printValue(value)
    let text = printedOf.get(value)
    if (text === undefined) {
      text = printValue(value)
      printedOf.set(value, text)
    }
    return text
  }
  const abstractOf = (world: Int32Array): number => {
    const rec = r.abs(sem.view(world))
    const tla: Record<string, unknown> = {}
    const printed = variables.map((v) => {
      if (!(v in rec)) throw new Error(`abs: no value for spec variable ${v}`)
      const value = toTla(rec[v])
      tla[v] = value
      return print(value)
    })
    const key = printed.join("\u0000")
    let id = absIds.get(key)
    if (id === undefined) {
      id = absStates.length
      absIds.set(key, id)
      absStates.push(tla)
      absPrinted.push(printed)
    }
    return id
  }

  const diff = (a: number, b: number) =>
    variables
      .map((variable, k) => ({ variable, before: absPrinted[a]![k]!, after: absPrinted[b]![k]! }))
      .filter((d) => a === b || d.before !== d.after)

  let transitions = 0
  let stutters = 0
  let depth = 1
  const result = (outcome: RefinementOutcome, failure?: RefinementFailure): RefinementResult => ({
    model: model.name,
    outcome,
    distinct: seen.size,
    transitions,
    abstractStates: absStates.length,
    abstractSteps: stepVerdict.size,
    stutters,
    depth,
    seconds: (now() - started) / 1000,
    ...(failure === undefined ? {} : { failure }),
  })

  const initWorld = sem.initialWorld()
  fingerprintWords(initWorld, initWorld.length, fp)
  const initIndex = seen.add(fp.hi, fp.lo, -1, -1)
  const initAbs = abstractOf(initWorld)
  absOfState.set(fpKey(), initAbs)
  if (!spec.evalInit(absStates[initAbs]!, init)) {
    return result("init", {
      message: `${init} does not hold on abs(initial state)`,
      trace: followChoices(sem, []),
      diff: diff(initAbs, initAbs),
    })
  }

  const queue = new WorldQueue()
  queue.push(initWorld, initWorld.length, initIndex)
  const absOfIndex: number[] = [initAbs] // queued state index -> abstract id
  let leftInLevel = 1
  const maxLength = sem.headerLength + model.maxInFlight
  const successors: Int32Array[] = []
  while (queue.length > 0) {
    if (leftInLevel === 0) {
      leftInLevel = queue.length
      depth++
    }
    const { world, index } = queue.shift()!
    leftInLevel--
    const a = absOfIndex[index]!
    successors.length = 0
    sem.successors(world, (buffer, length) => {
      successors.push(buffer.slice(0, length))
    })
    for (let action = 0; action < successors.length; action++) {
      const t = successors[action]!
      if (t.length > maxLength) continue // the model's state constraint
      transitions++
      fingerprintWords(t, t.length, fp)
      const tIndex = seen.add(fp.hi, fp.lo, index, action)
      const known = tIndex < 0
      const key = fpKey()
      const b = known ? absOfState.get(key)! : abstractOf(t)
      if (a === b) {
        stutters++
      } else {
        const pair = a * 0x4000000 + b // exact while both ids are below 2^26
        let ok = stepVerdict.get(pair)
        if (ok === undefined) {
          ok = spec.evalAction(absStates[a]!, absStates[b]!, next)
          stepVerdict.set(pair, ok)
        }
        if (!ok) {
          const path = rebuildTrace(sem, seen, index)
          return result("step", {
            message: `step ${path.steps.length + 1} does not refine ${next}: abs(s) -> abs(t) is neither ${next} nor stuttering`,
            trace: followChoices(sem, [...path.choices, action]),
            diff: diff(a, b),
          })
        }
      }
      if (!known) {
        absOfState.set(key, b)
        absOfIndex[tIndex] = b
        queue.push(t, t.length, tIndex)
      }
    }
    if (seen.size >= maxDistinct) return result("limit")
  }
  return result("ok")
}

/** A failure as text: the trace's actions, then the abstract variables that changed. */
export const formatRefinementFailure = (f: RefinementFailure, describeAction: (step: Trace["steps"][number]) => string = (s) => JSON.stringify(s.action)): string => {
  const lines = [f.message, "Trace:"]
  f.trace.steps.forEach((s, k) => lines.push(`  ${k + 1}. ${describeAction(s)}`))
  lines.push("Abstract variables (before -> after):")
  for (const d of f.diff) lines.push(`  ${d.variable}: ${d.before}${d.before === d.after ? "" : `  ->  ${d.after}`}`)
  return lines.join("\n")
}

/**
 * Checks one path of the model (worlds[0] initial, each next world a successor of the previous
 * one) against the spec: Init on abs(worlds[0]), Next or stutter on each step. Returns the
 * index of the first step (1-based) that does not refine, 0 if Init fails, or -1 if all do.
 * The abstract states are returned too, e.g. to evaluate the spec's invariants along the path.
 */
export const checkPath = <P extends Protocol, G>(
  r: Refinement<P, G>,
  sem: ClusterSemantics<P, G>,
  worlds: ReadonlyArray<Int32Array>,
): { readonly failedAt: number; readonly states: ReadonlyArray<StateRecord> } => {
  const states = worlds.map((w) => r.abs(sem.view(w)))
  if (!r.spec.evalInit(states[0]!, r.init ?? "Init")) return { failedAt: 0, states }
  for (let k = 1; k < states.length; k++) {
    if (!r.spec.evalNextOrStutter(states[k - 1]!, states[k]!, r.next ?? "Next")) return { failedAt: k, states }
  }
  return { failedAt: -1, states }
}
