// Cluster model of the replicated LwwMap with push/pull anti-entropy, its invariants, the
// history property, and the mutants the model tests must catch.
import { canonicalJson } from "../canonical-json.ts"
import { compareHlc, type Hlc } from "../../core/crdt/hlc.ts"
import type { Msg, Op, Res } from "../../core/anti-entropy/messages.ts"
import {
  type AntiEntropy,
  correctVariant,
  type Entries,
  makeReplica,
  type ReplicaVariant,
} from "../../core/anti-entropy/replica.ts"
import type { ClientScript, ClusterModel, HistoryEvent, NetworkSemantics } from "../cluster-model.ts"

export interface AntiEntropyBounds {
  readonly nodes: number
  readonly maxInFlight: number
  readonly crashes: number
  readonly drops: number
  readonly duplicates: number
  readonly partitions: number
  readonly network: NetworkSemantics
  /** Client scripts; by default c0 at n0 and c1 at n1 write one key concurrently. */
  readonly clients?: ReadonlyArray<ClientScript<Op>>
  readonly symmetry: boolean
}

export const ciBounds: AntiEntropyBounds = {
  nodes: 3,
  maxInFlight: 1,
  crashes: 1,
  drops: 1,
  duplicates: 0,
  partitions: 0,
  network: "multiset",
  symmetry: false,
}

const put = (key: string, value: string): Op => ({ _tag: "Put", key, value })
const get = (key: string): Op => ({ _tag: "Get", key })

/** Two clients racing on one key; c0 reads twice so a lost write shows up as a read going back. */
export const defaultClients: ReadonlyArray<ClientScript<Op>> = [
  { node: "n0", ops: [put("x", "a"), get("x"), get("x")] },
  { node: "n1", ops: [put("x", "b"), get("x")] },
]

/**
 * Ghost variable: bit i·n+j of `Synced` holds when node i has merged node j's entries as
 * they are now (j has not changed since). Initially every replica is empty, so all hold.
 * A bitmask rather than a matrix keeps the ghost cheap to compare and intern.
 */
export type Synced = number

const bit = (n: number, i: number, j: number): number => 2 ** (i * n + j)
const allSynced = (n: number): Synced => 2 ** (n * n) - 1
const has = (g: Synced, b: number): boolean => Math.floor(g / b) % 2 === 1
const clear = (g: Synced, b: number): Synced => (has(g, b) ? g - b : g)
const set = (g: Synced, b: number): Synced => (has(g, b) ? g : g + b)
/** Nobody's view of node j holds any more. */
const clearColumn = (g: Synced, n: number, j: number): Synced => {
  for (let i = 0; i < n; i++) if (i !== j) g = clear(g, bit(n, i, j))
  return g
}
/** Node i's view of the others no longer holds. */
const clearRow = (g: Synced, n: number, i: number): Synced => {
  for (let j = 0; j < n; j++) if (i !== j) g = clear(g, bit(n, i, j))
  return g
}

/** LWW order on read results: a missing value is below every written one. */
const compareRead = (a: Res & { _tag: "Value" }, b: Res & { _tag: "Value" }): number => {
  if (a.ts === null || b.ts === null) return (a.ts === null ? 0 : 1) - (b.ts === null ? 0 : 1)
  const byTs = compareHlc(a.ts as Hlc, b.ts as Hlc)
  if (byTs !== 0) return byTs
  return a.value! < b.value! ? -1 : a.value! > b.value! ? 1 : 0
}

/** Reads at one node never return an older register than an earlier read there, restarts included. */
export const readsNeverGoBack = (history: ReadonlyArray<HistoryEvent<Op, Res>>): boolean => {
  const last = new Map<string, Res & { _tag: "Value" }>()
  for (const e of history) {
    if (e.kind !== "ok" || e.op._tag !== "Get" || e.result._tag !== "Value") continue
    const where = `${e.node}/${e.op.key}`
    const before = last.get(where)
    if (before !== undefined && compareRead(e.result, before) < 0) return false
    last.set(where, e.result)
  }
  return true
}

// The checker hands out one array per distinct history, so the set is memoised on it.
const writtenCache = new WeakMap<object, ReadonlySet<string>>()
const writtenValues = (history: ReadonlyArray<HistoryEvent<Op, Res>>): ReadonlySet<string> => {
  let written = writtenCache.get(history)
  if (written === undefined) {
    const values = new Set<string>()
    for (const e of history) if (e.kind === "invoke" && e.op._tag === "Put") values.add(e.op.value)
    written = values
    writtenCache.set(history, written)
  }
  return written
}

const valuesIn = (entries: Entries): string[] => Object.keys(entries).map((k) => entries[k]!.value)

export const antiEntropyModel = (
  bounds: AntiEntropyBounds = ciBounds,
  variant: ReplicaVariant = correctVariant,
  name = "anti-entropy",
): ClusterModel<AntiEntropy, Synced> => {
  const n = bounds.nodes
  if (n > 7) throw new Error("anti-entropy model: at most 7 nodes (the ghost is an n·n-bit mask)")
  const nodes = Array.from({ length: n }, (_, i) => `n${i}`)
  const clients = bounds.clients ?? defaultClients
  const withClients = new Set(clients.map((c) => c.node))
  return {
    name,
    machine: makeReplica(variant),
    nodes,
    params: () => ({ peers: nodes, syncEveryMs: 1000 }),
    clients,
    network: bounds.network,
    faults: bounds,
    maxInFlight: bounds.maxInFlight,
    ...(bounds.symmetry ? { symmetricNodes: nodes.filter((n) => !withClients.has(n)) } : {}),
    ghost: {
      init: allSynced(bounds.nodes),
      observe: (g, event, stateOf, same) => {
        switch (event.kind) {
          case "crash":
            return g
          case "restart":
            // The replica is rebuilt from disk: nobody's view of it, nor its view of others, is known.
            return clearRow(clearColumn(g, n, event.node), n, event.node)
          case "step": {
            let next = g
            if (!same(event.before.entries, event.after.entries)) next = clearColumn(next, n, event.node)
            const input = event.input as { _tag: string; from?: string; msg?: Msg }
            if (input._tag === "Recv" && input.msg !== undefined) {
              const j = nodes.indexOf(input.from!)
              const sender = stateOf(j)
              if (sender !== undefined && same(input.msg.entries, sender.entries)) next = set(next, bit(n, event.node, j))
            }
            return next
          }
        }
      },
    },
    invariants: [
      {
        // Replicas never hold a value no client wrote (volatile state and disk alike).
        name: "NoValueNoClientWrote",
        holds: (view) => {
          const written = writtenValues(view.history)
          return view.nodes.every(
            (n) =>
              (n.state === undefined || valuesIn(n.state.entries).every((v) => written.has(v))) &&
              n.disk.every((r) => written.has(r.record.value)),
          )
        },
      },
      {
        // Once no message is in flight and every node has synced with every other, all replicas are equal.
        name: "ConvergenceWhenSynced",
        holds: (view) => {
          if (view.network.length > 0 || view.nodes.some((n) => !n.up)) return true
          if (view.ghost !== allSynced(n)) return true
          const first = canonicalJson(view.nodes[0]!.state!.entries)
          return view.nodes.every((n) => canonicalJson(n.state!.entries) === first)
        },
      },
    ],
    historyProperties: [{ name: "ReadsNeverGoBack", holds: readsNeverGoBack }],
    describe: {
      msg: (m) =>
        `${m._tag}{${Object.keys(m.entries)
          .map((k) => `${k}=${m.entries[k]!.value}@${m.entries[k]!.ts.l}.${m.entries[k]!.ts.c}`)
          .join(",")}}`,
      op: (op) => (op._tag === "Put" ? `Put(${op.key}=${op.value})` : `Get(${op.key})`),
      result: (r) => (r._tag === "Ok" ? "ok" : r.value === null ? "nil" : `${r.value}@${r.ts!.l}.${r.ts!.c}`),
    },
  }
}

// ---- mutants ------------------------------------------------------------------------------

/** Breaks LWW ties by arrival order: the incoming register wins when timestamps are equal. */
export const arrivalOrderTiebreak: ReplicaVariant = {
  ...correctVariant,
  merge: (mine, theirs) => {
    let changed = false
    const out: Record<string, Entries[string]> = { ...mine }
    for (const k of Object.keys(theirs)) {
      const a = mine[k]
      const b = theirs[k]!
      if (a === undefined || compareHlc(b.ts, a.ts) >= 0) {
        if (a === undefined || a.value !== b.value || compareHlc(b.ts, a.ts) !== 0) changed = true
        out[k] = b
      }
    }
    return changed ? out : mine
  },
}

/** Acknowledges a client write without persisting it first. */
export const ackBeforePersist: ReplicaVariant = { ...correctVariant, persistWrites: false }

export const antiEntropyMutants: Record<string, ReplicaVariant> = {
  "arrival-order-tiebreak": arrivalOrderTiebreak,
  "ack-before-persist": ackBeforePersist,
}
