// The transition relation of a cluster model over compact encoded states.
//
// A cluster state ("world") is an Int32Array:
//   [ghost, history, faultsUsed, isolated, (vol_i, disk_i) per node, (pc·2 + pending) per client, ...network]
// where vol_i is the interned {state, timers} of node i (-1 while down), disk_i the interned
// map of its persisted records, history an interned persistent list of client events and
// network the sorted interned envelopes. Reducer steps are pure, so they are memoised per
// (vol, input): the expensive part runs once per distinct local transition, not per state.
import type { Input, NodeId, Output, Persisted, Protocol } from "../core/machine.ts"
import { canonicalJson } from "./canonical-json.ts"
import type {
  ClusterModel,
  ClusterView,
  Envelope,
  GhostEvent,
  HistoryEvent,
  NodeView,
} from "./cluster-model.ts"
import { Interner, PairInterner } from "./interner.ts"

const GHOST = 0
const HISTORY = 1
const FAULTS = 2
const ISOLATED = 3
const NODES = 4

/** One action of the environment, as data: what the trace shows and what replay re-executes. */
export type Action =
  | { readonly kind: "deliver"; readonly from: NodeId; readonly to: NodeId; readonly msg: unknown }
  | { readonly kind: "timer"; readonly node: NodeId; readonly id: string }
  | { readonly kind: "request"; readonly client: number; readonly node: NodeId; readonly op: unknown }
  | { readonly kind: "crash"; readonly node: NodeId }
  | { readonly kind: "restart"; readonly node: NodeId }
  | { readonly kind: "drop"; readonly from: NodeId; readonly to: NodeId; readonly msg: unknown }
  | { readonly kind: "duplicate"; readonly from: NodeId; readonly to: NodeId; readonly msg: unknown }
  | { readonly kind: "partition"; readonly node: NodeId }
  | { readonly kind: "heal" }

/** A successor with its action and the outputs of the node step (for traces). */
export interface LabelledSuccessor {
  readonly action: Action
  readonly outputs: ReadonlyArray<Output<unknown, unknown, unknown>>
  readonly world: Int32Array
}

interface Vol {
  readonly state: unknown
  readonly timers: ReadonlyArray<string>
}

/** The memoised effect of one reducer step on one node. */
interface StepEffect {
  readonly vol: number
  readonly disk: (diskId: number) => number
  readonly sends: ReadonlyArray<number>
  readonly replies: ReadonlyArray<{ readonly client: number; readonly result: unknown }>
  readonly outputs: ReadonlyArray<Output<unknown, unknown, unknown>>
  readonly input: unknown
  readonly before: unknown
  readonly after: unknown
}

export class ClusterSemantics<P extends Protocol, G> {
  readonly nodeCount: number
  readonly clientCount: number
  readonly headerLength: number
  private readonly nodeIndex = new Map<NodeId, number>()
  private readonly vols = new Interner<Vol>()
  private readonly disks = new Interner<Record<string, unknown>>()
  private readonly envelopes = new Interner<Envelope<P["Msg"]>>()
  private readonly envelopeTo: number[] = []
  private readonly envelopeFrom: number[] = []
  private readonly events = new Interner<HistoryEvent<P["Op"], P["Res"]>>()
  private readonly historyList = new PairInterner()
  private readonly ghosts = new Interner<G>()
  private readonly values = new Interner<unknown>()
  private readonly valueIds = new WeakMap<object, number>()
  private readonly stepMemo = new Map<number, StepEffect>()
  private readonly inputIds = new Interner<Input<P["Msg"], P["Op"], P["Rec"]>>()
  private readonly restartMemo = new Map<number, StepEffect>()
  private readonly diskMemo = new Map<string, number>()
  private readonly historyCache: Array<ReadonlyArray<HistoryEvent<P["Op"], P["Res"]>> | undefined> = []
  private readonly requestInputs: number[][] // [client][pc] -> input id
  private readonly requestOwner = new Map<string, { client: number; pc: number }>()

  constructor(readonly model: ClusterModel<P, G>) {
    this.nodeCount = model.nodes.length
    this.clientCount = model.clients.length
    this.headerLength = NODES + 2 * this.nodeCount + this.clientCount
    model.nodes.forEach((id, i) => this.nodeIndex.set(id, i))
    this.requestInputs = model.clients.map((script, client) => {
      if (!this.nodeIndex.has(script.node)) throw new Error(`model ${model.name}: client ${client} names unknown node ${script.node}`)
      return script.ops.map((op, pc) => {
        const id = `c${client}.${pc}`
        this.requestOwner.set(id, { client, pc })
        return this.inputIds.intern({ _tag: "Request", id, op })
      })
    })
    this.disks.intern({}) // id 0: the empty disk
    this.ghosts.intern(model.ghost?.init ?? (null as G))
  }

  // ---- initial state -------------------------------------------------------------------

  initialWorld(): Int32Array {
    const w = new Int32Array(this.headerLength)
    w[GHOST] = 0
    w[HISTORY] = 0
    w[FAULTS] = 0
    w[ISOLATED] = -1
    let world = w
    for (let i = 0; i < this.nodeCount; i++) {
      const effect = this.restartEffect(i, 0)
      world = this.out.slice(0, this.withMessages(world, -1, effect.sends))
      world[NODES + 2 * i] = effect.vol
      world[NODES + 2 * i + 1] = effect.disk(0)
    }
    return world
  }

  // ---- successors ----------------------------------------------------------------------

  /**
   * Calls `emit(buffer, length)` for every successor, in a fixed order (the action index is
   * the position in this order, so a trace can be rebuilt by re-enumeration). The successor
   * is `buffer[0..length)`, valid only during the call: the buffer is reused for the next
   * one, so the search allocates only for the states it keeps. Returns the number emitted.
   */
  successors(world: Int32Array, emit: (next: Int32Array, length: number) => void): number {
    return this.enumerate(world, emit, undefined)
  }

  /** The same successors as `successors`, with their actions (used to rebuild traces). */
  labelledSuccessors(world: Int32Array): LabelledSuccessor[] {
    const out: LabelledSuccessor[] = []
    const labels: Array<{ action: Action; outputs: ReadonlyArray<Output<unknown, unknown, unknown>> }> = []
    this.enumerate(world, (w, n) => out.push({ ...labels[labels.length - 1]!, world: w.slice(0, n) }), (action, outputs) =>
      labels.push({ action, outputs }),
    )
    return out
  }

  private enumerate(
    world: Int32Array,
    emit: (next: Int32Array, length: number) => void,
    label: ((action: Action, outputs: ReadonlyArray<Output<unknown, unknown, unknown>>) => void) | undefined,
  ): number {
    const { model, nodeCount } = this
    const header = this.headerLength
    const isolated = world[ISOLATED]!
    const faults = world[FAULTS]!
    let count = 0
    const names = model.nodes

    // Deliver a message (one per distinct envelope).
    for (let k = header; k < world.length; k++) {
      const env = world[k]!
      if (k > header && world[k - 1] === env) continue
      const to = this.envelopeTo[env]!
      const from = this.envelopeFrom[env]!
      const vol = world[NODES + 2 * to]!
      if (vol < 0) continue
      if (isolated >= 0 && (isolated === to) !== (isolated === from)) continue
      const effect = this.stepEffect(to, vol, this.deliverInput(env))
      if (label) {
        const e = this.envelopes.value(env)
        label({ kind: "deliver", from: e.from, to: e.to, msg: e.msg }, effect.outputs)
      }
      count++
      emit(this.out, this.applyStep(world, to, effect, model.network === "multiset" ? k : -1))
    }

    // Timers.
    for (let i = 0; i < nodeCount; i++) {
      const vol = world[NODES + 2 * i]!
      if (vol < 0) continue
      const timers = this.vols.value(vol).timers
      for (const id of timers) {
        const effect = this.stepEffect(i, vol, this.timerInput(id), id)
        if (label) label({ kind: "timer", node: names[i]!, id }, effect.outputs)
        count++
        emit(this.out, this.applyStep(world, i, effect, -1))
      }
    }

    // Clients issue their next request.
    for (let c = 0; c < this.clientCount; c++) {
      const slot = NODES + 2 * nodeCount + c
      const word = world[slot]!
      const pc = word >> 1
      const script = model.clients[c]!
      if ((word & 1) === 1 || pc >= script.ops.length) continue
      const i = this.nodeIndex.get(script.node)!
      const vol = world[NODES + 2 * i]!
      if (vol < 0) continue
      const effect = this.stepEffect(i, vol, this.requestInputs[c]![pc]!)
      if (label) label({ kind: "request", client: c, node: script.node, op: script.ops[pc] }, effect.outputs)
      const history = this.appendHistory(world[HISTORY]!, {
        kind: "invoke",
        client: c,
        node: script.node,
        op: script.ops[pc] as P["Op"],
      })
      count++
      emit(this.out, this.applyStep(world, i, effect, -1, slot, ((pc + 1) << 1) | 1, history))
    }

    const crashes = faults & 0xff
    const drops = (faults >> 8) & 0xff
    const dups = (faults >> 16) & 0xff
    const parts = (faults >> 24) & 0xff

    // Crash and restart.
    for (let i = 0; i < nodeCount; i++) {
      const vol = world[NODES + 2 * i]!
      if (vol >= 0 && crashes < model.faults.crashes) {
        if (label) label({ kind: "crash", node: names[i]! }, [])
        count++
        emit(this.out, this.crash(world, i))
      } else if (vol < 0) {
        const effect = this.restartEffect(i, world[NODES + 2 * i + 1]!)
        if (label) label({ kind: "restart", node: names[i]! }, effect.outputs)
        count++
        emit(this.out, this.restart(world, i, effect))
      }
    }

    // Message loss and duplication (multiset semantics only).
    if (model.network === "multiset") {
      for (let k = header; k < world.length; k++) {
        const env = world[k]!
        if (k > header && world[k - 1] === env) continue
        const e = label ? this.envelopes.value(env) : undefined
        if (drops < model.faults.drops) {
          if (label && e) label({ kind: "drop", from: e.from, to: e.to, msg: e.msg }, [])
          const next = this.outFor(world.length - 1)
          next.set(world.subarray(0, k))
          next.set(world.subarray(k + 1), k)
          next[FAULTS] = faults + (1 << 8)
          count++
          emit(next, world.length - 1)
        }
        if (dups < model.faults.duplicates) {
          if (label && e) label({ kind: "duplicate", from: e.from, to: e.to, msg: e.msg }, [])
          const next = this.outFor(world.length + 1)
          next.set(world.subarray(0, k + 1))
          next.set(world.subarray(k), k + 1)
          next[FAULTS] = faults + (1 << 16)
          count++
          emit(next, world.length + 1)
        }
      }
    }

    // Partitions: cut one node off from the others, then heal.
    if (isolated >= 0) {
      if (label) label({ kind: "heal" }, [])
      const next = this.copyOut(world)
      next[ISOLATED] = -1
      count++
      emit(next, world.length)
    } else if (parts < model.faults.partitions) {
      for (let i = 0; i < nodeCount; i++) {
        if (label) label({ kind: "partition", node: names[i]! }, [])
        const next = this.copyOut(world)
        next[ISOLATED] = i
        next[FAULTS] = faults + (1 << 24)
        count++
        emit(next, world.length)
      }
    }
    return count
  }

  // ---- applying a node step --------------------------------------------------------------

  private readonly timerInputs = new Map<string, number>()
  private timerInput(id: string): number {
    let input = this.timerInputs.get(id)
    if (input === undefined) {
      input = this.inputIds.intern({ _tag: "Timer", id })
      this.timerInputs.set(id, input)
    }
    return input
  }

  private deliverInputs: number[] = []
  private deliverInput(env: number): number {
    let id = this.deliverInputs[env]
    if (id === undefined) {
      const e = this.envelopes.value(env)
      id = this.inputIds.intern({ _tag: "Recv", from: e.from, msg: e.msg })
      this.deliverInputs[env] = id
    }
    return id
  }

  private stepEffect(node: number, vol: number, inputId: number, firedTimer?: string): StepEffect {
    // Keyed by node too: two nodes may hold equal states, but their sends differ in `from`.
    const key = (vol * 64 + node) * 16_777_216 + inputId
    const memo = this.stepMemo.get(key)
    if (memo !== undefined) return memo
    const before = this.vols.value(vol)
    const input = this.inputIds.value(inputId)
    const timers = firedTimer === undefined ? before.timers : before.timers.filter((t) => t !== firedTimer)
    const { state, out } = this.model.machine.step(before.state, input)
    const effect = this.effectOf(this.model.nodes[node]!, state, timers, out, input, before.state)
    this.stepMemo.set(key, effect)
    return effect
  }

  private restartEffect(node: number, diskId: number): StepEffect {
    const key = diskId * 256 + node
    const memo = this.restartMemo.get(key)
    if (memo !== undefined) return memo
    const { machine } = this.model
    const id = this.model.nodes[node]!
    const fresh = machine.init(id, this.model.params(id))
    const disk = this.disks.value(diskId)
    const persisted: Array<Persisted<P["Rec"]>> = Object.keys(disk)
      .sort()
      .map((key) => ({ key, record: disk[key] as P["Rec"] }))
    const input: Input<P["Msg"], P["Op"], P["Rec"]> = { _tag: "Recover", persisted }
    const { state, out } = machine.step(fresh, input)
    const effect = this.effectOf(id, state, [], out, input, fresh)
    this.restartMemo.set(key, effect)
    return effect
  }

  private effectOf(
    from: NodeId,
    state: unknown,
    timersBefore: ReadonlyArray<string>,
    out: ReadonlyArray<Output<unknown, unknown, unknown>>,
    input: unknown,
    before: unknown,
  ): StepEffect {
    const timers = new Set(timersBefore)
    // [key, record] writes, then [key] removals (a step's Forgets apply after its Persists, as on disk).
    const writes: Array<[string, unknown] | [string]> = []
    const removals: Array<[string]> = []
    const sends: number[] = []
    const replies: Array<{ client: number; result: unknown }> = []
    for (const o of out) {
      switch (o._tag) {
        case "Send":
          sends.push(this.envelopeId({ from, to: o.to, msg: o.msg as P["Msg"] }))
          break
        case "Reply": {
          const owner = this.requestOwner.get(o.id)
          if (owner === undefined) throw new Error(`reducer replied to unknown request ${o.id}`)
          replies.push({ client: owner.client, result: o.result })
          break
        }
        case "SetTimer":
          timers.add(o.id)
          break
        case "CancelTimer":
          timers.delete(o.id)
          break
        case "Persist":
          writes.push([o.key, o.record])
          break
        case "Forget":
          removals.push([o.key])
          break
      }
    }
    writes.push(...removals)
    const vol = this.vols.intern({ state, timers: [...timers].sort() })
    const after = this.vols.value(vol).state
    const writesKey = writes.length === 0 ? "" : canonicalJson(writes)
    const disk =
      writes.length === 0
        ? (diskId: number) => diskId
        : (diskId: number) => {
            const key = `${diskId}|${writesKey}`
            let next = this.diskMemo.get(key)
            if (next === undefined) {
              const updated = { ...this.disks.value(diskId) }
              for (const w of writes) {
                if (w.length === 2) updated[w[0]] = w[1]
                else delete updated[w[0]]
              }
              next = this.disks.intern(updated)
              this.diskMemo.set(key, next)
            }
            return next
          }
    return { vol, disk, sends, replies, outputs: out, input, before, after }
  }

  private envelopeId(e: Envelope<P["Msg"]>): number {
    const id = this.envelopes.intern(e)
    if (this.envelopeTo[id] === undefined) {
      this.envelopeTo[id] = this.indexOf(e.to)
      this.envelopeFrom[id] = this.indexOf(e.from)
    }
    return id
  }

  private indexOf(node: NodeId): number {
    const i = this.nodeIndex.get(node)
    if (i === undefined) throw new Error(`message addressed to unknown node ${node}`)
    return i
  }

  // Successors are built in one reused buffer: the search copies out only the new ones.
  private out = new Int32Array(64)

  private outFor(length: number): Int32Array {
    if (this.out.length < length) this.out = new Int32Array(length * 2)
    return this.out
  }

  private copyOut(world: Int32Array): Int32Array {
    const next = this.outFor(world.length)
    next.set(world)
    return next
  }

  /**
   * Writes into the output buffer the world after node `i` took a step with `effect`, and
   * returns its length. `consumed` is the network slot the step consumed, or -1; a client
   * request also sets the client's slot to `clientWord` and the history to `history`.
   */
  private applyStep(
    world: Int32Array,
    i: number,
    effect: StepEffect,
    consumed: number,
    clientSlot = -1,
    clientWord = 0,
    history = world[HISTORY]!,
  ): number {
    const unchangedNetwork = consumed < 0 && effect.sends.length === 0
    const length = unchangedNetwork ? world.length : this.withMessages(world, consumed, effect.sends)
    const next = unchangedNetwork ? this.copyOut(world) : this.out
    if (clientSlot >= 0) next[clientSlot] = clientWord
    next[HISTORY] = history
    next[NODES + 2 * i] = effect.vol
    next[NODES + 2 * i + 1] = effect.disk(world[NODES + 2 * i + 1]!)
    for (const r of effect.replies) {
      const slot = NODES + 2 * this.nodeCount + r.client
      const word = next[slot]!
      if ((word & 1) === 0) continue // a reply to a request the client no longer waits for
      next[slot] = word & ~1
      const script = this.model.clients[r.client]!
      next[HISTORY] = this.appendHistory(next[HISTORY]!, {
        kind: "ok",
        client: r.client,
        node: script.node,
        op: script.ops[(word >> 1) - 1] as P["Op"],
        result: r.result as P["Res"],
      })
    }
    if (this.model.ghost !== undefined) {
      const event: GhostEvent<P> = {
        kind: "step",
        node: i,
        input: effect.input,
        before: effect.before,
        after: effect.after,
        outputs: effect.outputs as ReadonlyArray<Output<P["Msg"], P["Res"], P["Rec"]>>,
      }
      next[GHOST] = this.observeGhost(next, event)
    }
    return length
  }

  private crash(world: Int32Array, i: number): number {
    const next = this.copyOut(world)
    next[NODES + 2 * i] = -1
    next[FAULTS] = world[FAULTS]! + 1
    const node = this.model.nodes[i]!
    for (let c = 0; c < this.clientCount; c++) {
      const slot = NODES + 2 * this.nodeCount + c
      const word = next[slot]!
      const script = this.model.clients[c]!
      if ((word & 1) === 1 && script.node === node) {
        next[slot] = word & ~1
        next[HISTORY] = this.appendHistory(next[HISTORY]!, {
          kind: "info",
          client: c,
          node,
          op: script.ops[(word >> 1) - 1] as P["Op"],
        })
      }
    }
    if (this.model.ghost !== undefined) {
      const before = this.vols.value(world[NODES + 2 * i]!).state as P["State"]
      next[GHOST] = this.observeGhost(next, { kind: "crash", node: i, before })
    }
    return world.length
  }

  private restart(world: Int32Array, i: number, effect: StepEffect): number {
    const length = this.withMessages(world, -1, effect.sends)
    const next = this.out
    next[NODES + 2 * i] = effect.vol
    next[NODES + 2 * i + 1] = effect.disk(world[NODES + 2 * i + 1]!)
    if (this.model.ghost !== undefined) {
      const outputs = effect.outputs as ReadonlyArray<Output<P["Msg"], P["Res"], P["Rec"]>>
      next[GHOST] = this.observeGhost(next, { kind: "restart", node: i, after: effect.after, outputs })
    }
    return length
  }

  /**
   * Writes into the output buffer a copy of `world` whose network lacks slot `consumed`
   * (-1: none) and has `sends` added, kept sorted; returns its length.
   */
  private withMessages(world: Int32Array, consumed: number, sends: ReadonlyArray<number>): number {
    const header = this.headerLength
    const set = this.model.network === "set"
    let added = 0
    const fresh = this.scratch
    fresh.length = 0
    for (const s of sends) {
      if (set && (fresh.includes(s) || contains(world, header, s))) continue
      fresh.push(s)
    }
    if (fresh.length > 1) fresh.sort((a, b) => a - b)
    added = fresh.length
    const length = world.length + added - (consumed >= 0 ? 1 : 0)
    const next = this.outFor(length)
    next.set(world.subarray(0, header))
    let w = header
    let k = header
    let f = 0
    while (k < world.length || f < added) {
      if (k === consumed) {
        k++
        continue
      }
      if (f < added && (k >= world.length || fresh[f]! <= world[k]!)) next[w++] = fresh[f++]!
      else next[w++] = world[k++]!
    }
    return length
  }

  private readonly scratch: number[] = []

  // ---- history and ghost ------------------------------------------------------------------

  private appendHistory(history: number, event: HistoryEvent<P["Op"], P["Res"]>): number {
    return this.historyList.intern(history, this.eventId(event)) + 1
  }

  // Events recur with the same client, request and (memoised, so identical) result object:
  // their ids are cached without re-serialising them.
  private readonly eventIds = new Map<string, number>()
  private eventId(event: HistoryEvent<P["Op"], P["Res"]>): number {
    const pc = this.model.clients[event.client]!.ops.indexOf(event.op)
    const key =
      event.kind === "ok" ? `ok/${event.client}/${pc}/${this.valueId(event.result)}` : `${event.kind}/${event.client}/${pc}`
    let id = this.eventIds.get(key)
    if (id === undefined) {
      id = this.events.intern(event)
      this.eventIds.set(key, id)
    }
    return id
  }

  history(id: number): ReadonlyArray<HistoryEvent<P["Op"], P["Res"]>> {
    if (id === 0) return []
    let cached = this.historyCache[id]
    if (cached === undefined) {
      const prev = this.history(this.historyList.first(id - 1))
      cached = [...prev, this.events.value(this.historyList.second(id - 1))]
      this.historyCache[id] = cached
    }
    return cached
  }

  private ghostWorld: Int32Array = new Int32Array(0)
  private readonly stateInGhostWorld = (n: number): P["State"] | undefined => {
    const vol = this.ghostWorld[NODES + 2 * n]!
    return vol < 0 ? undefined : this.vols.value(vol).state
  }

  private observeGhost(world: Int32Array, event: GhostEvent<P>): number {
    const ghost = this.model.ghost!
    this.ghostWorld = world
    const before = this.ghosts.value(world[GHOST]!)
    const next = ghost.observe(before, event, this.stateInGhostWorld, this.sameValue)
    if (next === before) return world[GHOST]!
    return this.valueIdIn(this.ghosts, this.ghostIds, next)
  }

  /** Structural equality, memoised on object identity (interned values recur as the same objects). */
  readonly sameValue = (a: unknown, b: unknown): boolean => a === b || this.valueId(a) === this.valueId(b)

  private readonly ghostIds = new WeakMap<object, number>()

  /** Interns `v` in `interner`, memoised on object identity. */
  private valueIdIn<T>(interner: Interner<T>, ids: WeakMap<object, number>, v: T): number {
    if (v === null || typeof v !== "object") return interner.intern(v)
    const known = ids.get(v)
    if (known !== undefined) return known
    const id = interner.intern(v)
    ids.set(v, id)
    return id
  }

  private valueId(v: unknown): number {
    if (v === null || typeof v !== "object") return this.values.intern(v)
    const known = this.valueIds.get(v)
    if (known !== undefined) return known
    const id = this.values.intern(v)
    this.valueIds.set(v, id)
    return id
  }

  // ---- symmetry ---------------------------------------------------------------------------

  private readonly renames: Array<{
    text: (s: string) => string
    vols: Map<number, number>
    disks: Map<number, number>
    envelopes: Map<number, number>
    histories: Map<number, number>
    ghosts: Map<number, number>
    events: Map<number, number>
  }> = []

  /** The image of `world` under the node permutation `perm` (number `g` of the group, for memos). */
  permute(world: Int32Array, g: number, perm: ReadonlyArray<number>): Int32Array {
    let r = this.renames[g]
    if (r === undefined) {
      const names = this.model.nodes
      const mapping = new Map(names.map((id, i) => [id, names[perm[i]!]!]))
      const escaped = names.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      const token = new RegExp(`(?<![A-Za-z0-9_])(${escaped.join("|")})(?![A-Za-z0-9_])`, "g")
      const text = (s: string) => s.replace(token, (m) => mapping.get(m) ?? m)
      r = { text, vols: new Map(), disks: new Map(), envelopes: new Map(), histories: new Map(), ghosts: new Map(), events: new Map() }
      this.renames[g] = r
    }
    const rename = renameDeep(r.text)
    const memo = <T>(table: Map<number, number>, id: number, interner: Interner<T>): number => {
      let out = table.get(id)
      if (out === undefined) {
        out = interner.intern(rename(interner.value(id)) as T)
        table.set(id, out)
      }
      return out
    }
    const next = new Int32Array(world.length)
    next.set(world.subarray(0, this.headerLength))
    const permuteGhost = this.model.ghost?.permute
    if (permuteGhost === undefined) next[GHOST] = memo(r.ghosts, world[GHOST]!, this.ghosts)
    else {
      const ghost = world[GHOST]!
      let out = r.ghosts.get(ghost)
      if (out === undefined) {
        out = this.ghosts.intern(permuteGhost(this.ghosts.value(ghost), perm))
        r.ghosts.set(ghost, out)
      }
      next[GHOST] = out
    }
    next[HISTORY] = this.permuteHistory(world[HISTORY]!, r.histories, (e) => memo(r.events, e, this.events))
    const isolated = world[ISOLATED]!
    next[ISOLATED] = isolated < 0 ? -1 : perm[isolated]!
    for (let i = 0; i < this.nodeCount; i++) {
      const vol = world[NODES + 2 * i]!
      const j = perm[i]!
      next[NODES + 2 * j] = vol < 0 ? -1 : this.permuteVol(r.vols, vol, rename)
      next[NODES + 2 * j + 1] = memo(r.disks, world[NODES + 2 * i + 1]!, this.disks)
    }
    const net: number[] = []
    for (let k = this.headerLength; k < world.length; k++) {
      const env = world[k]!
      let out = r.envelopes.get(env)
      if (out === undefined) {
        out = this.envelopeId(rename(this.envelopes.value(env)) as Envelope<P["Msg"]>)
        r.envelopes.set(env, out)
      }
      net.push(out)
    }
    net.sort((a, b) => a - b)
    next.set(net, this.headerLength)
    return next
  }

  /** Timers are a set: re-sorted after renaming so that equal sets keep one encoding. */
  private permuteVol(memo: Map<number, number>, vol: number, rename: (v: unknown) => unknown): number {
    let out = memo.get(vol)
    if (out === undefined) {
      const renamed = rename(this.vols.value(vol)) as Vol
      out = this.vols.intern({ state: renamed.state, timers: [...renamed.timers].sort() })
      memo.set(vol, out)
    }
    return out
  }

  private permuteHistory(id: number, memo: Map<number, number>, event: (e: number) => number): number {
    if (id === 0) return 0
    let out = memo.get(id)
    if (out === undefined) {
      const prev = this.permuteHistory(this.historyList.first(id - 1), memo, event)
      out = this.historyList.intern(prev, event(this.historyList.second(id - 1))) + 1
      memo.set(id, out)
    }
    return out
  }

  // ---- views ------------------------------------------------------------------------------

  private readonly diskViews: Array<ReadonlyArray<Persisted<P["Rec"]>>> = []
  private readonly nodeViews = new Map<number, NodeView<P>>()

  private nodeView(i: number, vol: number, diskId: number): NodeView<P> {
    const key = (vol + 1) * 67_108_864 * 64 + diskId * 64 + i
    let view = this.nodeViews.get(key)
    if (view === undefined) {
      let disk = this.diskViews[diskId]
      if (disk === undefined) {
        const map = this.disks.value(diskId)
        disk = Object.keys(map)
          .sort()
          .map((k) => ({ key: k, record: map[k] as P["Rec"] }))
        this.diskViews[diskId] = disk
      }
      const v = vol < 0 ? undefined : this.vols.value(vol)
      view = { id: this.model.nodes[i]!, up: vol >= 0, state: v?.state, timers: v?.timers ?? [], disk }
      this.nodeViews.set(key, view)
    }
    return view
  }

  view(world: Int32Array): ClusterView<P, G> {
    const nodes: NodeView<P>[] = []
    for (let i = 0; i < this.nodeCount; i++) nodes.push(this.nodeView(i, world[NODES + 2 * i]!, world[NODES + 2 * i + 1]!))
    const network: Envelope<P["Msg"]>[] = []
    for (let k = this.headerLength; k < world.length; k++) network.push(this.envelopes.value(world[k]!))
    return {
      nodes,
      network,
      history: this.history(world[HISTORY]!),
      ghost: this.ghosts.value(world[GHOST]!),
      isolated: world[ISOLATED]!,
      clients: this.model.clients.map((_, c) => {
        const word = world[NODES + 2 * this.nodeCount + c]!
        return { next: word >> 1, pending: (word & 1) === 1 }
      }),
      faultsUsed: {
        crashes: world[FAULTS]! & 0xff,
        drops: (world[FAULTS]! >> 8) & 0xff,
        duplicates: (world[FAULTS]! >> 16) & 0xff,
        partitions: (world[FAULTS]! >> 24) & 0xff,
      },
    }
  }

  historyId(world: Int32Array): number {
    return world[HISTORY]!
  }

  inFlight(world: Int32Array): number {
    return world.length - this.headerLength
  }

  /** Figures for the report: how much the memo tables hold. */
  get stats(): { localStates: number; messages: number; transitions: number } {
    return { localStates: this.vols.size, messages: this.envelopes.size, transitions: this.stepMemo.size }
  }
}

/** Renames node-id tokens in every string and object key of a JSON-like value. */
const renameDeep =
  (text: (s: string) => string) =>
  (value: unknown): unknown => {
    const go = (v: unknown): unknown => {
      if (typeof v === "string") return text(v)
      if (v === null || typeof v !== "object") return v
      if (Array.isArray(v)) return v.map(go)
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[text(k)] = go(x)
      return out
    }
    return go(value)
  }

const contains = (world: Int32Array, from: number, value: number): boolean => {
  for (let k = from; k < world.length; k++) if (world[k] === value) return true
  return false
}
