// Counterexamples: rebuilt from the fingerprint set's parent pointers by re-executing the
// recorded action indices from the initial state (as TLC does), then printed as a numbered
// step list, as a Mermaid sequence diagram, and as JSON that `replayTrace` re-executes.
import type { Output, Protocol } from "../core/machine.ts"
import { canonicalJson } from "./canonical-json.ts"
import type { ClusterModel, ClusterView } from "./cluster-model.ts"
import { type Action, ClusterSemantics } from "./cluster-semantics.ts"
import type { FingerprintSet } from "./fingerprint-set.ts"

export interface TraceStep {
  readonly action: Action
  readonly outputs: ReadonlyArray<Output<unknown, unknown, unknown>>
}

export interface Trace {
  readonly model: string
  /** Index of each step's action among its state's successors, for replay. */
  readonly choices: ReadonlyArray<number>
  readonly steps: ReadonlyArray<TraceStep>
  /** states[0] is the initial state; states[k] follows steps[k-1]. */
  readonly states: ReadonlyArray<ClusterView<Protocol, unknown>>
}

export const rebuildTrace = <P extends Protocol, G>(
  sem: ClusterSemantics<P, G>,
  seen: FingerprintSet,
  index: number,
): Trace => {
  const choices: number[] = []
  for (let i = index; seen.parent(i) >= 0; i = seen.parent(i)) choices.push(seen.action(i))
  choices.reverse()
  return followChoices(sem, choices)
}

/** Re-executes `choices` (successor indices) from the initial state, recording actions and states. */
export const followChoices = <P extends Protocol, G>(sem: ClusterSemantics<P, G>, choices: ReadonlyArray<number>): Trace => {
  let world = sem.initialWorld()
  const states: Array<ClusterView<Protocol, unknown>> = [sem.view(world) as ClusterView<Protocol, unknown>]
  const steps: TraceStep[] = []
  for (const choice of choices) {
    const successors = sem.labelledSuccessors(world)
    const chosen = successors[choice]
    if (chosen === undefined) throw new Error(`trace replay: state ${steps.length} has no successor ${choice}`)
    steps.push({ action: chosen.action, outputs: chosen.outputs })
    world = chosen.world
    states.push(sem.view(world) as ClusterView<Protocol, unknown>)
  }
  return { model: sem.model.name, choices, steps, states }
}

/**
 * Re-executes a trace read back from JSON against the model and checks that every step's
 * action and every state match what was recorded. Returns the re-executed trace.
 */
export const replayTrace = <P extends Protocol, G>(model: ClusterModel<P, G>, json: string): Trace => {
  const recorded = JSON.parse(json) as { model?: unknown; choices?: unknown; steps?: unknown; states?: unknown }
  if (recorded.model !== model.name) throw new Error(`trace is for model ${String(recorded.model)}, not ${model.name}`)
  if (!Array.isArray(recorded.choices) || !recorded.choices.every((c) => Number.isInteger(c) && c >= 0)) {
    throw new Error("trace: `choices` must be an array of non-negative integers")
  }
  const trace = followChoices(new ClusterSemantics(model), recorded.choices as number[])
  const again = JSON.parse(traceToJson(trace)) as { steps: unknown[]; states: unknown[] }
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b)
  again.steps.forEach((step, k) => {
    if (!same(step, (recorded.steps as unknown[] | undefined)?.[k])) throw new Error(`trace: step ${k + 1} differs on replay`)
  })
  again.states.forEach((state, k) => {
    if (!same(state, (recorded.states as unknown[] | undefined)?.[k])) throw new Error(`trace: state ${k} differs on replay`)
  })
  return trace
}

export const traceToJson = (trace: Trace): string => JSON.stringify(trace, null, 1)

// ---- printing ------------------------------------------------------------------------------

export interface Describe {
  readonly msg?: (msg: unknown) => string
  readonly op?: (op: unknown) => string
  readonly result?: (result: unknown) => string
}

const brief = (v: unknown): string => {
  const text = canonicalJson(v)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

export const describeAction = (a: Action, d: Describe = {}): string => {
  const msg = d.msg ?? brief
  switch (a.kind) {
    case "deliver":
      return `${a.to} receives from ${a.from}: ${msg(a.msg)}`
    case "timer":
      return `${a.node} timer fires: ${a.id}`
    case "request":
      return `client c${a.client} sends to ${a.node}: ${(d.op ?? brief)(a.op)}`
    case "crash":
      return `${a.node} crashes (volatile state lost, disk kept)`
    case "restart":
      return `${a.node} restarts from its disk`
    case "drop":
      return `network loses ${a.from} -> ${a.to}: ${msg(a.msg)}`
    case "duplicate":
      return `network duplicates ${a.from} -> ${a.to}: ${msg(a.msg)}`
    case "partition":
      return `partition cuts ${a.node} off from the others`
    case "heal":
      return "partition heals"
  }
}

const describeOutputs = (step: TraceStep, d: Describe): string[] =>
  step.outputs.map((o) => {
    switch (o._tag) {
      case "Send":
        return `sends to ${o.to}: ${(d.msg ?? brief)(o.msg)}`
      case "Reply":
        return `replies ${(d.result ?? brief)(o.result)}`
      case "Persist":
        return `persists ${o.key}`
      case "Forget":
        return `forgets ${o.key}`
      case "SetTimer":
        return `sets timer ${o.id}`
      case "CancelTimer":
        return `cancels timer ${o.id}`
    }
  })

/** The counterexample as a numbered step list (TLC's "State n:" shape, one line per step). */
export const traceToStepList = (trace: Trace, d: Describe = {}): string => {
  const lines = ["State 1: <Initial predicate>"]
  trace.steps.forEach((step, k) => {
    lines.push(`State ${k + 2}: ${describeAction(step.action, d)}`)
    for (const o of describeOutputs(step, d)) lines.push(`    -> ${o}`)
  })
  return lines.join("\n")
}

const actor = (a: Action): string | undefined =>
  a.kind === "deliver" ? a.to : "node" in a ? a.node : undefined

const mermaidText = (s: string): string => s.replace(/[;#]/g, " ").replace(/\s+/g, " ")

/** The counterexample as a Mermaid sequence diagram (teaching material). */
export const traceToMermaid = (trace: Trace, d: Describe = {}): string => {
  const nodes = trace.states[0]?.nodes.map((n) => n.id) ?? []
  const clients = new Set<number>()
  for (const s of trace.steps) if (s.action.kind === "request") clients.add(s.action.client)
  const lines = ["sequenceDiagram"]
  for (const c of [...clients].sort()) lines.push(`    participant c${c}`)
  for (const n of nodes) lines.push(`    participant ${n}`)
  const msg = d.msg ?? brief
  trace.steps.forEach((step, k) => {
    const a = step.action
    const n = k + 1
    switch (a.kind) {
      case "deliver":
        lines.push(`    ${a.from}-)${a.to}: ${n}. ${mermaidText(msg(a.msg))}`)
        break
      case "request":
        lines.push(`    c${a.client}->>${a.node}: ${n}. ${mermaidText((d.op ?? brief)(a.op))}`)
        break
      case "timer":
        lines.push(`    Note over ${a.node}: ${n}. timer ${mermaidText(a.id)}`)
        break
      case "crash":
        lines.push(`    Note over ${a.node}: ${n}. CRASH (volatile state lost)`)
        break
      case "restart":
        lines.push(`    Note over ${a.node}: ${n}. restart from disk`)
        break
      case "drop":
        lines.push(`    Note over ${a.from},${a.to}: ${n}. message lost`)
        break
      case "duplicate":
        lines.push(`    Note over ${a.from},${a.to}: ${n}. message duplicated`)
        break
      case "partition":
        lines.push(`    Note over ${a.node}: ${n}. partitioned off`)
        break
      case "heal":
        lines.push(`    Note over ${nodes[0]},${nodes[nodes.length - 1]}: ${n}. partition heals`)
        break
    }
    const at = actor(a)
    for (const o of step.outputs) {
      if (o._tag === "Persist" && at) lines.push(`    Note right of ${at}: persist ${mermaidText(o.key)}`)
      if (o._tag === "Reply" && a.kind === "request") {
        lines.push(`    ${a.node}-->>c${a.client}: ${mermaidText((d.result ?? brief)(o.result))}`)
      } else if (o._tag === "Reply" && at) {
        lines.push(`    Note right of ${at}: reply ${mermaidText((d.result ?? brief)(o.result))}`)
      }
    }
  })
  return lines.join("\n")
}
