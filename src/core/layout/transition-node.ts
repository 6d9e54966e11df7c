// A node hosting the layout history (history.ts) and a small quorum-replicated key-value
// table as workload: the reducer that the `layout-transition` cluster model checks against
// ReadAfterWrite. Action names mirror spec/LayoutTransition.tla:
//
//   Apply        operator adopts the next committed version (the layout commit's output)
//   Gossip       every change of the history is persisted and broadcast; receivers merge
//   StartWrite   plan the write sets = every active version's set, under the ack lock
//   WriteAck     a write completes when EVERY set has W acks; the lock is released
//   StartRead    read from ReadVersion's set, R replies
//   Index        the Merkle index catches up with the store (asynchronous in the shell)
//   StartSync    target = SyncTarget; drain the index (the §3.8 fix), push to all sets
//   PushAck      the sync completes when every set of each partition has W holders
//
// Every change to the store or the history is persisted in the step that makes it, so the
// shell writes it before the step's replies and messages leave (the reducer contract).
import type { Input, Machine, NodeId, Output } from "../machine.ts"
import { cancelTimer, persist, reply, send, setTimer } from "../machine.ts"
import {
  completeSync,
  current,
  currentVersion,
  type LayoutHistory,
  type LayoutVersion,
  adoptVersion,
  initialHistory,
  mergeHistory,
  readVersion,
  retireVersions,
  syncTarget,
  trackerOf,
  updateOwnTrackers,
  versionOf,
  writeSets,
  ackMin,
} from "./history.ts"
import {
  type Entry,
  maxEntry,
  type Msg,
  MsgSchema,
  type Op,
  OpSchema,
  type Rec,
  RecSchema,
  type Res,
  ResSchema,
} from "./transition-messages.ts"

export interface PendingWrite {
  readonly id: string
  readonly key: string
  readonly entry: Entry
  /** The current version when the write was planned: the ack lock it holds. */
  readonly planned: number
  readonly sets: ReadonlyArray<{ readonly nodes: readonly NodeId[]; readonly quorum: number }>
  readonly acked: readonly NodeId[]
}

export interface PendingRead {
  readonly id: string
  readonly key: string
  readonly need: number
  /** The version read from (ReadVersion when the read began). */
  readonly version: number
  readonly replied: readonly NodeId[]
  readonly best: Entry | null
}

export interface RunningSync {
  readonly target: number
  /** The active versions when it began, or none if this node held no partition then. */
  readonly versions: readonly number[]
  /** What it pushes: the (drained) Merkle index of the partitions this node holds. */
  readonly snapshot: Readonly<Record<string, Entry>>
  readonly sets: ReadonlyArray<{ readonly nodes: readonly NodeId[]; readonly quorum: number }>
  readonly acked: readonly NodeId[]
}

export interface TransitionState {
  readonly self: NodeId
  /** Static configuration (from params); the same object in every state of a node. */
  readonly config: TransitionParams
  readonly history: LayoutHistory
  /** The key-value replica this node serves reads from. */
  readonly store: Readonly<Record<string, Entry>>
  /** The Merkle index of the store, which sync pushes; it lags the store until Index runs. */
  readonly indexed: Readonly<Record<string, Entry>>
  readonly clock: number
  readonly writes: readonly PendingWrite[]
  readonly reads: readonly PendingRead[]
  readonly sync: RunningSync | null
}

export interface TransitionParams {
  readonly peers: readonly NodeId[]
  /** The committed layout chain: chain[i] is version i + 1 (the layout commit's decisions). */
  readonly chain: readonly LayoutVersion[]
  /** Partition of each key. */
  readonly partitionOf: Readonly<Record<string, number>>
}

export interface LayoutTransition {
  readonly State: TransitionState
  readonly Msg: Msg
  readonly Op: Op
  readonly Res: Res
  readonly Rec: Rec
  readonly Params: TransitionParams
}

/** The parts a mutant replaces. */
export interface TransitionVariant {
  /** The version reads go to. Correct: ReadVersion. Garage before 1.0: the current one. */
  readonly readVersion: (h: LayoutHistory) => number
  /** Hold back ack[self] while writes planned against an older current version run. */
  readonly ackLock: boolean
  /** A sync drains the Merkle index before taking its snapshot (closes Garage §3.8's gap). */
  readonly syncWaitsForIndex: boolean
  /** A sync claims at most ReadVersion + 1 (needed with three or more active versions). */
  readonly syncChaining: boolean
  /** How many nodes of the current version must have syncAck > v to retire v. Correct: all. */
  readonly retireEnough: (switched: number, total: number) => boolean
}

export const correctTransition: TransitionVariant = {
  readVersion,
  ackLock: true,
  syncWaitsForIndex: true,
  syncChaining: true,
  retireEnough: (s, t) => s === t,
}

export const SYNC_TIMER = "sync"
export const INDEX_TIMER = "index"
export const HISTORY_KEY = "history"
export const entryKey = (key: string): string => `kv/${key}`

type Out = Output<Msg, Res, Rec>
type State = TransitionState

const setsOk = (sets: RunningSync["sets"], have: readonly NodeId[]): boolean =>
  sets.every((s) => s.nodes.filter((n) => have.includes(n)).length >= s.quorum)

export const makeTransitionNode = (variant: TransitionVariant = correctTransition): Machine<LayoutTransition> => {
  const peersOf = (s: State): readonly NodeId[] => s.config.peers.filter((n) => n !== s.self)
  const partitionOf = (s: State, key: string): number => s.config.partitionOf[key] ?? 0

  /** After any change: own trackers, retirement, and (if changed) persist + broadcast. */
  const settle = (before: State, s: State, out: Out[]): State => {
    const locked = variant.ackLock ? s.writes.map((w) => w.planned) : []
    const h = retireVersions(updateOwnTrackers(s.history, s.self, locked, variant.readVersion), variant.retireEnough)
    const next = h === s.history ? s : { ...s, history: h }
    if (next.history !== before.history) {
      out.push(persist(HISTORY_KEY, { _tag: "History", history: next.history }))
      // Announce to every peer when the versions or this node's own trackers changed. What
      // only merged other nodes' trackers is not re-broadcast: their owners announced it to
      // everyone directly (full mesh), which keeps the message count linear.
      const own = (t: "ack" | "sync" | "syncAck") => trackerOf(next.history, t, s.self) !== trackerOf(before.history, t, s.self)
      const versionsChanged = next.history.versions !== before.history.versions
      if (versionsChanged || own("ack") || own("sync") || own("syncAck")) {
        for (const p of peersOf(next)) out.push(send(p, { _tag: "Gossip", history: next.history }))
      }
    }
    return next
  }

  const storeEntry = (s: State, key: string, entry: Entry, out: Out[]): State => {
    const merged = maxEntry(s.store[key] ?? null, entry)
    if (merged === (s.store[key] ?? null) || merged === null) return s
    out.push(persist(entryKey(key), { _tag: "Entry", entry: merged }))
    out.push(setTimer(INDEX_TIMER, 1))
    return { ...s, store: { ...s.store, [key]: merged }, clock: Math.max(s.clock, merged.ts) }
  }

  const storeEntries = (s: State, entries: Readonly<Record<string, Entry>>, out: Out[]): State => {
    let next = s
    for (const k of Object.keys(entries).sort()) next = storeEntry(next, k, entries[k]!, out)
    return next
  }

  const finishWrites = (s: State, out: Out[]): State => {
    const done = s.writes.filter((w) => setsOk(w.sets, w.acked))
    if (done.length === 0) return s
    for (const w of done) out.push(reply(w.id, { _tag: "Written", entry: w.entry }))
    return { ...s, writes: s.writes.filter((w) => !done.includes(w)) }
  }

  const finishReads = (s: State, out: Out[]): State => {
    const done = s.reads.filter((r) => r.replied.length >= r.need)
    if (done.length === 0) return s
    for (const r of done) out.push(reply(r.id, { _tag: "Value", entry: r.best }))
    return { ...s, reads: s.reads.filter((r) => !done.includes(r)) }
  }

  const finishSync = (s: State): State => {
    if (s.sync === null || !setsOk(s.sync.sets, s.sync.acked)) return s
    return { ...s, history: completeSync(s.history, s.self, s.sync.target), sync: null }
  }

  const startSync = (s0: State, out: Out[]): State => {
    const h = s0.history
    const target = variant.syncChaining ? syncTarget(h, variant.readVersion) : ackMin(h)
    if (s0.sync !== null || target <= trackerOf(h, "sync", s0.self)) return s0
    // The fix of Garage §3.8: the snapshot covers every write this node acknowledged.
    const drain = variant.syncWaitsForIndex && s0.indexed !== s0.store
    if (drain) out.push(cancelTimer(INDEX_TIMER))
    const s = drain ? { ...s0, indexed: s0.store } : s0
    const partitions = new Set<number>()
    const sets: Array<RunningSync["sets"][number]> = []
    const targets = new Set<NodeId>()
    const partitionCount = currentVersion(h).partitions.length
    for (let p = 0; p < partitionCount; p++) {
      const ws = writeSets(h, p)
      if (!ws.some((set) => set.includes(s.self))) continue
      partitions.add(p)
      h.versions.forEach((v, i) => {
        sets.push({ nodes: ws[i]!, quorum: v.writeQuorum })
        for (const n of ws[i]!) if (n !== s.self) targets.add(n)
      })
    }
    const entries: Record<string, Entry> = {}
    for (const k of Object.keys(s.indexed).sort()) if (partitions.has(partitionOf(s, k))) entries[k] = s.indexed[k]!
    for (const n of [...targets].sort()) out.push(send(n, { _tag: "Push", target, entries }))
    const versions = partitions.size === 0 ? [] : h.versions.map((v) => v.version)
    return finishSync({ ...s, sync: { target, versions, snapshot: entries, sets, acked: [s.self] } })
  }

  return {
    name: "layout-transition",
    schemas: { msg: MsgSchema, op: OpSchema, res: ResSchema, rec: RecSchema },

    init: (self, p) => {
      return {
        self,
        config: p,
        history: initialHistory(p.chain[0]!),
        store: {},
        indexed: {},
        clock: 0,
        writes: [],
        reads: [],
        sync: null,
      }
    },

    step: (s, input: Input<Msg, Op, Rec>) => {
      const out: Out[] = []
      switch (input._tag) {
        case "Recover": {
          let next = s
          for (const { record } of input.persisted) {
            if (record._tag === "History") next = { ...next, history: mergeHistory(next.history, record.history) }
          }
          // Rebuild the store and its index from disk (keys are `kv/<key>`).
          const store: Record<string, Entry> = {}
          for (const { key, record } of input.persisted) if (record._tag === "Entry") store[key.slice(3)] = record.entry
          next = { ...next, store, indexed: store, clock: Math.max(0, ...Object.values(store).map((e) => e.ts)) }
          out.push(setTimer(SYNC_TIMER, 1))
          return { state: settle(s, next, out), out }
        }
        case "Tick":
          return { state: s, out }
        case "Timer": {
          if (input.id === INDEX_TIMER) return { state: { ...s, indexed: s.store }, out }
          if (input.id !== SYNC_TIMER) return { state: s, out }
          out.push(setTimer(SYNC_TIMER, 1))
          const next = startSync(s, out)
          return { state: settle(s, next, out), out }
        }
        case "Request": {
          const op = input.op
          const { id } = input
          if (op._tag === "Apply") {
            const v = s.config.chain[op.version - 1]
            let next = s
            if (v !== undefined) next = { ...s, history: adoptVersion(s.history, v) }
            next = settle(s, next, out)
            out.push(reply(id, { _tag: "Applied", current: current(next.history) }))
            return { state: next, out }
          }
          const p = partitionOf(s, op.key)
          if (op._tag === "Get") {
            const rv = versionOf(s.history, variant.readVersion(s.history)) ?? currentVersion(s.history)
            const set = rv.partitions[p] ?? []
            const local = set.includes(s.self)
            for (const n of set) if (n !== s.self) out.push(send(n, { _tag: "Read", id, key: op.key }))
            const read: PendingRead = {
              id,
              key: op.key,
              need: rv.readQuorum,
              version: rv.version,
              replied: local ? [s.self] : [],
              best: local ? (s.store[op.key] ?? null) : null,
            }
            return { state: finishReads({ ...s, reads: [...s.reads, read] }, out), out }
          }
          // Put: plan the write sets under the ack lock (one step, as Garage's write_lock_with).
          const entry: Entry = { ts: s.clock + 1, node: s.self, value: op.value }
          const sets = s.history.versions.map((v) => ({ nodes: v.partitions[p] ?? [], quorum: v.writeQuorum }))
          const targets = [...new Set(sets.flatMap((x) => x.nodes))].sort()
          let next: State = { ...s, clock: entry.ts }
          if (targets.includes(s.self)) next = storeEntry(next, op.key, entry, out)
          for (const n of targets) if (n !== s.self) out.push(send(n, { _tag: "Write", id, key: op.key, entry }))
          const write: PendingWrite = {
            id,
            key: op.key,
            entry,
            planned: current(s.history),
            sets,
            acked: targets.includes(s.self) ? [s.self] : [],
          }
          next = finishWrites({ ...next, writes: [...next.writes, write] }, out)
          return { state: settle(s, next, out), out }
        }
        case "Recv": {
          const { from, msg } = input
          switch (msg._tag) {
            case "Gossip": {
              const next = { ...s, history: mergeHistory(s.history, msg.history) }
              return { state: settle(s, next.history === s.history ? s : next, out), out }
            }
            case "Write": {
              const next = storeEntry(s, msg.key, msg.entry, out)
              out.push(send(from, { _tag: "WriteAck", id: msg.id }))
              return { state: next, out }
            }
            case "WriteAck": {
              const w = s.writes.find((x) => x.id === msg.id)
              if (w === undefined || w.acked.includes(from)) return { state: s, out }
              const writes = s.writes.map((x) => (x === w ? { ...w, acked: [...w.acked, from].sort() } : x))
              const next = finishWrites({ ...s, writes }, out)
              return { state: settle(s, next, out), out }
            }
            case "Read": {
              out.push(send(from, { _tag: "ReadReply", id: msg.id, entry: s.store[msg.key] ?? null }))
              return { state: s, out }
            }
            case "ReadReply": {
              const r = s.reads.find((x) => x.id === msg.id)
              if (r === undefined || r.replied.includes(from)) return { state: s, out }
              const reads = s.reads.map((x) =>
                x === r ? { ...r, replied: [...r.replied, from].sort(), best: maxEntry(r.best, msg.entry) } : x,
              )
              return { state: finishReads({ ...s, reads }, out), out }
            }
            case "Push": {
              const next = storeEntries(s, msg.entries, out)
              out.push(send(from, { _tag: "PushAck", target: msg.target }))
              return { state: next, out }
            }
            case "PushAck": {
              const sync = s.sync
              if (sync === null || sync.target !== msg.target || sync.acked.includes(from)) return { state: s, out }
              const next = finishSync({ ...s, sync: { ...sync, acked: [...sync.acked, from].sort() } })
              return { state: settle(s, next, out), out }
            }
          }
        }
      }
    },
  }
}

export const transitionNode = makeTransitionNode()
