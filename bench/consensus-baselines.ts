// The two baselines of `npm run bench:consensus`, written as small reducers so that they run
// in the same simulator and host as Pollen's registry: a leader-based register (the
// Raft/etcd pattern: every claim goes through one leader's log, committed by a majority)
// and Garage's LWW alias (answers at once; racing creations orphan buckets).
import { Schema } from "effect"
import { quorum } from "../src/core/consensus/ballot.ts"
import { NameOpSchema, type NameOp } from "../src/core/consensus/name-messages.ts"
import type { Machine, NodeId, Output, Protocol } from "../src/core/machine.ts"
import { reply, send } from "../src/core/machine.ts"

const CreatedSchema = Schema.Struct({ created: Schema.Boolean })

// ---- baseline 1: leader-based register (Raft/etcd pattern) --------------------------------
const LeaderMsgSchema = Schema.Union([
  Schema.TaggedStruct("Fwd", { origin: Schema.String, id: Schema.String, name: Schema.String, bucketId: Schema.String }),
  Schema.TaggedStruct("Append", { index: Schema.Int }),
  Schema.TaggedStruct("Ack", { index: Schema.Int }),
  Schema.TaggedStruct("Done", { id: Schema.String, created: Schema.Boolean }),
])
type LeaderMsg = typeof LeaderMsgSchema.Type
interface LeaderState {
  self: NodeId
  log: Array<{ origin: NodeId; id: string; created: boolean; acks: NodeId[]; done: boolean }>
  bound: Record<string, string>
}
interface LeaderP extends Protocol {
  readonly State: LeaderState
  readonly Msg: LeaderMsg
  readonly Op: NameOp
  readonly Res: { readonly created: boolean }
  readonly Rec: never
  readonly Params: null
}

export const makeLeaderRegister = (leader: NodeId, voters: ReadonlyArray<NodeId>): Machine<LeaderP> => ({
  name: "leader-register",
  schemas: { msg: LeaderMsgSchema, op: NameOpSchema, res: CreatedSchema, rec: Schema.Never },
  init: (self) => ({ self, log: [], bound: {} }),
  step: (s, input) => {
    const out: Array<Output<LeaderMsg, { created: boolean }, never>> = []
    if (input._tag === "Request" && input.op._tag === "Claim") {
      out.push(send(leader, { _tag: "Fwd", origin: s.self, id: input.id, name: input.op.name, bucketId: input.op.bucketId }))
      return { state: s, out }
    }
    if (input._tag !== "Recv") return { state: s, out }
    const m = input.msg
    switch (m._tag) {
      case "Fwd": {
        // The leader orders the claim in its log: the first claim of a name binds it.
        const created = s.bound[m.name] === undefined
        const bound = created ? { ...s.bound, [m.name]: m.bucketId } : s.bound
        const index = s.log.length
        const log = [...s.log, { origin: m.origin, id: m.id, created, acks: [s.self], done: false }]
        for (const v of voters) if (v !== s.self) out.push(send(v, { _tag: "Append", index }))
        return { state: { ...s, log, bound }, out }
      }
      case "Append":
        out.push(send(input.from, { _tag: "Ack", index: m.index }))
        return { state: s, out }
      case "Ack": {
        const log = s.log.map((e, i) => (i === m.index && !e.acks.includes(input.from) ? { ...e, acks: [...e.acks, input.from] } : e))
        // Commit in log order once a majority of voters holds the entry.
        for (let i = 0; i < log.length; i++) {
          const e = log[i]!
          if (e.done) continue
          if (e.acks.length < quorum(voters.length)) break
          log[i] = { ...e, done: true }
          out.push(send(e.origin, { _tag: "Done", id: e.id, created: e.created }))
        }
        return { state: { ...s, log }, out }
      }
      case "Done":
        out.push(reply(m.id, { created: m.created }))
        return { state: s, out }
    }
  },
})

// ---- baseline 2: Garage's LWW alias ----------------------------------------------------------
// CreateBucket writes the bucket row and the alias locally and answers at once; the alias is
// an LWW register (timestamp, then node id) gossiped to every node.
const LwwMsgSchema = Schema.TaggedStruct("Alias", { name: Schema.String, ts: Schema.Number, node: Schema.String, bucketId: Schema.String })
type LwwMsg = typeof LwwMsgSchema.Type
export interface LwwState {
  self: NodeId
  alias: Record<string, { ts: number; node: NodeId; bucketId: string }>
  buckets: string[]
}
interface LwwP extends Protocol {
  readonly State: LwwState
  readonly Msg: LwwMsg
  readonly Op: NameOp
  readonly Res: { readonly created: boolean }
  readonly Rec: never
  readonly Params: null
}

export const makeLwwAlias = (sites: ReadonlyArray<NodeId>): Machine<LwwP> => ({
  name: "lww-alias",
  schemas: { msg: LwwMsgSchema, op: NameOpSchema, res: CreatedSchema, rec: Schema.Never },
  init: (self) => ({ self, alias: {}, buckets: [] }),
  step: (s, input) => {
    const out: Array<Output<LwwMsg, { created: boolean }, never>> = []
    const merge = (st: LwwState, m: LwwMsg): LwwState => {
      const cur = st.alias[m.name]
      const wins = cur === undefined || m.ts > cur.ts || (m.ts === cur.ts && m.node > cur.node)
      return wins ? { ...st, alias: { ...st.alias, [m.name]: { ts: m.ts, node: m.node, bucketId: m.bucketId } } } : st
    }
    if (input._tag === "Request" && input.op._tag === "Claim") {
      if (s.alias[input.op.name] !== undefined) return { state: s, out: [reply(input.id, { created: false })] }
      const m: LwwMsg = { _tag: "Alias", name: input.op.name, ts: 1, node: s.self, bucketId: input.op.bucketId }
      const next = merge({ ...s, buckets: [...s.buckets, input.op.bucketId] }, m)
      for (const n of sites) if (n !== s.self) out.push(send(n, m))
      out.push(reply(input.id, { created: true }))
      return { state: next, out }
    }
    if (input._tag === "Recv") return { state: merge(s, input.msg), out }
    return { state: s, out }
  },
})
