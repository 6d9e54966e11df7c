// A cluster model: one Machine on N nodes, with bounded clients, a network and faults
// (DESIGN §4.1). The checker explores every interleaving of the environment's actions.
import type { Machine, NodeId, Output, Persisted, Protocol } from "../core/machine.ts"

export interface ClientScript<Op> {
  /** The node this client sends its requests to. */
  readonly node: NodeId
  /** Requests issued one at a time, each after the previous one returned. */
  readonly ops: ReadonlyArray<Op>
}

/** How many times each fault may happen in one behaviour (a state constraint). */
export interface FaultBounds {
  readonly crashes: number
  readonly drops: number
  readonly duplicates: number
  readonly partitions: number
}

/**
 * "set": TLA+ style monotone message set: a sent message stays deliverable forever, which
 * covers loss, duplication and reordering. "multiset": delivery consumes one copy; loss
 * and duplication are explicit actions bounded by FaultBounds.
 */
export type NetworkSemantics = "set" | "multiset"

export interface Envelope<Msg> {
  readonly from: NodeId
  readonly to: NodeId
  readonly msg: Msg
}

export type HistoryEvent<Op, Res> =
  | { readonly kind: "invoke"; readonly client: number; readonly node: NodeId; readonly op: Op }
  | { readonly kind: "ok"; readonly client: number; readonly node: NodeId; readonly op: Op; readonly result: Res }
  /** The node crashed before replying: the outcome is unknown (Jepsen's :info). */
  | { readonly kind: "info"; readonly client: number; readonly node: NodeId; readonly op: Op }

export interface NodeView<P extends Protocol> {
  readonly id: NodeId
  readonly up: boolean
  /** The volatile state; undefined while the node is down. */
  readonly state: P["State"] | undefined
  readonly timers: ReadonlyArray<string>
  readonly disk: ReadonlyArray<Persisted<P["Rec"]>>
}

export interface ClusterView<P extends Protocol, G> {
  readonly nodes: ReadonlyArray<NodeView<P>>
  /** Messages in flight (with multiplicity under multiset semantics). */
  readonly network: ReadonlyArray<Envelope<P["Msg"]>>
  readonly history: ReadonlyArray<HistoryEvent<P["Op"], P["Res"]>>
  readonly ghost: G
  /** Index of the node cut off from all others, or -1. */
  readonly isolated: number
  /** Per client: index of its next request, and whether it awaits a reply. */
  readonly clients: ReadonlyArray<{ readonly next: number; readonly pending: boolean }>
  /** Faults spent so far in this behaviour (they count against the model's FaultBounds). */
  readonly faultsUsed: FaultBounds
}

/** What happened to one node, for ghost (auxiliary) variables of the model. */
export type GhostEvent<P extends Protocol> =
  | {
      readonly kind: "step"
      readonly node: number
      readonly input: unknown
      readonly before: P["State"]
      readonly after: P["State"]
      /** What the step emitted (sends, replies, persists, timers), e.g. for a spec's monotone message set. */
      readonly outputs: ReadonlyArray<Output<P["Msg"], P["Res"], P["Rec"]>>
    }
  | { readonly kind: "crash"; readonly node: number; readonly before: P["State"] }
  | { readonly kind: "restart"; readonly node: number; readonly after: P["State"]; readonly outputs: ReadonlyArray<Output<P["Msg"], P["Res"], P["Rec"]>> }

export interface GhostSpec<P extends Protocol, G> {
  readonly init: G
  /**
   * The ghost after `event`. `stateOf(i)` is node i's state after the event (undefined if
   * down); `sameValue` compares two values structurally, cheaply for values the checker
   * already holds.
   */
  observe(
    ghost: G,
    event: GhostEvent<P>,
    stateOf: (node: number) => P["State"] | undefined,
    sameValue: (a: unknown, b: unknown) => boolean,
  ): G
  /**
   * The ghost after renaming nodes by `perm` (node i becomes node perm[i]), for symmetry
   * reduction. Without it, node ids in the ghost's strings and keys are renamed; a ghost
   * that indexes nodes by position (e.g. a bitmask) must provide this.
   */
  permute?(ghost: G, perm: ReadonlyArray<number>): G
}

export interface Invariant<P extends Protocol, G> {
  readonly name: string
  /** True when the state is good. */
  holds(view: ClusterView<P, G>): boolean
}

export interface HistoryProperty<P extends Protocol> {
  readonly name: string
  /** True when the recorded client history is good. Checked on every distinct state. */
  holds(history: ReadonlyArray<HistoryEvent<P["Op"], P["Res"]>>): boolean
}

export interface ClusterModel<P extends Protocol, G = null> {
  readonly name: string
  readonly machine: Machine<P>
  readonly nodes: ReadonlyArray<NodeId>
  readonly params: (node: NodeId) => P["Params"]
  readonly clients: ReadonlyArray<ClientScript<P["Op"]>>
  readonly network: NetworkSemantics
  readonly faults: FaultBounds
  /** State constraint: successors with more messages in flight are not explored. */
  readonly maxInFlight: number
  readonly ghost?: GhostSpec<P, G>
  readonly invariants: ReadonlyArray<Invariant<P, G>>
  readonly historyProperties: ReadonlyArray<HistoryProperty<P>>
  /**
   * Nodes that are interchangeable (same params, no clients attached): states that differ
   * only by a permutation of them are explored once. Sound only if the reducer treats node
   * ids symmetrically.
   */
  readonly symmetricNodes?: ReadonlyArray<NodeId>
  /** Report a state with no successor at all as a deadlock (TLC's CHECK_DEADLOCK). */
  readonly checkDeadlock?: boolean
  /** Short text for messages, ops and results in traces. */
  readonly describe?: {
    readonly msg?: (msg: P["Msg"]) => string
    readonly op?: (op: P["Op"]) => string
    readonly result?: (result: P["Res"]) => string
  }
}
