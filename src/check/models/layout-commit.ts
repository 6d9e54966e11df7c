// Cluster model of the layout commit (chained write-once Synod slots): 3 voters, 2 proposers
// each proposing layouts for the next version, crash-restart, loss and duplication; the
// invariants LayoutAgreement, LayoutChain, LayoutValidity and HistoryIsChosen (§5.5).
import type { Ballot } from "../../core/consensus/ballot.ts"
import { compareBallot, quorum, sameBallot, showBallot } from "../../core/consensus/ballot.ts"
import {
  correctLayout,
  digest,
  genesis,
  type LayoutCommit,
  type LayoutMsg,
  type LayoutOp,
  type LayoutRes,
  type LayoutVal,
  type LayoutVariant,
  makeLayoutCommit,
} from "../../core/consensus/layout-commit.ts"
import type { NodeId } from "../../core/machine.ts"
import type { ClusterModel, Invariant, NetworkSemantics } from "../cluster-model.ts"

export interface LayoutBounds {
  readonly voters: number
  readonly proposers: number
  /** Layouts each proposer commits one after the other (p0 gets this many, the others one). */
  readonly proposalsP0: number
  readonly slots: number
  readonly rounds: number
  readonly network: NetworkSemantics
  readonly maxInFlight: number
  readonly crashes: number
  readonly drops: number
  readonly duplicates: number
  readonly partitions: number
  readonly decided: boolean
}

export const layoutCiBounds: LayoutBounds = {
  voters: 3,
  proposers: 2,
  proposalsP0: 2,
  slots: 2,
  rounds: 2,
  network: "multiset",
  maxInFlight: 4,
  crashes: 0,
  drops: 0,
  duplicates: 0,
  partitions: 0,
  decided: true,
}

export interface SlotVote {
  readonly slot: number
  readonly b: Ballot
  readonly val: LayoutVal
  readonly by: ReadonlyArray<NodeId>
}

export interface SlotVotes {
  readonly votes: ReadonlyArray<SlotVote>
  readonly conflict: boolean
}

const sameLayout = (a: LayoutVal, b: LayoutVal): boolean =>
  a.version === b.version && a.prevDigest === b.prevDigest && a.layoutId === b.layoutId && a.voters.join() === b.voters.join()

const addVote = (g: SlotVotes, slot: number, b: Ballot, val: LayoutVal, by: NodeId): SlotVotes => {
  const i = g.votes.findIndex((v) => v.slot === slot && sameBallot(v.b, b))
  if (i < 0) {
    const votes = [...g.votes, { slot, b, val, by: [by] }].sort((x, y) => x.slot - y.slot || compareBallot(x.b, y.b))
    return { ...g, votes }
  }
  const v = g.votes[i]!
  const conflict = g.conflict || !sameLayout(v.val, val)
  if (v.by.includes(by) && conflict === g.conflict) return g
  return { votes: g.votes.map((x, k) => (k === i ? { ...x, by: x.by.includes(by) ? x.by : [...x.by, by].sort() } : x)), conflict }
}

export const chosenSlots = (g: SlotVotes, voters: number): ReadonlyArray<SlotVote> => g.votes.filter((v) => v.by.length >= quorum(voters))

export const layoutInvariants = (voters: ReadonlyArray<NodeId>): ReadonlyArray<Invariant<LayoutCommit, SlotVotes>> => {
  const n = voters.length
  const root = genesis(voters)
  return [
    { name: "OneValuePerBallot", holds: (v) => !v.ghost.conflict },
    {
      name: "LayoutAgreement",
      holds: (v) => {
        const c = chosenSlots(v.ghost, n)
        return c.every((x) => c.every((y) => x.slot !== y.slot || sameLayout(x.val, y.val)))
      },
    },
    {
      // decided(v) ⇒ decided(v − 1), and decided(v).prevDigest = digest(decided(v − 1)).
      name: "LayoutChain",
      holds: (v) => {
        const c = chosenSlots(v.ghost, n)
        return c.every((x) => {
          if (x.slot === 1) return x.val.prevDigest === digest(root)
          const prev = c.find((y) => y.slot === x.slot - 1)
          return prev !== undefined && x.val.prevDigest === digest(prev.val) && x.val.version === x.slot
        })
      },
    },
    {
      name: "LayoutValidity",
      holds: (v) => {
        const ids = new Set(v.history.flatMap((e) => (e.kind === "invoke" ? [e.op.layoutId] : [])))
        return chosenSlots(v.ghost, n).every((x) => ids.has(x.val.layoutId))
      },
    },
    {
      // Every version a node holds in its layout history (memory or disk) is the chosen one.
      name: "HistoryIsChosen",
      holds: (v) => {
        const c = chosenSlots(v.ghost, n)
        const ok = (val: LayoutVal) => val.version === 0 || c.some((x) => x.slot === val.version && sameLayout(x.val, val))
        return v.nodes.every(
          (node) =>
            (node.state === undefined || Object.values(node.state.history).every(ok)) &&
            node.disk.every((r) => r.record._tag !== "Layout" || ok(r.record.val)),
        )
      },
    },
  ]
}

const showLayout = (v: LayoutVal | null) => (v === null ? "∅" : `v${v.version}:${v.layoutId}^${v.prevDigest.slice(0, 4)}`)

export const describeLayoutMsg = (m: LayoutMsg): string => {
  switch (m._tag) {
    case "Prepare":
      return `Prepare[${m.slot}] ${showBallot(m.b)}`
    case "Promise":
      return `Promise[${m.slot}] ${showBallot(m.b)} acc=${showBallot(m.accBal)}:${showLayout(m.accVal)}`
    case "Accept":
      return `Accept[${m.slot}] ${showBallot(m.b)} ${showLayout(m.val)}`
    case "Accepted":
      return `Accepted[${m.slot}] ${showBallot(m.b)}`
    case "Nack":
      return `Nack[${m.slot}] ${showBallot(m.b)} seen=${showBallot(m.seen)}`
    case "Decided":
      return `Decided[${m.slot}] ${showLayout(m.val)}`
  }
}

export const layoutCommitModel = (
  bounds: LayoutBounds = layoutCiBounds,
  variant: LayoutVariant = correctLayout,
  name = "layout-commit",
): ClusterModel<LayoutCommit, SlotVotes> => {
  const voters = Array.from({ length: bounds.voters }, (_, i) => `a${i}`)
  const proposers = Array.from({ length: bounds.proposers }, (_, i) => `p${i}`)
  const nodes = [...voters, ...proposers]
  const op = (p: number, k: number): LayoutOp => ({ _tag: "Propose", layoutId: `L${p}${"abcdefgh"[k]}`, reqId: `q${p}${k}` })
  return {
    name,
    machine: makeLayoutCommit(variant),
    nodes,
    params: () => ({
      voters,
      learners: bounds.decided ? proposers : [],
      backoffBaseMs: 100,
      backoffCapMs: 1600,
      retransmitMs: 0,
      roundLimit: bounds.rounds,
      slotLimit: bounds.slots,
    }),
    clients: proposers.map((node, p) => ({
      node,
      ops: Array.from({ length: p === 0 ? bounds.proposalsP0 : 1 }, (_, k) => op(p, k)),
    })),
    network: bounds.network,
    faults: bounds,
    maxInFlight: bounds.maxInFlight,
    ghost: {
      init: { votes: [], conflict: false },
      observe: (g, event) => {
        if (event.kind !== "step" || event.before.acc === event.after.acc) return g
        let next = g
        for (const slot of Object.keys(event.after.acc)) {
          const a = event.after.acc[slot]!
          const b = event.before.acc[slot]
          if (a.accVal !== null && (b === undefined || b.accVal === null || !sameBallot(a.accBal, b.accBal))) {
            next = addVote(next, Number(slot), a.accBal, a.accVal, nodes[event.node]!)
          }
        }
        return next
      },
    },
    invariants: layoutInvariants(voters),
    historyProperties: [],
    describe: {
      msg: describeLayoutMsg,
      op: (o: LayoutOp) => `propose(${o.layoutId})`,
      result: (r: LayoutRes) => (r._tag === "Committed" ? `Committed(v${r.version})` : r._tag === "Superseded" ? `Superseded(v${r.version}=${r.layoutId})` : r._tag),
    },
  }
}

export const layoutMutants: Record<string, LayoutVariant> = {
  "chain-on-own-candidate": { ...correctLayout, chainOnOwnCandidate: true },
  "skip-phase1": { ...correctLayout, skipPhase1: true },
}
