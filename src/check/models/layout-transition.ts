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
import type { ClientScript, ClusterModel, HistoryEvent, NetworkSemantics } from "../cluster-model.ts"

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
