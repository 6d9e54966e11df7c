// The name registry: one CASPaxos register per global name (consensus.md §5.2). Every node
// runs the same reducer; nodes listed in `voters` also act as acceptors. Names follow
// spec/NameRegistry.tla: Phase1a (startAttempt), Phase1b (onPrepare), Phase2a (onPromise
// reaching a quorum), Phase2b (onAccept), Decide (onAccepted reaching a quorum).
//
// Durability (the contract's ordering rule): an acceptor persists `promised/accBal/accVal`
// in the same step as its Promise/Accepted, a proposer persists its round counter before
// sending a Prepare with it and its intent before anything else, so a restarted proposer
// resumes the same request id with a fresh, higher ballot.
import type { Input, Machine, NodeId, Output } from "../machine.ts"
import { cancelTimer, forget, persist, reply, send, setTimer } from "../machine.ts"
import { type Ballot, BOTTOM, ballot, compareBallot, maxBallot, quorum, sameBallot } from "./ballot.ts"
import { change } from "./change.ts"
import {
  type AliasRow,
  type BucketRow,
  type NameMsg,
  NameMsgSchema,
  type NameOp,
  NameOpSchema,
  type NameRec,
  NameRecSchema,
  type NameRes,
  NameResSchema,
  type NameVal,
} from "./name-messages.ts"
import { backoffDelay, seedOf } from "./prng.ts"
import { project, type Rows } from "./projection.ts"

export interface RegistryParams {
  /** The voters of the current configuration (fixed in this version: no handoff). */
  readonly voters: ReadonlyArray<NodeId>
  /** Nodes that receive the `Decided` broadcast (in a deployment: every node). */
  readonly learners: ReadonlyArray<NodeId>
  readonly cfg: number
  readonly backoffBaseMs: number
  readonly backoffCapMs: number
  /** Retransmission period of Prepare/Accept to voters that have not answered; 0 = off. */
  readonly retransmitMs: number
  /** Client deadline: reply Unavailable (the intent keeps running); 0 = no deadline. */
  readonly deadlineMs: number
  /** Model bound: a proposer never uses a round above this (0 = unbounded). */
  readonly roundLimit: number
  /**
   * Decided claims and releases kept (in memory and on disk) to answer a retry with the same
   * request id from its outcome; beyond it the oldest are forgotten (0 = keep all). A retry
   * of a forgotten request is proposed again and answered from the register as it is then:
   * the same answer while the name is still bound to that claim (the bound value carries its
   * request id), NoSuchBucket for a repeated release. The node gives each request a fresh
   * id and never retries one itself, so no answer it gives depends on this.
   */
  readonly keepDecided: number
}

export const defaultParams = (voters: ReadonlyArray<NodeId>, learners: ReadonlyArray<NodeId> = []): RegistryParams => ({
  voters,
  learners,
  cfg: 1,
  backoffBaseMs: 100,
  backoffCapMs: 1600,
  retransmitMs: 500,
  deadlineMs: 10_000,
  roundLimit: 0,
  keepDecided: 1024,
})

export interface AcceptorRec {
  readonly promised: Ballot
  readonly accBal: Ballot
  readonly accVal: NameVal | null
}

export const emptyAcceptor: AcceptorRec = { promised: BOTTOM, accBal: BOTTOM, accVal: null }

export type Phase = "prepare" | "accept" | "backoff" | "done" | "stalled"

export interface PromiseRec {
  readonly from: NodeId
  readonly accBal: Ballot
  readonly accVal: NameVal | null
}

/** One operation this node proposes (ProposerOp of §5.2), keyed by its reqId. */
export interface ProposerOp {
  readonly op: NameOp
  /** Request ids of the clients waiting for this reqId's outcome. */
  readonly waiting: ReadonlyArray<string>
  readonly b: Ballot
  readonly attempt: number
  readonly phase: Phase
  readonly promises: ReadonlyArray<PromiseRec>
  readonly accepts: ReadonlyArray<NodeId>
  readonly newVal: NameVal | null
  readonly outcome: NameVal | null
}

export interface RegistryState {
  readonly self: NodeId
  readonly params: RegistryParams
  /** Acceptor role: per-name durable register state. */
  readonly acc: Readonly<Record<string, AcceptorRec>>
  /** Proposer role: highest round used (durable) and highest round seen in a Nack, per name. */
  readonly maxRound: number
  readonly seen: Readonly<Record<string, number>>
  readonly ops: Readonly<Record<string, ProposerOp>>
  /** PRNG state for backoff jitter. */
  readonly rng: number
  /** Learner role: the CRDT rows projected from the decisions this node knows. */
  readonly rows: Rows
}

export interface NameRegistry {
  readonly State: RegistryState
  readonly Msg: NameMsg
  readonly Op: NameOp
  readonly Res: NameRes
  readonly Rec: NameRec
  readonly Params: RegistryParams
}

/**
 * The parts a mutant may replace. The correct registry runs phase 1 on every attempt,
 * adopts the value with the highest accepted ballot, and recovers acceptor state from disk.
 */
export interface RegistryVariant {
  /** Mutant: the first attempt of every proposer skips phase 1 and proposes F(op, ∅). */
  readonly skipPhase1: boolean
  /** Mutant: an acceptor restarts without its disk (the acceptor records are not recovered). */
  readonly amnesia: boolean
  /** "max": adopt the highest-ballot value (correct); "first": adopt the first promise's value. */
  readonly adopt: "max" | "first"
}

export const correctRegistry: RegistryVariant = { skipPhase1: false, amnesia: false, adopt: "max" }

type Out = Output<NameMsg, NameRes, NameRec>

export const accKey = (name: string): string => `acc/${name}`
export const intentKey = (reqId: string): string => `intent/${reqId}`
export const ROUND_KEY = "round"
const rtTimer = (reqId: string): string => `rt/${reqId}`
const boTimer = (reqId: string): string => `bo/${reqId}`
const dlTimer = (reqId: string): string => `dl/${reqId}`

/** The client-facing result of a decided operation (§5.2 onAccepted). */
export const resultOf = (op: NameOp, outcome: NameVal | null): NameRes => {
  switch (op._tag) {
    case "Claim":
      if (outcome !== null && outcome._tag === "Bound") {
        if (outcome.reqId === op.reqId) return { _tag: "Created", bucketId: outcome.bucketId }
        if (outcome.ownerKey === op.ownerKey) return { _tag: "BucketAlreadyOwnedByYou", bucketId: outcome.bucketId }
      }
      return { _tag: "BucketAlreadyExists" }
    case "Release":
      return outcome !== null && outcome._tag === "Free" ? { _tag: "Released", bucketId: op.bucketId } : { _tag: "NoSuchBucket" }
    case "Read":
      return { _tag: "Value", val: outcome }
  }
}

const isVoter = (s: RegistryState): boolean => s.params.voters.includes(s.self)

const withOp = (s: RegistryState, reqId: string, p: ProposerOp): RegistryState => ({ ...s, ops: { ...s.ops, [reqId]: p } })

const withoutOp = (s: RegistryState, reqId: string): RegistryState => {
  const { [reqId]: _gone, ...ops } = s.ops
  return { ...s, ops }
}

/**
 * At most `keepDecided` decided intents stay: the oldest are dropped with their records, so a
 * long-lived proposer's state stays bounded. Oldest by arrival (ops keep insertion order);
 * after a restart the recovered ones come first, in key order.
 */
const forgetOldDecided = (s: RegistryState, out: Out[]): RegistryState => {
  const limit = s.params.keepDecided
  if (limit <= 0) return s
  const decided = Object.keys(s.ops).filter((r) => s.ops[r]!.phase === "done")
  if (decided.length <= limit) return s
  const ops = { ...s.ops }
  for (const r of decided.slice(0, decided.length - limit)) {
    delete ops[r]
    out.push(forget(intentKey(r)))
  }
  return { ...s, ops }
}

const insertSorted = (xs: ReadonlyArray<NodeId>, x: NodeId): ReadonlyArray<NodeId> =>
  xs.includes(x) ? xs : [...xs, x].sort()

export const makeRegistry = (variant: RegistryVariant = correctRegistry): Machine<NameRegistry> => {
  /** Phase1a: a fresh ballot above every round used or seen; Prepare to the voters. */
  const startAttempt = (s: RegistryState, reqId: string, out: Out[]): RegistryState => {
    const p = s.ops[reqId]!
    const name = p.op.name
    const round = Math.max(s.maxRound, s.seen[name] ?? 0) + 1
    if (s.params.roundLimit > 0 && round > s.params.roundLimit) {
      out.push(cancelTimer(rtTimer(reqId)))
      return withOp(s, reqId, { ...p, phase: "stalled", promises: [], accepts: [] })
    }
    const b = ballot(s.params.cfg, round, s.self)
    out.push(persist(ROUND_KEY, { _tag: "Round", maxRound: round }))
    const next = { ...s, maxRound: round }
    if (variant.skipPhase1 && p.attempt === 0) {
      const newVal = change(p.op, null)
      if (newVal !== null) {
        for (const v of s.params.voters) out.push(send(v, { _tag: "Accept", name, b, val: newVal }))
        if (s.params.retransmitMs > 0) out.push(setTimer(rtTimer(reqId), s.params.retransmitMs))
        return withOp(next, reqId, { ...p, b, phase: "accept", promises: [], accepts: [], newVal })
      }
    }
    for (const v of s.params.voters) out.push(send(v, { _tag: "Prepare", name, b }))
    if (s.params.retransmitMs > 0) out.push(setTimer(rtTimer(reqId), s.params.retransmitMs))
    return withOp(next, reqId, { ...p, b, phase: "prepare", promises: [], accepts: [], newVal: null })
  }

  /** Applies a decision to the projected rows, persisting the rows it changed. */
  const learn = (s: RegistryState, name: string, b: Ballot, val: NameVal | null, out: Out[]): RegistryState => {
    const projected = project(s.rows, name, b, val)
    if (projected.rows === s.rows) return s
    for (const [n, row] of projected.alias) out.push(persist(`alias/${n}`, { _tag: "Alias", row }))
    for (const [id, row] of projected.buckets) out.push(persist(`bucket/${id}`, { _tag: "Bucket", id, row }))
    return { ...s, rows: projected.rows }
  }

  /** Decide: a quorum accepted; answer the clients, project the rows, broadcast Decided. */
  const decide = (s: RegistryState, reqId: string, out: Out[]): RegistryState => {
    const p = s.ops[reqId]!
    const outcome = p.newVal
    const isRead = p.op._tag === "Read"
    if (!isRead) out.push(persist(intentKey(reqId), { _tag: "Intent", op: p.op, outcome, done: true, b: p.b }))
    out.push(cancelTimer(rtTimer(reqId)))
    if (s.params.deadlineMs > 0) out.push(cancelTimer(dlTimer(reqId)))
    const result = resultOf(p.op, outcome)
    for (const id of p.waiting) out.push(reply(id, result))
    // A finished read is forgotten: nothing retries it for its outcome, and keeping each
    // one (every lookup has a fresh request id) would grow the state without bound.
    let next = isRead ? withoutOp(s, reqId) : forgetOldDecided(withOp(s, reqId, { ...p, phase: "done", outcome, waiting: [], promises: [], accepts: [] }), out)
    next = learn(next, p.op.name, p.b, outcome, out)
    if (outcome !== null) {
      const to = s.params.learners.filter((n) => n !== s.self)
      for (const n of to) out.push(send(n, { _tag: "Decided", name: p.op.name, b: p.b, val: outcome }))
    }
    return next
  }

  const findOp = (s: RegistryState, name: string, b: Ballot, phase: Phase): string | undefined =>
    Object.keys(s.ops).find((r) => {
      const p = s.ops[r]!
      return p.phase === phase && p.op.name === name && sameBallot(p.b, b)
    })

  const adopt = (promises: ReadonlyArray<PromiseRec>): NameVal | null => {
    if (variant.adopt === "first") return promises[0]?.accVal ?? null
    let best: PromiseRec | undefined
    for (const pr of promises) if (best === undefined || compareBallot(pr.accBal, best.accBal) > 0) best = pr
    return best === undefined ? null : best.accVal
  }

  const onRecv = (s: RegistryState, from: NodeId, m: NameMsg): { state: RegistryState; out: Out[] } => {
    const out: Out[] = []
    const Q = quorum(s.params.voters.length)
    switch (m._tag) {
      case "Prepare": {
        // Phase1b.
        if (!isVoter(s)) return { state: s, out }
        const r = s.acc[m.name] ?? emptyAcceptor
        const seen = maxBallot(r.promised, r.accBal)
        if (m.b.cfg !== s.params.cfg) {
          out.push(send(from, { _tag: "Nack", name: m.name, b: m.b, seen, cfg: s.params.cfg }))
          return { state: s, out }
        }
        if (compareBallot(m.b, r.promised) > 0) {
          const rec: AcceptorRec = { ...r, promised: m.b }
          out.push(persist(accKey(m.name), { _tag: "Acceptor", ...rec }))
          out.push(send(from, { _tag: "Promise", name: m.name, b: m.b, accBal: r.accBal, accVal: r.accVal }))
          return { state: { ...s, acc: { ...s.acc, [m.name]: rec } }, out }
        }
        if (sameBallot(m.b, r.promised) && compareBallot(r.accBal, m.b) < 0) {
          // A duplicate Prepare: the same Promise again (nothing was accepted since).
          out.push(send(from, { _tag: "Promise", name: m.name, b: m.b, accBal: r.accBal, accVal: r.accVal }))
          return { state: s, out }
        }
        if (compareBallot(seen, m.b) > 0) out.push(send(from, { _tag: "Nack", name: m.name, b: m.b, seen, cfg: s.params.cfg }))
        return { state: s, out }
      }
      case "Accept": {
        // Phase2b.
        if (!isVoter(s)) return { state: s, out }
        const r = s.acc[m.name] ?? emptyAcceptor
        if (m.b.cfg === s.params.cfg && compareBallot(m.b, r.promised) >= 0) {
          const rec: AcceptorRec = { promised: m.b, accBal: m.b, accVal: m.val }
          out.push(persist(accKey(m.name), { _tag: "Acceptor", ...rec }))
          out.push(send(from, { _tag: "Accepted", name: m.name, b: m.b }))
          return { state: { ...s, acc: { ...s.acc, [m.name]: rec } }, out }
        }
        out.push(send(from, { _tag: "Nack", name: m.name, b: m.b, seen: maxBallot(r.promised, r.accBal), cfg: s.params.cfg }))
        return { state: s, out }
      }
      case "Promise": {
        const reqId = findOp(s, m.name, m.b, "prepare")
        if (reqId === undefined) return { state: s, out }
        const p = s.ops[reqId]!
        if (p.promises.some((x) => x.from === from)) return { state: s, out }
        const rec: PromiseRec = { from, accBal: m.accBal, accVal: m.accVal }
        // Receipt order matters only to the "first" mutant; otherwise keep them sorted (fewer states).
        const promises =
          variant.adopt === "first" ? [...p.promises, rec] : [...p.promises, rec].sort((a, b) => (a.from < b.from ? -1 : 1))
        if (promises.length < Q) return { state: withOp(s, reqId, { ...p, promises }), out }
        // Phase2a: F applied to the highest-ballot value among a quorum of promises.
        const newVal = change(p.op, adopt(promises))
        if (newVal === null) {
          // A read (or release) of a name never bound: nothing to write, the answer is ∅.
          return { state: decide(withOp(s, reqId, { ...p, newVal: null }), reqId, out), out }
        }
        for (const v of s.params.voters) out.push(send(v, { _tag: "Accept", name: m.name, b: p.b, val: newVal }))
        return { state: withOp(s, reqId, { ...p, phase: "accept", promises: [], accepts: [], newVal }), out }
      }
      case "Accepted": {
        const reqId = findOp(s, m.name, m.b, "accept")
        if (reqId === undefined) return { state: s, out }
        const p = s.ops[reqId]!
        const accepts = insertSorted(p.accepts, from)
        if (accepts === p.accepts) return { state: s, out }
        const next = withOp(s, reqId, { ...p, accepts })
        if (accepts.length < Q) return { state: next, out }
        return { state: decide(next, reqId, out), out }
      }
      case "Nack": {
        const seenRound = Math.max(s.seen[m.name] ?? 0, m.seen.cfg === s.params.cfg ? m.seen.round : 0)
        let next: RegistryState = seenRound === (s.seen[m.name] ?? 0) ? s : { ...s, seen: { ...s.seen, [m.name]: seenRound } }
        const reqId = findOp(s, m.name, m.b, "prepare") ?? findOp(s, m.name, m.b, "accept")
        if (reqId === undefined || compareBallot(m.seen, m.b) <= 0) return { state: next, out }
        // Preempted: back off for a random time, then retry with a higher ballot.
        const p = s.ops[reqId]!
        const attempt = p.attempt + 1
        const { seed, delayMs } = backoffDelay(next.rng, attempt, s.params.backoffBaseMs, s.params.backoffCapMs)
        next = withOp({ ...next, rng: seed }, reqId, { ...p, attempt, phase: "backoff", promises: [], accepts: [] })
        out.push(cancelTimer(rtTimer(reqId)), setTimer(boTimer(reqId), delayMs))
        return { state: next, out }
      }
      case "Decided":
        return { state: learn(s, m.name, m.b, m.val, out), out }
    }
  }

  const onTimer = (s: RegistryState, id: string): { state: RegistryState; out: Out[] } => {
    const out: Out[] = []
    const slash = id.indexOf("/")
    const kind = id.slice(0, slash)
    const reqId = id.slice(slash + 1)
    const p = s.ops[reqId]
    if (p === undefined) return { state: s, out }
    switch (kind) {
      case "bo":
        return p.phase === "backoff" ? { state: startAttempt(s, reqId, out), out } : { state: s, out }
      case "rt": {
        if (p.phase === "prepare") {
          for (const v of s.params.voters) {
            if (!p.promises.some((x) => x.from === v)) out.push(send(v, { _tag: "Prepare", name: p.op.name, b: p.b }))
          }
        } else if (p.phase === "accept" && p.newVal !== null) {
          for (const v of s.params.voters) {
            if (!p.accepts.includes(v)) out.push(send(v, { _tag: "Accept", name: p.op.name, b: p.b, val: p.newVal }))
          }
        } else return { state: s, out }
        out.push(setTimer(id, s.params.retransmitMs))
        return { state: s, out }
      }
      case "dl": {
        if (p.phase === "done" || p.waiting.length === 0) return { state: s, out }
        for (const w of p.waiting) out.push(reply(w, { _tag: "Unavailable" }))
        return { state: withOp(s, reqId, { ...p, waiting: [] }), out }
      }
    }
    return { state: s, out }
  }

  const onRequest = (s: RegistryState, id: string, op: NameOp): { state: RegistryState; out: Out[] } => {
    const out: Out[] = []
    const known = s.ops[op.reqId]
    if (known !== undefined) {
      // A retry with the same request id: answer from the decision, or wait for it.
      if (known.phase === "done") return { state: s, out: [reply(id, resultOf(known.op, known.outcome))] }
      if (s.params.deadlineMs > 0) out.push(setTimer(dlTimer(op.reqId), s.params.deadlineMs))
      let next = withOp(s, op.reqId, { ...known, waiting: [...known.waiting, id] })
      if (known.phase === "stalled") next = startAttempt(next, op.reqId, out)
      return { state: next, out }
    }
    // Claims and releases are resumed after a crash and answer retries from their outcome;
    // a read changes nothing and its client is gone after a crash, so it is not kept.
    if (op._tag !== "Read") out.push(persist(intentKey(op.reqId), { _tag: "Intent", op, outcome: null, done: false, b: BOTTOM }))
    if (s.params.deadlineMs > 0) out.push(setTimer(dlTimer(op.reqId), s.params.deadlineMs))
    const fresh: ProposerOp = {
      op,
      waiting: [id],
      b: BOTTOM,
      attempt: 0,
      phase: "prepare",
      promises: [],
      accepts: [],
      newVal: null,
      outcome: null,
    }
    return { state: startAttempt(withOp(s, op.reqId, fresh), op.reqId, out), out }
  }

  const onRecover = (s: RegistryState, persisted: ReadonlyArray<{ key: string; record: NameRec }>) => {
    const out: Out[] = []
    const acc: Record<string, AcceptorRec> = {}
    const alias: Record<string, AliasRow> = {}
    const buckets: Record<string, BucketRow> = {}
    const ops: Record<string, ProposerOp> = {}
    let maxRound = 0
    const resume: string[] = []
    for (const { key, record } of persisted) {
      switch (record._tag) {
        case "Acceptor":
          if (!variant.amnesia) acc[key.slice(4)] = { promised: record.promised, accBal: record.accBal, accVal: record.accVal }
          break
        case "Round":
          maxRound = Math.max(maxRound, record.maxRound)
          break
        case "Intent": {
          if (record.op._tag === "Read") {
            out.push(forget(key)) // left on disk by versions before reads kept no intent
            break
          }
          const reqId = key.slice(7)
          ops[reqId] = {
            op: record.op,
            waiting: [],
            b: record.done ? record.b : BOTTOM,
            attempt: 0,
            phase: record.done ? "done" : "prepare",
            promises: [],
            accepts: [],
            newVal: record.done ? record.outcome : null,
            outcome: record.outcome,
          }
          if (!record.done) resume.push(reqId)
          break
        }
        case "Alias":
          alias[key.slice(6)] = record.row
          break
        case "Bucket":
          buckets[record.id] = record.row
          break
      }
    }
    let state: RegistryState = {
      ...s,
      acc,
      maxRound,
      ops,
      rng: seedOf(`${s.self}/${maxRound}`),
      rows: { alias, buckets },
    }
    // A restarted proposer resumes every unfinished intent with the same reqId.
    for (const reqId of resume) state = startAttempt(state, reqId, out)
    return { state, out }
  }

  return {
    name: "name-registry",
    schemas: { msg: NameMsgSchema, op: NameOpSchema, res: NameResSchema, rec: NameRecSchema },
    init: (self, params) => ({
      self,
      params,
      acc: {},
      maxRound: 0,
      seen: {},
      ops: {},
      rng: seedOf(self),
      rows: { alias: {}, buckets: {} },
    }),
    step: (s, input: Input<NameMsg, NameOp, NameRec>) => {
      switch (input._tag) {
        case "Recover":
          return onRecover(s, input.persisted)
        case "Tick":
          return { state: s, out: [] }
        case "Request":
          return onRequest(s, input.id, input.op)
        case "Timer":
          return onTimer(s, input.id)
        case "Recv":
          return onRecv(s, input.from, input.msg)
      }
    },
  }
}

export const nameRegistry = makeRegistry()
