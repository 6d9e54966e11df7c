// Wire messages, requests, replies and disk records of the membership reducer.
import { Schema } from "effect"

const NodeIdSchema = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))

/** What a node says about itself in every ping: where to reach it and which layout it holds. */
export const NodeStatusSchema = Schema.Struct({
  /** The RPC address peers should dial ("host:port"). */
  addr: Schema.String,
  hostname: Schema.String,
  /** Digest of the layout state (versions, trackers, staging): differs → pull the history. */
  layoutDigest: Schema.String,
  layoutVersion: Schema.Int,
})
export type NodeStatus = typeof NodeStatusSchema.Type

export const PeerEntrySchema = Schema.Struct({ id: NodeIdSchema, addr: Schema.String })
export type PeerEntry = typeof PeerEntrySchema.Type

export const MembershipMsgSchema = Schema.Union([
  Schema.TaggedStruct("Ping", { status: NodeStatusSchema, peers: Schema.Array(PeerEntrySchema) }),
  Schema.TaggedStruct("Pong", { status: NodeStatusSchema, peers: Schema.Array(PeerEntrySchema) }),
])
export type MembershipMsg = typeof MembershipMsgSchema.Type

export const MembershipOpSchema = Schema.Union([
  /** This node's own status changed; `broadcast` pings every peer now instead of at the next round. */
  Schema.TaggedStruct("SetStatus", { status: NodeStatusSchema, broadcast: Schema.Boolean }),
  /** `pollen node connect id@addr`: learn a peer. */
  Schema.TaggedStruct("AddPeer", { peer: PeerEntrySchema }),
])
export type MembershipOp = typeof MembershipOpSchema.Type

export const MembershipResSchema = Schema.TaggedStruct("Done", {})
export type MembershipRes = typeof MembershipResSchema.Type

/** `peer/<id>`: a known peer and its last known address (the persisted peer list). */
export const MembershipRecSchema = Schema.TaggedStruct("Peer", { addr: Schema.String })
export type MembershipRec = typeof MembershipRecSchema.Type
