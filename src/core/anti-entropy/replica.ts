// A replicated LwwMap with push/pull anti-entropy: the first protocol taken through the
// whole pipeline. Each node holds every key; a client writes at one node (stamped by the
// node's hybrid logical clock), and every `syncEveryMs` each node pushes its entries to
// each peer (SyncReq); a peer that knows more answers with its merged entries (SyncResp).
// Every change is persisted in the step that makes it, so the shell writes it to disk
// before the step's reply or messages leave (the contract's ordering rule).
import type { Hlc } from "../crdt/hlc.ts"
import { compareHlc, hlcNow, hlcZero } from "../crdt/hlc.ts"
import type { LwwMap } from "../crdt/lww-map.ts"
import { lwwMapLeq, mergeLwwMap } from "../crdt/lww-map.ts"
import type { Input, Machine, NodeId, Output } from "../machine.ts"
import { persist, reply, send, setTimer } from "../machine.ts"
import { MsgSchema, OpSchema, RecSchema, ResSchema, type Msg, type Op, type Rec, type Res } from "./messages.ts"

export type Entries = LwwMap<string>

export interface ReplicaState {
  readonly self: NodeId
  readonly peers: ReadonlyArray<NodeId>
  readonly syncEveryMs: number
  /** The replica: key -> register. */
  readonly entries: Entries
  /** Hybrid logical clock: above every timestamp this node issued or merged. */
  readonly clock: Hlc
  /** Physical time, from the last Tick. */
  readonly now: number
}

export interface ReplicaParams {
  readonly peers: ReadonlyArray<NodeId>
  readonly syncEveryMs: number
}

export interface AntiEntropy {
  readonly State: ReplicaState
  readonly Msg: Msg
  readonly Op: Op
  readonly Res: Res
  readonly Rec: Rec
  readonly Params: ReplicaParams
}

/**
 * The parts a mutant may replace. The correct replica uses the CRDT merge (ties broken by
 * value, never by arrival) and persists a write before acknowledging it.
 */
export interface ReplicaVariant {
  readonly merge: (mine: Entries, theirs: Entries) => Entries
  readonly persistWrites: boolean
}

export const correctVariant: ReplicaVariant = {
  merge: (mine, theirs) => mergeLwwMap(mine, theirs),
  persistWrites: true,
}

export const diskKey = (key: string): string => `kv/${key}`
export const syncTimer = (peer: NodeId): string => `sync:${peer}`

const maxTs = (clock: Hlc, entries: Entries): Hlc => {
  let max = clock
  for (const k of Object.keys(entries)) if (compareHlc(entries[k]!.ts, max) > 0) max = entries[k]!.ts
  return max
}

type Out = Output<Msg, Res, Rec>

/** Persist outputs for every register that `merged` changed relative to `before`. */
const persistChanges = (before: Entries, merged: Entries): Out[] =>
  merged === before
    ? []
    : Object.keys(merged)
        .filter((k) => before[k] !== merged[k])
        .map((k) => persist(diskKey(k), merged[k]!))

export const makeReplica = (variant: ReplicaVariant = correctVariant): Machine<AntiEntropy> => ({
  name: "anti-entropy",
  schemas: { msg: MsgSchema, op: OpSchema, res: ResSchema, rec: RecSchema },

  init: (self, params) => ({
    self,
    peers: params.peers.filter((p) => p !== self),
    syncEveryMs: params.syncEveryMs,
    entries: {},
    clock: hlcZero,
    now: 0,
  }),

  step: (s, input: Input<Msg, Op, Rec>) => {
    switch (input._tag) {
      case "Recover": {
        // Rebuild the replica from disk; the clock resumes above every persisted timestamp.
        const recovered: Record<string, Rec> = {}
        for (const { key, record } of input.persisted) {
          if (key.startsWith("kv/")) recovered[key.slice(3)] = record
        }
        const entries = variant.merge(s.entries, recovered)
        return {
          state: { ...s, entries, clock: maxTs(s.clock, entries) },
          out: s.peers.map((p) => setTimer(syncTimer(p), s.syncEveryMs)),
        }
      }
      case "Tick":
        return { state: input.now > s.now ? { ...s, now: input.now } : s, out: [] }
      case "Request": {
        const op = input.op
        if (op._tag === "Get") {
          const e = s.entries[op.key]
          return { state: s, out: [reply(input.id, { _tag: "Value", value: e?.value ?? null, ts: e?.ts ?? null })] }
        }
        const ts = hlcNow(s.clock, s.now)
        const entries = variant.merge(s.entries, { [op.key]: { ts, value: op.value } })
        const written = variant.persistWrites ? persistChanges(s.entries, entries) : []
        return { state: { ...s, entries, clock: ts }, out: [...written, reply(input.id, { _tag: "Ok" })] }
      }
      case "Timer": {
        const peer = s.peers.find((p) => syncTimer(p) === input.id)
        if (peer === undefined) return { state: s, out: [] }
        return { state: s, out: [send(peer, { _tag: "SyncReq", entries: s.entries }), setTimer(input.id, s.syncEveryMs)] }
      }
      case "Recv": {
        const { msg, from } = input
        const entries = variant.merge(s.entries, msg.entries)
        const state = entries === s.entries ? s : { ...s, entries, clock: maxTs(s.clock, entries) }
        const out: Out[] = persistChanges(s.entries, entries)
        // Pull half: answer a push only when the pusher lacks something we hold.
        if (msg._tag === "SyncReq" && !lwwMapLeq(entries, msg.entries)) {
          out.push(send(from, { _tag: "SyncResp", entries }))
        }
        return { state, out }
      }
    }
  },
})

export const replica = makeReplica()
