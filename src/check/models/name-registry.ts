// Cluster model of the name registry (CASPaxos per name): 3 voters, 2–3 proposers racing on
// one name, crash-restart, loss and duplication; its invariants (consensus.md §5.5), the
// ghost that records every acceptor vote, and the three mutants the model tests must catch.
import type { Ballot } from "../../core/consensus/ballot.ts"
import { ballotKey, compareBallot, quorum, sameBallot, showBallot } from "../../core/consensus/ballot.ts"
import { change, rank, sameVal, showVal } from "../../core/consensus/change.ts"
import type { AliasRow, NameMsg, NameOp, NameRes, NameVal } from "../../core/consensus/name-messages.ts"
import {
  correctRegistry,
  makeRegistry,
  type NameRegistry,
  type RegistryParams,
  type RegistryVariant,
} from "../../core/consensus/name-registry.ts"
import { rowsAgree } from "../../core/consensus/projection.ts"
import type { NodeId } from "../../core/machine.ts"
import type { ClientScript, ClusterModel, ClusterView, HistoryEvent, Invariant, NetworkSemantics } from "../cluster-model.ts"

export interface NameRegistryBounds {
  readonly voters: number
  readonly proposers: number
  /** "claim": every proposer claims its own bucket; "claim-release": p0 then releases it. */
  readonly script: string
  /** Highest round a proposer may use. */
  readonly rounds: number
  /** Proposers are the first voters (true) or separate, non-voting nodes (false). */
  readonly colocated: boolean
  readonly network: NetworkSemantics
  readonly maxInFlight: number
  readonly crashes: number
  readonly drops: number
  readonly duplicates: number
  readonly partitions: number
  /** Broadcast Decided to every node (learners). */
  readonly decided: boolean
  readonly retransmit: boolean
  readonly deadline: boolean
  /** Decided intents a proposer keeps (0 = all); a small bound exercises their eviction (Forget). */
  readonly keepDecided?: number
}

/** Default bound (`pollen mc name-registry`): 3 voters, 2 non-voting proposers, claim/claim/release, rounds 1..2, one crash (179,156 distinct states). */
export const nameCiBounds: NameRegistryBounds = {
  voters: 3,
  proposers: 2,
  script: "claim-release",
  rounds: 2,
  colocated: false,
  network: "multiset",
  maxInFlight: 4,
  crashes: 1,
  drops: 0,
  duplicates: 0,
  partitions: 0,
  decided: true,
  retransmit: false,
  deadline: false,
}

const params0 = { quotaBytes: null }

export const claimOp = (p: number): NameOp => ({
  _tag: "Claim",
  name: "photos",
  bucketId: `B${p}`,
  reqId: `r${p}`,
  ownerKey: `k${p}`,
  initParams: params0,
})
export const releaseOp = (p: number): NameOp => ({ _tag: "Release", name: "photos", bucketId: `B${p}`, reqId: `r${p}x` })

export const nodesOf = (b: Pick<NameRegistryBounds, "voters" | "proposers" | "colocated">) => {
  const voters = Array.from({ length: b.voters }, (_, i) => `a${i}`)
  const proposers = b.colocated ? voters.slice(0, b.proposers) : Array.from({ length: b.proposers }, (_, i) => `p${i}`)
  const nodes = b.colocated ? voters : [...voters, ...proposers]
  return { voters, proposers, nodes }
}

export const scriptOf = (b: NameRegistryBounds, proposers: ReadonlyArray<NodeId>): ReadonlyArray<ClientScript<NameOp>> =>
  proposers.map((node, p) => ({
    node,
    ops: b.script === "claim-release" && p === 0 ? [claimOp(p), releaseOp(p)] : [claimOp(p)],
  }))

// ---- ghost: every vote ever cast (a vote stays a fact even if the voter later forgets it) ----

export interface Vote {
  readonly name: string
  readonly b: Ballot
  readonly val: NameVal
  readonly by: ReadonlyArray<NodeId>
}

export interface Votes {
  readonly votes: ReadonlyArray<Vote>
  /** Set when two different values were accepted at one ballot (OneValuePerBallot broken). */
  readonly conflict: boolean
}

const addVote = (g: Votes, name: string, b: Ballot, val: NameVal, by: NodeId): Votes => {
  const i = g.votes.findIndex((v) => v.name === name && sameBallot(v.b, b))
  if (i < 0) {
    const votes = [...g.votes, { name, b, val, by: [by] }].sort((x, y) => compareBallot(x.b, y.b))
    return { ...g, votes }
  }
  const v = g.votes[i]!
  const conflict = g.conflict || !sameVal(v.val, val)
  if (v.by.includes(by) && conflict === g.conflict) return g
  const votes = g.votes.map((x, k) => (k === i ? { ...x, by: x.by.includes(by) ? x.by : [...x.by, by].sort() } : x))
  return { votes, conflict }
}

export const registryGhost = (nodes: ReadonlyArray<NodeId>) => ({
  init: { votes: [], conflict: false } as Votes,
  observe: (g: Votes, event: { kind: string; node: number; before?: unknown; after?: unknown }) => {
    if (event.kind !== "step") return g
    const before = event.before as NameRegistry["State"]
    const after = event.after as NameRegistry["State"]
    if (before.acc === after.acc) return g
    let next = g
    for (const name of Object.keys(after.acc)) {
      const a = after.acc[name]!
      const b = before.acc[name]
      if (a.accVal !== null && (b === undefined || b.accVal === null || !sameBallot(a.accBal, b.accBal) || !sameVal(a.accVal, b.accVal))) {
        next = addVote(next, name, a.accBal, a.accVal, nodes[event.node]!)
      }
    }
    return next
  },
})

/** Values chosen: accepted by a majority of voters at one ballot. */
export const chosenOf = (g: Votes, voters: number): ReadonlyArray<Vote> => g.votes.filter((v) => v.by.length >= quorum(voters))

type View = ClusterView<NameRegistry, Votes>

const invokedOps = (view: View): NameOp[] => view.history.flatMap((e) => (e.kind === "invoke" ? [e.op] : []))

export const registryInvariants = (voters: number): ReadonlyArray<Invariant<NameRegistry, Votes>> => [
  { name: "OneValuePerBallot", holds: (view) => !view.ghost.conflict },
  {
    // Agreement / AtMostOneBucketPerName at the register: chosen values of equal rank
    // (same generation and kind) are equal, so one generation binds at most one bucket.
    name: "Agreement",
    holds: (view) => {
      const chosen = chosenOf(view.ghost, voters)
      for (let i = 0; i < chosen.length; i++) {
        for (let j = i + 1; j < chosen.length; j++) {
          const x = chosen[i]!
          const y = chosen[j]!
          if (x.name === y.name && rank(x.val) === rank(y.val) && !sameVal(x.val, y.val)) return false
        }
      }
      return true
    },
  },
  {
    // CASPaxos linearizability core: by ballot, chosen values never go back in rank.
    name: "ChosenChain",
    holds: (view) => {
      const chosen = chosenOf(view.ghost, voters)
      for (let i = 0; i < chosen.length; i++) {
        for (let j = i + 1; j < chosen.length; j++) {
          const x = chosen[i]!
          const y = chosen[j]! // sorted by ballot: x.b < y.b
          if (x.name === y.name && rank(y.val) < rank(x.val)) return false
        }
      }
      return true
    },
  },
  {
    // Every chosen value is F(op, u) for a requested op and u = ∅ or a value some voter
    // accepted at a lower ballot.
    name: "Validity",
    holds: (view) => {
      const ops = invokedOps(view)
      return chosenOf(view.ghost, voters).every((c) => {
        const bases: Array<NameVal | null> = [null, ...view.ghost.votes.filter((v) => v.name === c.name && compareBallot(v.b, c.b) < 0).map((v) => v.val)]
        return ops.some((op) => op.name === c.name && bases.some((u) => sameVal(change(op, u), c.val)))
      })
    },
  },
  {
    // Every outcome a proposer decided (volatile or persisted) is a chosen value.
    name: "DecidedIsChosen",
    holds: (view) => {
      const chosen = chosenOf(view.ghost, voters)
      const isChosen = (name: string, v: NameVal | null, b?: Ballot) =>
        v === null || chosen.some((c) => c.name === name && sameVal(c.val, v) && (b === undefined || sameBallot(b, c.b)))
      return view.nodes.every(
        (n) =>
          (n.state === undefined ||
            Object.values(n.state.ops).every((p) => p.phase !== "done" || p.b.round < 0 || isChosen(p.op.name, p.outcome, p.b))) &&
          n.disk.every((r) => r.record._tag !== "Intent" || !r.record.done || isChosen(r.record.op.name, r.record.outcome)),
      )
    },
  },
  {
    // The projection: every node holds at most one live bucket per name, and alias rows of
    // equal rank agree across nodes (volatile rows and persisted rows alike).
    name: "AtMostOneBucketPerName",
    holds: (view) => {
      const rows: Array<readonly [string, AliasRow]> = []
      for (const n of view.nodes) {
        const live = new Map<string, number>()
        if (n.state !== undefined) {
          for (const name of Object.keys(n.state.rows.alias)) rows.push([name, n.state.rows.alias[name]!])
          for (const r of Object.values(n.state.rows.buckets)) {
            if (!r.deleted) live.set(r.name, (live.get(r.name) ?? 0) + 1)
          }
        }
        for (const r of n.disk) if (r.record._tag === "Alias") rows.push([r.key.slice(6), r.record.row])
        if ([...live.values()].some((c) => c > 1)) return false
      }
      for (let i = 0; i < rows.length; i++) {
        for (let j = i + 1; j < rows.length; j++) {
          const [x, rx] = rows[i]!
          const [y, ry] = rows[j]!
          if (x === y && !rowsAgree(rx, ry)) return false
        }
      }
      return true
    },
  },
]

/** Idempotency: all definite answers for one reqId agree. */
export const idempotency = (history: ReadonlyArray<HistoryEvent<NameOp, NameRes>>): boolean => {
  const answers = new Map<string, string>()
  for (const e of history) {
    if (e.kind !== "ok" || e.result._tag === "Unavailable") continue
    const text = JSON.stringify(e.result)
    const before = answers.get(e.op.reqId)
    if (before !== undefined && before !== text) return false
    answers.set(e.op.reqId, text)
  }
  return true
}

/** Without any release, at most one bucket id is ever reported Created for a name. */
export const oneCreatedWithoutRelease = (history: ReadonlyArray<HistoryEvent<NameOp, NameRes>>): boolean => {
  const created = new Map<string, Set<string>>()
  const released = new Set<string>()
  for (const e of history) {
    if (e.kind === "invoke" && e.op._tag === "Release") released.add(e.op.name)
    if (e.kind === "ok" && e.result._tag === "Created") {
      const s = created.get(e.op.name) ?? new Set<string>()
      s.add(e.result.bucketId)
      created.set(e.op.name, s)
      if (s.size > 1 && !released.has(e.op.name)) return false
    }
  }
  return true
}

export const describeMsg = (m: NameMsg): string => {
  switch (m._tag) {
    case "Prepare":
      return `Prepare ${showBallot(m.b)}`
    case "Promise":
      return `Promise ${showBallot(m.b)} acc=${showBallot(m.accBal)}:${showVal(m.accVal)}`
    case "Accept":
      return `Accept ${showBallot(m.b)} ${showVal(m.val)}`
    case "Accepted":
      return `Accepted ${showBallot(m.b)}`
    case "Nack":
      return `Nack ${showBallot(m.b)} seen=${showBallot(m.seen)}`
    case "Decided":
      return `Decided ${showBallot(m.b)} ${showVal(m.val)}`
  }
}

export const describeOp = (op: NameOp): string =>
  op._tag === "Claim" ? `claim(${op.name}→${op.bucketId})` : op._tag === "Release" ? `release(${op.name}:${op.bucketId})` : `read(${op.name})`

export const describeRes = (r: NameRes): string =>
  r._tag === "Created" || r._tag === "BucketAlreadyOwnedByYou" || r._tag === "Released" ? `${r._tag}(${r.bucketId})` : r._tag === "Value" ? `Value(${showVal(r.val)})` : r._tag

export const registryParams = (
  b: NameRegistryBounds,
  voters: ReadonlyArray<NodeId>,
  learners: ReadonlyArray<NodeId>,
): RegistryParams => ({
  voters,
  // The model sends Decided to the proposers only (voters learn by voting), to keep the
  // network small; a deployment lists every node.
  learners: b.decided ? learners : [],
  cfg: 1,
  backoffBaseMs: 100,
  backoffCapMs: 1600,
  retransmitMs: b.retransmit ? 500 : 0,
  deadlineMs: b.deadline ? 10_000 : 0,
  roundLimit: b.rounds,
  keepDecided: b.keepDecided ?? 0,
})

export const nameRegistryModel = (
  bounds: NameRegistryBounds = nameCiBounds,
  variant: RegistryVariant = correctRegistry,
  name = "name-registry",
): ClusterModel<NameRegistry, Votes> => {
  const { voters, proposers, nodes } = nodesOf(bounds)
  const ghost = registryGhost(nodes)
  return {
    name,
    machine: makeRegistry(variant),
    nodes,
    params: () => registryParams(bounds, voters, proposers),
    clients: scriptOf(bounds, proposers),
    network: bounds.network,
    faults: bounds,
    maxInFlight: bounds.maxInFlight,
    ghost: { init: ghost.init, observe: (g, e) => ghost.observe(g, e as never) },
    invariants: registryInvariants(bounds.voters),
    historyProperties: [
      { name: "Idempotency", holds: idempotency },
      { name: "OneCreatedWithoutRelease", holds: oneCreatedWithoutRelease },
    ],
    describe: { msg: describeMsg, op: describeOp, result: describeRes },
  }
}

// ---- mutants ------------------------------------------------------------------------------

export const registryMutants: Record<string, RegistryVariant> = {
  /** Every proposer's first attempt goes straight to Accept(F(op, ∅)). */
  "skip-phase1": { ...correctRegistry, skipPhase1: true },
  /** A voter that restarts comes back without its acceptor records (disk loss, same identity). */
  amnesia: { ...correctRegistry, amnesia: true },
  /** The proposer adopts the value of the first promise it received, not the highest ballot's. */
  "non-max-adopt": { ...correctRegistry, adopt: "first" },
}

export const ballotOrder = (a: Ballot, b: Ballot) => compareBallot(a, b)
export const keyOf = ballotKey
