// Membership (DESIGN §6): which nodes exist, where to reach them, and whether they answer.
// A pure reducer: every `pingIntervalMs` the node pings each known peer with its status
// (address, layout digest) and the peers it knows; a peer answers with a Pong carrying the
// same. Any message from a peer is proof of life: a peer is up while its last message is at
// most `downAfterMs` old. Peers learned from bootstrap, from pings or from peer lists are
// persisted, so a restarted node finds the cluster without its bootstrap list.
import type { Input, Machine, NodeId, Output } from "../machine.ts"
import { persist, reply, send, setTimer } from "../machine.ts"
import {
  type MembershipMsg,
  MembershipMsgSchema,
  type MembershipOp,
  MembershipOpSchema,
  type MembershipRec,
  MembershipRecSchema,
  type MembershipRes,
  MembershipResSchema,
  type NodeStatus,
  type PeerEntry,
} from "./messages.ts"

export interface MembershipParams {
  /** This node's status before the shell sets the real one (its address, no layout yet). */
  readonly initialStatus: NodeStatus
  /** Peers from the configuration (`bootstrap_peers`). */
  readonly bootstrap: ReadonlyArray<PeerEntry>
  readonly pingIntervalMs: number
  readonly downAfterMs: number
}

export interface PeerState {
  readonly addr: string
  /** Time (the reducer's clock) of the last message from this peer; null: never heard of it. */
  readonly lastSeen: number | null
  /** The status the peer last reported about itself. */
  readonly status: NodeStatus | null
}

export interface MembershipState {
  readonly self: NodeId
  readonly params: MembershipParams
  readonly now: number
  readonly status: NodeStatus
  readonly peers: Readonly<Record<NodeId, PeerState>>
}

export interface Membership {
  readonly State: MembershipState
  readonly Msg: MembershipMsg
  readonly Op: MembershipOp
  readonly Res: MembershipRes
  readonly Rec: MembershipRec
  readonly Params: MembershipParams
}

type Out = Output<MembershipMsg, MembershipRes, MembershipRec>

export const PING_TIMER = "ping"

/** Up: heard from within `downAfterMs` of `now`. */
export const isUp = (peer: PeerState, now: number, downAfterMs: number): boolean =>
  peer.lastSeen !== null && now - peer.lastSeen <= downAfterMs

/** The peer list a node shares: itself and every peer it knows an address for. */
const peerList = (s: MembershipState): PeerEntry[] => [
  { id: s.self, addr: s.status.addr },
  ...Object.keys(s.peers)
    .sort()
    .map((id) => ({ id, addr: s.peers[id]!.addr })),
]

/** Learns a peer (or a new address for it); persists only what changed. */
const learn = (s: MembershipState, id: NodeId, addr: string, out: Out[]): MembershipState => {
  if (id === s.self || addr === "") return s
  const old = s.peers[id]
  if (old !== undefined && old.addr === addr) return s
  out.push(persist(`peer/${id}`, { _tag: "Peer", addr }))
  return { ...s, peers: { ...s.peers, [id]: { addr, lastSeen: old?.lastSeen ?? null, status: old?.status ?? null } } }
}

/** A message from `from`: it is alive, its own address is authoritative, its peers are hints. */
const heard = (s: MembershipState, from: NodeId, status: NodeStatus, peers: ReadonlyArray<PeerEntry>, out: Out[]): MembershipState => {
  let next = learn(s, from, status.addr, out)
  const peer = next.peers[from]!
  next = { ...next, peers: { ...next.peers, [from]: { ...peer, lastSeen: next.now, status } } }
  for (const p of peers) if (next.peers[p.id] === undefined) next = learn(next, p.id, p.addr, out)
  return next
}

const pingAll = (s: MembershipState, out: Out[]): void => {
  const list = peerList(s)
  for (const id of Object.keys(s.peers).sort()) out.push(send(id, { _tag: "Ping", status: s.status, peers: list }))
}

export const membership: Machine<Membership> = {
  name: "membership",
  schemas: { msg: MembershipMsgSchema, op: MembershipOpSchema, res: MembershipResSchema, rec: MembershipRecSchema },
  init: (self, params) => ({ self, params, now: 0, status: params.initialStatus, peers: {} }),
  step: (s, input: Input<MembershipMsg, MembershipOp, MembershipRec>) => {
    const out: Out[] = []
    switch (input._tag) {
      case "Recover": {
        let next: MembershipState = { ...s, peers: {} }
        for (const { key, record } of input.persisted) {
          if (!key.startsWith("peer/")) continue
          next = { ...next, peers: { ...next.peers, [key.slice(5)]: { addr: record.addr, lastSeen: null, status: null } } }
        }
        // The configured bootstrap peers are learned (and persisted) unless already known.
        for (const p of s.params.bootstrap) if (next.peers[p.id] === undefined) next = learn(next, p.id, p.addr, out)
        // The first round waits one interval: nodes started together are all listening by then.
        out.push(setTimer(PING_TIMER, s.params.pingIntervalMs))
        return { state: next, out }
      }
      case "Tick":
        return { state: input.now > s.now ? { ...s, now: input.now } : s, out }
      case "Timer": {
        if (input.id !== PING_TIMER) return { state: s, out }
        pingAll(s, out)
        out.push(setTimer(PING_TIMER, s.params.pingIntervalMs))
        return { state: s, out }
      }
      case "Request": {
        const op = input.op
        let next = s
        if (op._tag === "SetStatus") {
          next = { ...s, status: op.status }
          if (op.broadcast) pingAll(next, out)
        } else {
          next = learn(s, op.peer.id, op.peer.addr, out)
          if (next !== s) out.push(send(op.peer.id, { _tag: "Ping", status: next.status, peers: peerList(next) }))
        }
        out.push(reply(input.id, { _tag: "Done" }))
        return { state: next, out }
      }
      case "Recv": {
        const m = input.msg
        const next = heard(s, input.from, m.status, m.peers, out)
        if (m._tag === "Ping") out.push(send(input.from, { _tag: "Pong", status: next.status, peers: peerList(next) }))
        return { state: next, out }
      }
    }
  },
}
