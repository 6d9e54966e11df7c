// Trace validation (DESIGN §4.3): the reducer logs of a real multi-node run, replayed
// against the protocol's TLA+ spec. The replay re-executes every logged input with the pure
// reducer (checking the logged state digest, so the log and the code agree), rebuilds the
// cluster the refinement check would see — node states, disks, messages in flight, client
// history, ghost — and checks that abs of the first cluster state satisfies Init and that
// every step is a Next step or a stutter. Steps of different nodes are merged in an order
// that respects causality (a message is received after it was sent) and, among the steps
// that are enabled, by their wall-clock time.
import type { Input, NodeId, Output, Persisted, Protocol } from "../core/machine.ts"
import { printValue, type StateRecord, toTla } from "../tla/api.ts"
import { canonicalJson } from "./canonical-json.ts"
import type { ClusterView, Envelope, HistoryEvent, NodeView } from "./cluster-model.ts"
import type { Refinement } from "./refinement.ts"
import { stateDigest, type TraceLine } from "./trace-log.ts"

export interface TraceFailure {
  /** The global step at which validation failed (0: the initial state). */
  readonly step: number
  readonly line?: TraceLine
  readonly message: string
}

export interface TraceCheckResult {
  readonly ok: boolean
  /** Steps replayed (one per log line after the nodes' first start). */
  readonly steps: number
  readonly stutters: number
  readonly crashes: number
  readonly messagesInFlight: number
  readonly failure?: TraceFailure
}

interface Replica<P extends Protocol> {
  state: P["State"] | undefined
  up: boolean
  started: boolean
  readonly disk: Map<string, P["Rec"]>
  readonly timers: Set<string>
  lines: TraceLine[]
  next: number
}

const REQUEST_ID = /^c(\d+)\.(\d+)$/

export const validateTrace = <P extends Protocol, G>(r: Refinement<P, G>, lines: ReadonlyArray<TraceLine>): TraceCheckResult => {
  const { model, spec } = r
  const machine = model.machine
  const ids = model.nodes
  const replicas = new Map<NodeId, Replica<P>>(
    ids.map((n) => [n, { state: undefined, up: false, started: false, disk: new Map(), timers: new Set(), lines: [], next: 0 }]),
  )
  let network: Array<Envelope<P["Msg"]> & { readonly key: string }> = []
  const history: Array<HistoryEvent<P["Op"], P["Res"]>> = []
  const invoked = new Map<string, { client: number; node: NodeId; op: P["Op"] }>()
  let ghost = (model.ghost?.init ?? null) as G
  let crashes = 0
  let steps = 0
  let stutters = 0
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b)
  const fail = (message: string, line?: TraceLine): TraceCheckResult => ({
    ok: false,
    steps,
    stutters,
    crashes,
    messagesInFlight: network.length,
    failure: { step: steps, message, ...(line !== undefined ? { line } : {}) },
  })

  for (const line of lines) {
    const rep = replicas.get(line.node)
    if (rep === undefined) return fail(`node ${line.node} is not one of the model's nodes (${ids.join(", ")})`, line)
    rep.lines.push(line)
  }
  for (const [n, rep] of replicas) {
    rep.lines.sort((a, b) => a.seq - b.seq)
    const gap = rep.lines.findIndex((l, i) => l.seq !== i)
    if (gap >= 0) return fail(`${n}: line seq ${rep.lines[gap]!.seq} where ${gap} was expected (lines lost or duplicated)`, rep.lines[gap])
    if (rep.lines.length === 0) return fail(`${n}: no lines (every node of the model must be logged)`)
  }

  const view = (): ClusterView<P, G> => {
    const nodes: Array<NodeView<P>> = ids.map((id) => {
      const rep = replicas.get(id)!
      const disk: Array<Persisted<P["Rec"]>> = [...rep.disk.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, record]) => ({ key, record }))
      return { id, up: rep.up, state: rep.up ? rep.state : undefined, timers: [...rep.timers].sort(), disk }
    })
    const clients = model.clients.map((_, c) => {
      const events = history.filter((e) => e.client === c)
      const invokes = events.filter((e) => e.kind === "invoke").length
      return { next: invokes, pending: invokes > events.length - invokes }
    })
    return {
      nodes,
      network: network.map(({ from, to, msg }) => ({ from, to, msg })),
      history: [...history],
      ghost,
      isolated: -1,
      clients,
      faultsUsed: { crashes, drops: 0, duplicates: 0, partitions: 0 },
    }
  }

  /** Node `n` crashes: its memory, timers and unanswered requests are gone; its disk stays. */
  const crash = (n: NodeId): void => {
    const rep = replicas.get(n)!
    const before = rep.state
    rep.up = false
    rep.state = undefined
    rep.timers.clear()
    crashes++
    for (const [, inv] of invoked) {
      const done = history.some((e) => e.kind !== "invoke" && e.client === inv.client && e.op === inv.op)
      if (inv.node === n && !done) history.push({ kind: "info", client: inv.client, node: n, op: inv.op })
    }
    ghost = model.ghost?.observe(ghost, { kind: "crash", node: ids.indexOf(n), before }, (i) => replicas.get(ids[i]!)!.state, same) ?? ghost
  }

  /** The abstract state after a step, checked against the previous one; an error message if it is no step of Next. */
  const advance = (what: string, line: TraceLine): TraceCheckResult | undefined => {
    let next: StateRecord
    try {
      next = r.abs(view())
    } catch (e) {
      return fail(`abs: ${(e as Error).message}`, line)
    }
    if (printed(next) === printed(abs)) stutters++
    else if (!spec.evalNextOrStutter(abs, next, r.next ?? "Next")) return fail(`${what} is not a step of ${r.next ?? "Next"}`, line)
    abs = next
    return undefined
  }

  /** Applies one logged input at node `n`; an error message when the log is inconsistent. */
  const apply = (n: NodeId, line: TraceLine): string | undefined => {
    const rep = replicas.get(n)!
    const index = ids.indexOf(n)
    const input = line.input as Input<P["Msg"], P["Op"], P["Rec"]>
    if (input === null || typeof input !== "object" || typeof (input as { _tag?: unknown })._tag !== "string") return "the input has no _tag"
    if (input._tag === "Recover") {
      if (rep.up) return "a restart without a crash before it"
      const disk = [...rep.disk.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, record]) => ({ key, record }))
      if (!same(disk, input.persisted)) return "the node recovered a disk different from what it had persisted"
    } else if (!rep.up) return "an input before the node's first Recover"
    if (input._tag === "Recv") {
      const key = canonicalJson([input.from, n, input.msg])
      const k = network.findIndex((e) => e.key === key)
      if (k < 0) return `received a message from ${input.from} that is not in flight`
      network = [...network.slice(0, k), ...network.slice(k + 1)]
    }
    if (input._tag === "Timer") {
      if (!rep.timers.has(input.id)) return `timer ${input.id} fired but was not set`
      rep.timers.delete(input.id)
    }
    if (input._tag === "Request") {
      const m = REQUEST_ID.exec(input.id)
      if (m === null) return `request id ${input.id} is not of the form c<client>.<pc>`
      const client = Number(m[1])
      if (client >= model.clients.length) return `request ${input.id}: the model has ${model.clients.length} clients`
      invoked.set(input.id, { client, node: n, op: input.op })
      history.push({ kind: "invoke", client, node: n, op: input.op })
    }
    const before = input._tag === "Recover" ? machine.init(n, model.params(n)) : rep.state
    const { state, out } = machine.step(before, input)
    if (stateDigest(state) !== line.state) return "the replayed state differs from the logged one (the log was written by other code, or edited)"
    const forgotten: string[] = []
    for (const o of out as ReadonlyArray<Output<P["Msg"], P["Res"], P["Rec"]>>) {
      if (o._tag === "Send") network.push({ from: n, to: o.to, msg: o.msg, key: canonicalJson([n, o.to, o.msg]) })
      else if (o._tag === "Persist") rep.disk.set(o.key, o.record)
      else if (o._tag === "Forget") forgotten.push(o.key) // after the step's Persists, as on disk
      else if (o._tag === "SetTimer") rep.timers.add(o.id)
      else if (o._tag === "CancelTimer") rep.timers.delete(o.id)
      else if (o._tag === "Reply") {
        const inv = invoked.get(o.id)
        if (inv === undefined) return `reply to ${o.id}, which was never requested`
        history.push({ kind: "ok", client: inv.client, node: n, op: inv.op, result: o.result })
      }
    }
    for (const key of forgotten) rep.disk.delete(key)
    const restart = input._tag === "Recover" && rep.started
    rep.state = state
    rep.up = true
    rep.started = true
    ghost =
      model.ghost?.observe(
        ghost,
        restart ? { kind: "restart", node: index, after: state, outputs: out } : { kind: "step", node: index, input, before, after: state, outputs: out },
        (i) => replicas.get(ids[i]!)!.state,
        same,
      ) ?? ghost
    return undefined
  }

  let abs: StateRecord = {}
  // The initial cluster state: every node after its first start.
  for (const n of ids) {
    const rep = replicas.get(n)!
    const first = rep.lines[0]!
    if ((first.input as { _tag?: unknown })._tag !== "Recover") return fail(`${n}: the first line is not a Recover`, first)
    const error = apply(n, first)
    if (error !== undefined) return fail(`${n}: ${error}`, first)
    rep.next = 1
  }
  try {
    abs = r.abs(view())
  } catch (e) {
    return fail(`abs: ${(e as Error).message}`)
  }
  if (!spec.evalInit(abs, r.init ?? "Init")) return fail("the initial cluster state does not satisfy Init")

  for (;;) {
    let pick: { n: NodeId; line: TraceLine } | undefined
    for (const n of ids) {
      const rep = replicas.get(n)!
      const line = rep.lines[rep.next]
      if (line === undefined) continue
      const input = line.input as { _tag?: string; from?: string; msg?: unknown }
      if (input._tag === "Recv" && !network.some((e) => e.key === canonicalJson([input.from, n, input.msg]))) continue
      if (pick === undefined || line.t < pick.line.t) pick = { n, line }
    }
    if (pick === undefined) {
      const stuck = ids.map((n) => replicas.get(n)!).find((rep) => rep.next < rep.lines.length)
      if (stuck === undefined) break
      const line = stuck.lines[stuck.next]!
      return fail(`${line.node}: received a message that no logged step sent`, line)
    }
    if ((pick.line.input as { _tag?: string })._tag === "Recover" && replicas.get(pick.n)!.up) {
      // A restart: the node crashed between its previous line and this one (its own step).
      steps++
      crash(pick.n)
      const failed = advance(`${pick.n}: the crash before its restart`, pick.line)
      if (failed !== undefined) return failed
    }
    steps++
    const error = apply(pick.n, pick.line)
    if (error !== undefined) return fail(`${pick.n}: ${error}`, pick.line)
    replicas.get(pick.n)!.next++
    const failed = advance(`${pick.n}: ${describe(pick.line)}`, pick.line)
    if (failed !== undefined) return failed
  }
  return { ok: true, steps, stutters, crashes, messagesInFlight: network.length }
}

/** An abstract state as TLA+ text: one text per value, Sets and Maps included. */
const printed = (s: StateRecord): string =>
  Object.keys(s)
    .sort()
    .map((k) => `${k}=${printValue(toTla(s[k]))}`)
    .join(";")

const describe = (line: TraceLine): string => {
  const input = line.input as { _tag: string; from?: string; id?: string; msg?: { _tag?: string } }
  switch (input._tag) {
    case "Recv":
      return `Recv ${input.msg?._tag ?? "?"} from ${input.from}`
    case "Timer":
    case "Request":
      return `${input._tag} ${input.id}`
    default:
      return input._tag
  }
}
