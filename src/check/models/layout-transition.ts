// Cluster model of layout transitions: nodes hosting the layout history with its trackers and
// a quorum-replicated key-value table; an operator applies the next committed layout versions
// while clients write and read. Checked: ReadAfterWrite over the client history and
// RetiredNotRead over the node states; plus the mutants the model tests must catch.
import type { Entry, Op, Res } from "../../core/layout/transition-messages.ts"
import { compareEntry } from "../../core/layout/transition-messages.ts"
import { current, describeHistory, type LayoutHistory, type LayoutVersion, minStored } from "../../core/layout/history.ts"
import {
  correctTransition,
  type LayoutTransition,
  makeTransitionNode,
  type TransitionVariant,
} from "../../core/layout/transition-node.ts"
import type { ClientScript, ClusterModel, ClusterView, HistoryEvent, NetworkSemantics } from "../cluster-model.ts"

export interface LayoutTransitionBounds {
  readonly nodes: number
  /** Committed versions in the chain (2 or 3); the operator applies 2..versions. */
  readonly versions: number
  /** Replication factor: 1 (W = R = 1) or 2 (W = 2, R = 1); consistent-mode quorums. */
  readonly rf: number
  readonly maxInFlight: number
  readonly crashes: number
  readonly drops: number
  readonly duplicates: number
  readonly partitions: number
  readonly network: NetworkSemantics
  /** Client scenario, see `scenarios`. */
  readonly scenario: string
}

export const layoutCiBounds: LayoutTransitionBounds = {
  nodes: 3,
  versions: 2,
  rf: 1,
  maxInFlight: 3,
  crashes: 0,
  drops: 0,
  duplicates: 0,
  partitions: 0,
  network: "multiset",
  scenario: "write-then-transition",
}

const put = (key: string, value: string): Op => ({ _tag: "Put", key, value })
const get = (key: string): Op => ({ _tag: "Get", key })
const apply = (version: number): Op => ({ _tag: "Apply", version })

/**
 * Client scripts. "transition": the operator at n0 applies v2; a client at n2 writes x then
 * reads it; a client at n1 reads x. "three-versions": the operator applies v2 then v3.
 */
export const scenarios: Record<string, (versions: number) => ReadonlyArray<ClientScript<Op>>> = {
  transition: (versions) => [
    { node: "n0", ops: Array.from({ length: versions - 1 }, (_, i) => apply(i + 2)) },
    { node: "n2", ops: [put("x", "a"), get("x")] },
    { node: "n1", ops: [get("x")] },
  ],
  /**
   * The no-sync-chaining scenario: n0 writes x (it holds x in v1), then applies v2 and v3;
   * a client at n2 (v3's node) reads x. Driven step by step in the model tests.
   */
  "write-apply-apply": () => [
    { node: "n0", ops: [put("x", "a"), apply(2), apply(3)] },
    { node: "n2", ops: [get("x")] },
  ],
  "write-then-transition": (versions) => [
    { node: "n0", ops: Array.from({ length: versions - 1 }, (_, i) => apply(i + 2)) },
    { node: "n1", ops: [put("x", "a")] },
    { node: "n2", ops: [get("x")] },
  ],
}

/**
 * The committed chain over nodes n0..n(k-1), one partition holding key x. rf = 1: version i
 * puts it on n(i-1). rf = 2: {n0,n1}, {n1,n2}, {n0,n2}. Every node has a role in every
 * version, so every node must ack and every node's syncAck gates retirement.
 */
export const chainFor = (nodes: readonly string[], versions: number, rf: number): LayoutVersion[] => {
  const sets1 = [["n0"], ["n1"], ["n2"]]
  const sets2 = [["n0", "n1"], ["n1", "n2"], ["n0", "n2"]]
  const sets = rf === 1 ? sets1 : rf === 2 ? sets2 : undefined
  if (sets === undefined) throw new Error(`--rf must be 1 or 2`)
  if (versions < 1 || versions > 3) throw new Error(`--versions must be 1, 2 or 3`)
  return Array.from({ length: versions }, (_, i) => ({
    version: i + 1,
    nodes: [...nodes],
    partitions: [sets[i]!],
    writeQuorum: rf,
    readQuorum: 1,
  }))
}

/**
 * ReadAfterWrite: a read that was invoked after a write on the same key returned OK returns
 * that write or one that is later in the registers' LWW order (Garage's Jepsen `reg2`).
 */
export const readAfterWrite = (history: ReadonlyArray<HistoryEvent<Op, Res>>): boolean => {
  const acked = new Map<string, Entry>() // key -> the largest write acknowledged so far
  const floor = new Map<number, Entry | null>() // client -> what its pending read must reach
  for (const e of history) {
    if (e.kind === "invoke" && e.op._tag === "Get") floor.set(e.client, acked.get(e.op.key) ?? null)
    if (e.kind !== "ok") continue
    if (e.op._tag === "Put" && e.result._tag === "Written") {
      const before = acked.get(e.op.key) ?? null
      if (compareEntry(e.result.entry, before) > 0) acked.set(e.op.key, e.result.entry)
    }
    if (e.op._tag === "Get" && e.result._tag === "Value") {
      if (compareEntry(e.result.entry, floor.get(e.client) ?? null) < 0) return false
    }
  }
  return true
}

export const layoutTransitionModel = (
  bounds: LayoutTransitionBounds = layoutCiBounds,
  variant: TransitionVariant = correctTransition,
  name = "layout-transition",
): ClusterModel<LayoutTransition, null> => {
  const nodes = Array.from({ length: bounds.nodes }, (_, i) => `n${i}`)
  const chain = chainFor(nodes, bounds.versions, bounds.rf)
  const scenario = scenarios[bounds.scenario]
  if (scenario === undefined) throw new Error(`--scenario must be one of ${Object.keys(scenarios).join(", ")}`)
  const params = { peers: nodes, chain, partitionOf: { x: 0 } }
  return {
    name,
    machine: makeTransitionNode(variant),
    nodes,
    params: () => params,
    clients: scenario(bounds.versions),
    network: bounds.network,
    faults: bounds,
    maxInFlight: bounds.maxInFlight,
    invariants: [
      {
        // No version is retired (by any node) while a node of that node's current version
        // still reads from it.
        name: "RetiredNotRead",
        holds: (view) => {
          const up = view.nodes.filter((n) => n.state !== undefined).map((n) => n.state!)
          return up.every((a) => {
            const oldest = minStored(a.history)
            const members = a.history.versions[a.history.versions.length - 1]!.nodes
            return up.every((b) => !members.includes(b.self) || variant.readVersion(b.history) >= oldest)
          })
        },
      },
    ],
    historyProperties: [{ name: "ReadAfterWrite", holds: readAfterWrite }],
    describe: {
      msg: (m) => {
        switch (m._tag) {
          case "Gossip":
            return `Gossip{${describeHistory(m.history as LayoutHistory)}}`
          case "Write":
            return `Write(${m.key}=${m.entry.value}@${m.entry.ts})`
          case "WriteAck":
            return `WriteAck(${m.id})`
          case "Read":
            return `Read(${m.key})`
          case "ReadReply":
            return `ReadReply(${m.entry === null ? "nil" : m.entry.value})`
          case "Push":
            return `Push{target ${m.target}: ${Object.keys(m.entries)
              .map((k) => `${k}=${m.entries[k]!.value}`)
              .join(",")}}`
          case "PushAck":
            return `PushAck(${m.target})`
        }
      },
      op: (op) => (op._tag === "Put" ? `Put(${op.key}=${op.value})` : op._tag === "Get" ? `Get(${op.key})` : `Apply(v${op.version})`),
      result: (r) =>
        r._tag === "Written"
          ? `ok@${r.entry.ts}`
          : r._tag === "Applied"
            ? `current v${r.current}`
            : r.entry === null
              ? "nil"
              : `${r.entry.value}@${r.entry.ts}`,
    },
  }
}

// ---- mutants ------------------------------------------------------------------------------

export const layoutTransitionMutants: Record<string, TransitionVariant> = {
  /** Garage before 1.0: reads go to the newest version as soon as it is known. */
  "read-newest": { ...correctTransition, readVersion: (h) => current(h) },
  /** A node acks a new version while writes planned against the old one are in flight. */
  "no-ack-lock": { ...correctTransition, ackLock: false },
  /** A sync pushes its Merkle index as is, without waiting for it to cover acknowledged writes. */
  "sync-no-index-wait": { ...correctTransition, syncWaitsForIndex: false },
  /** A version is retired once a majority (not all) of the current version's nodes switched. */
  "retire-on-quorum": { ...correctTransition, retireEnough: (s, t) => 2 * s > t },
  /** Garage's sync target (AckMin only): unsafe with three active versions. */
  "no-sync-chaining": { ...correctTransition, syncChaining: false },
}

// ---- refinement: abs(view) -> spec/LayoutTransition.tla's variables ------------------------

/**
 * Ghost of the refinement model: the nodes each Put (by request id) was sent to (the spec's
 * wto, which outlives the pending write), and the answers each read got, counted when the
 * answering node sends them (the spec's ReadReply), which outlive a crash of the reader.
 */
export interface WriteTargets {
  readonly writes: Readonly<Record<string, readonly string[]>>
  readonly replies: Readonly<Record<string, { readonly need: number; readonly from: readonly string[]; readonly entries: readonly (Entry | null)[] }>>
}

/** The spec's constants for these bounds and mutant (nodes keep their reducer ids). */
export const layoutSpecConstants = (bounds: LayoutTransitionBounds, mutant?: string): Record<string, unknown> => {
  const nodes = Array.from({ length: bounds.nodes }, (_, i) => `n${i}`)
  const chain = chainFor(nodes, bounds.versions, bounds.rf)
  const script = scenarios[bounds.scenario]!(bounds.versions)
  const count = (tag: string) => script.reduce((k, c) => k + c.ops.filter((op) => op._tag === tag).length, 0)
  if (mutant !== undefined && !(mutant in layoutTransitionMutants)) throw new Error(`unknown mutant '${mutant}'`)
  return {
    Nodes: new Set(nodes),
    MaxVersion: bounds.versions,
    NodesOf: chain.map((v) => new Set(v.partitions[0]!)),
    W: bounds.rf,
    R: 1,
    MaxWrites: count("Put"),
    MaxReads: count("Get"),
    MaxCrashes: bounds.crashes,
    ReadAtReadVersion: mutant !== "read-newest",
    AckLock: mutant !== "no-ack-lock",
    SyncWaitsForIndex: mutant !== "sync-no-index-wait",
    SyncChaining: mutant !== "no-sync-chaining",
    RetireWhenAll: mutant !== "retire-on-quorum",
  }
}

/**
 * The layout-transition model with a ghost recording each Put's targets (the spec's `wto`,
 * which outlives the pending write). Same states as the plain model otherwise.
 */
export const layoutRefinementModel = (
  bounds: LayoutTransitionBounds,
  variant: TransitionVariant = correctTransition,
  name = "layout-transition",
): ClusterModel<LayoutTransition, WriteTargets> => {
  const base = layoutTransitionModel(bounds, variant, name)
  return {
    ...(base as unknown as ClusterModel<LayoutTransition, WriteTargets>),
    invariants: [],
    historyProperties: [],
    ghost: {
      init: { writes: {}, replies: {} },
      observe: (ghost, event, stateOf) => {
        if (event.kind !== "step") return ghost
        const input = event.input as { _tag: string; id?: string; op?: Op; from?: string; msg?: { _tag: string; id: string; key: string } }
        if (input._tag === "Recv" && input.msg?._tag === "Read") {
          // Node event.node answers a read of `from`: it counts if the read is still pending there.
          const reader = stateOf(Number(input.from!.slice(1)))
          const read = reader?.reads.find((r) => r.id === input.msg!.id)
          if (read === undefined) return ghost
          const self = event.before.self
          const prev = ghost.replies[read.id] ?? { need: read.need, from: [], entries: [] }
          if (prev.from.includes(self)) return ghost
          const entry = event.before.store[input.msg.key] ?? null
          return { ...ghost, replies: { ...ghost.replies, [read.id]: { need: read.need, from: [...prev.from, self], entries: [...prev.entries, entry] } } }
        }
        if (input._tag !== "Request" || input.op?._tag !== "Put") return ghost
        const h = event.before.history
        const p = event.before.config.partitionOf[input.op.key] ?? 0
        const targets = [...new Set(h.versions.flatMap((v) => v.partitions[p] ?? []))].sort()
        return { ...ghost, writes: { ...ghost.writes, [input.id!]: targets } }
      },
    },
  }
}

const NONE = { none: true }

/**
 * abs for spec/LayoutTransition.tla. Granularity: the spec's steps are the reducer's (each
 * node step ends with settle in both); what the reducer has and the spec has not is mapped:
 * - a Write message in flight to m: m is in wto[w] but not yet in wrecv[w] (no message loss);
 * - a read's reply counts from the moment m sends it (recorded in the ghost): the spec's
 *   ReadReply(n, m) is m's answer; the reducer's later delivery of it is a stutter; a read
 *   with R answers is in rdone from then on, even if its reader crashes before the delivery;
 * - a sync's Push delivered to m (no longer in flight) is in running.acked; a Push whose sync
 *   ended (crash, or done with pushes beyond the quorums still in flight: another target or
 *   snapshot than its sender's running sync, or none) is in orphans;
 * - Gossip messages are not mapped: their delivery is the spec's Gossip (any past view).
 * Write ids: the k-th Put invoked is write k; an entry maps to the Put with its node and value.
 */
export const layoutAbs = (bounds: LayoutTransitionBounds) => {
  const nodes = Array.from({ length: bounds.nodes }, (_, i) => `n${i}`)
  const chain = chainFor(nodes, bounds.versions, bounds.rf)
  const first = chain[0]!
  const key = "x"
  return (view: ClusterView<LayoutTransition, WriteTargets>): Record<string, unknown> => {
    // Client history: writes in invocation order, each read's floor.
    const writes: Array<{ id: string; node: string; value: string }> = []
    const pcs = new Map<number, number>()
    const floors = new Map<string, number>()
    const done = new Set<number>()
    const rdone = new Map<string, { floor: number; val: number }>()
    let committed = 1
    let nreads = 0
    const idOf = (e: Entry | null | undefined): number => {
      if (e === null || e === undefined) return 0
      const k = writes.findIndex((w) => w.node === e.node && w.value === e.value)
      if (k < 0) throw new Error(`abs: entry ${JSON.stringify(e)} is no Put's`)
      return k + 1
    }
    const maxDone = () => (done.size === 0 ? 0 : Math.max(...done))
    for (const e of view.history) {
      if (e.kind === "invoke") {
        const pc = pcs.get(e.client) ?? 0
        pcs.set(e.client, pc + 1)
        const id = `c${e.client}.${pc}`
        if (e.op._tag === "Put") writes.push({ id, node: e.node, value: e.op.value })
        if (e.op._tag === "Get") {
          nreads++
          floors.set(id, maxDone())
        }
      } else if (e.kind === "ok") {
        const pc = (pcs.get(e.client) ?? 1) - 1
        const id = `c${e.client}.${pc}`
        if (e.op._tag === "Apply") committed++
        if (e.op._tag === "Put") done.add(writes.findIndex((w) => w.id === id) + 1)
        if (e.op._tag === "Get" && e.result._tag === "Value") rdone.set(id, { floor: floors.get(id) ?? 0, val: idOf(e.result.entry) })
      }
    }
    const inFlight = (to: string, tag: string, pred: (msg: never) => boolean = () => true) =>
      view.network.filter((env) => env.to === to && env.msg._tag === tag && pred(env.msg as never))

    // A Push belongs to its sender's running sync if it carries that sync's target and snapshot;
    // any other Push in flight is an orphan (its sync was lost in a crash).
    const isCurrentPush = (env: (typeof view.network)[number]): boolean => {
      if (env.msg._tag !== "Push") return false
      const sender = view.nodes.find((x) => x.id === env.from)?.state
      const sync = sender?.sync ?? null
      return sync !== null && env.msg.target === sync.target && idOf(env.msg.entries[key]) === idOf(sync.snapshot[key])
    }
    const orphans = view.network
      .filter((env) => env.msg._tag === "Push" && !isCurrentPush(env))
      .map((env) => {
        const msg = env.msg as { target: number; entries: Record<string, Entry> }
        return { from: env.from, to: env.to, snap: idOf(msg.entries[key]), target: msg.target }
      })
    const vmin: Record<string, number> = {}
    const vcur: Record<string, number> = {}
    const ack: Record<string, Record<string, number>> = {}
    const sync: Record<string, Record<string, number>> = {}
    const syncAck: Record<string, Record<string, number>> = {}
    const store: Record<string, number> = {}
    const indexed: Record<string, number> = {}
    const up: Record<string, boolean> = {}
    const rpend: Record<string, unknown> = {}
    const running: Record<string, unknown> = {}
    const wpend = new Map<number, unknown>()
    for (const nv of view.nodes) {
      const n = nv.id
      const s = nv.state
      const disk = (k: string) => nv.disk.find((d) => d.key === k)?.record
      const diskHistory = disk("history")
      const h: LayoutHistory = s?.history ?? (diskHistory?._tag === "History" ? (diskHistory.history as LayoutHistory) : { versions: [first], trackers: { ack: {}, sync: {}, syncAck: {} } })
      up[n] = nv.up
      vmin[n] = minStored(h)
      vcur[n] = current(h)
      const row = (t: "ack" | "sync" | "syncAck") => Object.fromEntries(nodes.map((m) => [m, h.trackers[t][m] ?? 1]))
      ack[n] = row("ack")
      sync[n] = row("sync")
      syncAck[n] = row("syncAck")
      const diskEntry = disk(`kv/${key}`)
      store[n] = idOf(s !== undefined ? s.store[key] : diskEntry?._tag === "Entry" ? diskEntry.entry : null)
      indexed[n] = s !== undefined ? idOf(s.indexed[key]) : store[n]
      rpend[n] = NONE
      running[n] = NONE
      if (s === undefined) continue
      for (const w of s.writes) {
        const k = writes.findIndex((x) => x.id === w.id) + 1
        const vs = w.sets.map((_, i) => w.planned - w.sets.length + 1 + i)
        wpend.set(k, { node: n, planned: w.planned, vs: new Set(vs), acks: new Set(w.acked) })
      }
      if (s.reads.length > 1) throw new Error(`abs: ${n} has ${s.reads.length} reads pending (the spec allows one)`)
      for (const r of s.reads) {
        const answers = view.ghost.replies[r.id]
        const got = new Set([...r.replied, ...(answers?.from ?? [])])
        const val = Math.max(idOf(r.best), ...(answers?.entries ?? []).map(idOf))
        if (got.size < r.need) rpend[n] = { floor: floors.get(r.id) ?? 0, v: r.version, got, val }
      }
      if (s.sync !== null) {
        const target = s.sync.target
        const targets = new Set(s.sync.sets.flatMap((x) => x.nodes))
        const pushing = new Set(view.network.filter((env) => env.from === n && isCurrentPush(env)).map((env) => env.to))
        const acked = new Set([n, ...s.sync.acked, ...[...targets].filter((m) => !pushing.has(m))])
        running[n] = { target, snap: idOf(s.sync.snapshot[key]), vs: new Set(s.sync.versions), acked }
      }
    }
    for (const [id, a] of Object.entries(view.ghost.replies)) {
      if (a.from.length >= a.need && !rdone.has(id)) rdone.set(id, { floor: floors.get(id) ?? 0, val: Math.max(0, ...a.entries.map(idOf)) })
    }
    const maxWrites = layoutSpecConstants(bounds).MaxWrites as number
    const wto = Array.from({ length: maxWrites }, (_, k) => new Set(writes[k] === undefined ? [] : (view.ghost.writes[writes[k]!.id] ?? [])))
    const wrecv = wto.map((to, k) => {
      const id = writes[k]?.id
      return new Set([...to].filter((m) => inFlight(m, "Write", (msg: { id: string }) => msg.id === id).length === 0))
    })
    return {
      committed,
      vmin,
      vcur,
      ack,
      sync,
      syncAck,
      store,
      indexed,
      up,
      wpend,
      wto,
      wrecv,
      wdone: done,
      nwrites: writes.length,
      rpend,
      rdone: new Set([...rdone.values()].map((r) => ({ floor: r.floor, val: r.val }))),
      nreads,
      running,
      crashes: view.faultsUsed.crashes,
      orphans: new Set(orphans),
    }
  }
}
