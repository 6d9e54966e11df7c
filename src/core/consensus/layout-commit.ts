// Layout commit (consensus.md §5.4, first part): a chain of write-once Synod slots. Slot v
// holds layout version v; its acceptors are the voters of layout v − 1 and a majority of them
// decides it; the value carries the digest of layout v − 1, and a proposer may propose for
// slot v only once it has learned layout v − 1. Names follow spec/LayoutCommit.tla.
//
// Limitation (this version): the voter set is fixed — every layout keeps the voters of the
// genesis layout. Changing voters needs the Fence/Transfer handoff of §5.4 (a later spec).
import { Schema } from "effect"
import type { Input, Machine, NodeId, Output } from "../machine.ts"
import { cancelTimer, persist, reply, send, setTimer } from "../machine.ts"
import { type Ballot, BallotSchema, BOTTOM, ballot, compareBallot, maxBallot, quorum, sameBallot } from "./ballot.ts"
import { backoffDelay, seedOf } from "./prng.ts"

export const LayoutValSchema = Schema.Struct({
  version: Schema.Int,
  prevDigest: Schema.String,
  /** The staged layout this version commits (roles and parameters live under this id). */
  layoutId: Schema.String,
  voters: Schema.Array(Schema.String),
})
export type LayoutVal = typeof LayoutValSchema.Type

export const LayoutOpSchema = Schema.TaggedStruct("Propose", { layoutId: Schema.String, reqId: Schema.String })
export type LayoutOp = typeof LayoutOpSchema.Type

const SlotAccVal = Schema.NullOr(LayoutValSchema)

export const LayoutMsgSchema = Schema.Union([
  Schema.TaggedStruct("Prepare", { slot: Schema.Int, b: BallotSchema }),
  Schema.TaggedStruct("Promise", { slot: Schema.Int, b: BallotSchema, accBal: BallotSchema, accVal: SlotAccVal }),
  Schema.TaggedStruct("Accept", { slot: Schema.Int, b: BallotSchema, val: LayoutValSchema }),
  Schema.TaggedStruct("Accepted", { slot: Schema.Int, b: BallotSchema }),
  Schema.TaggedStruct("Nack", { slot: Schema.Int, b: BallotSchema, seen: BallotSchema }),
  Schema.TaggedStruct("Decided", { slot: Schema.Int, val: LayoutValSchema }),
])
export type LayoutMsg = typeof LayoutMsgSchema.Type

export const LayoutResSchema = Schema.Union([
  Schema.TaggedStruct("Committed", { version: Schema.Int }),
  /** Layout `version` was committed concurrently as `layoutId`: re-stage against it, retry as version + 1. */
  Schema.TaggedStruct("Superseded", { version: Schema.Int, layoutId: Schema.String }),
  Schema.TaggedStruct("Unavailable", {}),
])
export type LayoutRes = typeof LayoutResSchema.Type

export const LayoutRecSchema = Schema.Union([
  Schema.TaggedStruct("SlotAcceptor", { promised: BallotSchema, accBal: BallotSchema, accVal: SlotAccVal }),
  Schema.TaggedStruct("Round", { maxRound: Schema.Int }),
  /** `layout/<v>`: a decided layout version (the LayoutHistory entry). */
  Schema.TaggedStruct("Layout", { val: LayoutValSchema }),
])
export type LayoutRec = typeof LayoutRecSchema.Type

/** A deterministic digest of a layout version (FNV-1a over its canonical text, hex). */
export const digest = (v: LayoutVal): string => {
  const text = `${v.version}|${v.prevDigest}|${v.layoutId}|${v.voters.join(",")}`
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

export const genesis = (voters: ReadonlyArray<NodeId>): LayoutVal => ({ version: 0, prevDigest: "", layoutId: "genesis", voters: [...voters] })

export interface LayoutParams {
  /** The voters of the genesis layout, kept by every version (fixed voter set). */
  readonly voters: ReadonlyArray<NodeId>
  readonly learners: ReadonlyArray<NodeId>
  readonly backoffBaseMs: number
  readonly backoffCapMs: number
  readonly retransmitMs: number
  /** Model bounds: highest round and highest slot a proposer uses (0 = unbounded). */
  readonly roundLimit: number
  readonly slotLimit: number
}

interface SlotAcc {
  readonly promised: Ballot
  readonly accBal: Ballot
  readonly accVal: LayoutVal | null
}

export interface Proposal {
  readonly op: LayoutOp
  readonly waiting: string
  readonly slot: number
  readonly b: Ballot
  readonly attempt: number
  readonly phase: "prepare" | "accept" | "backoff" | "done" | "stalled"
  readonly promises: ReadonlyArray<{ readonly from: NodeId; readonly accBal: Ballot; readonly accVal: LayoutVal | null }>
  readonly accepts: ReadonlyArray<NodeId>
  readonly newVal: LayoutVal | null
}

export interface LayoutState {
  readonly self: NodeId
  readonly params: LayoutParams
  readonly acc: Readonly<Record<string, SlotAcc>>
  /** Decided versions this node holds (version → value); version 0 is the genesis. */
  readonly history: Readonly<Record<string, LayoutVal>>
  readonly maxRound: number
  readonly seen: Readonly<Record<string, number>>
  readonly proposal: Proposal | null
  /** The last candidate this node built (only the chainOnOwnCandidate mutant reads it). */
  readonly lastCandidate: LayoutVal | null
  readonly rng: number
}

export interface LayoutCommit {
  readonly State: LayoutState
  readonly Msg: LayoutMsg
  readonly Op: LayoutOp
  readonly Res: LayoutRes
  readonly Rec: LayoutRec
  readonly Params: LayoutParams
}

export interface LayoutVariant {
  /** Mutant: chain the candidate onto the layout this node last proposed, not the decided one. */
  readonly chainOnOwnCandidate: boolean
  /** Mutant: skip phase 1 on the first attempt. */
  readonly skipPhase1: boolean
}

export const correctLayout: LayoutVariant = { chainOnOwnCandidate: false, skipPhase1: false }

type Out = Output<LayoutMsg, LayoutRes, LayoutRec>

/** The highest version v such that versions 0..v are all held (the learned prefix). */
export const learnedPrefix = (history: Readonly<Record<string, LayoutVal>>): number => {
  let v = 0
  while (history[String(v + 1)] !== undefined) v++
  return v
}

export const makeLayoutCommit = (variant: LayoutVariant = correctLayout): Machine<LayoutCommit> => {
  const learn = (s: LayoutState, val: LayoutVal, out: Out[]): LayoutState => {
    if (s.history[String(val.version)] !== undefined) return s
    out.push(persist(`layout/${val.version}`, { _tag: "Layout", val }))
    return { ...s, history: { ...s.history, [String(val.version)]: val } }
  }

  /** Phase1a for the next slot after the learned prefix (the proposer precondition). */
  const startAttempt = (s: LayoutState, out: Out[]): LayoutState => {
    const p = s.proposal!
    const slot = learnedPrefix(s.history) + 1
    const round = Math.max(s.maxRound, s.seen[String(slot)] ?? 0) + 1
    if ((s.params.roundLimit > 0 && round > s.params.roundLimit) || (s.params.slotLimit > 0 && slot > s.params.slotLimit)) {
      return { ...s, proposal: { ...p, phase: "stalled", promises: [], accepts: [] } }
    }
    const b = ballot(0, round, s.self)
    out.push(persist("round", { _tag: "Round", maxRound: round }))
    if (s.params.retransmitMs > 0) out.push(setTimer("rt", s.params.retransmitMs))
    let next: LayoutState = { ...s, maxRound: round }
    if (variant.skipPhase1 && p.attempt === 0) {
      const newVal = candidate(s, slot, p.op)
      if (variant.chainOnOwnCandidate) next = { ...next, lastCandidate: newVal }
      for (const v of s.params.voters) out.push(send(v, { _tag: "Accept", slot, b, val: newVal }))
      return { ...next, proposal: { ...p, slot, b, phase: "accept", promises: [], accepts: [], newVal } }
    }
    for (const v of s.params.voters) out.push(send(v, { _tag: "Prepare", slot, b }))
    return { ...next, proposal: { ...p, slot, b, phase: "prepare", promises: [], accepts: [], newVal: null } }
  }

  /** F(op, cur) = cur ?? candidate: the candidate chains onto the layout this node holds for slot − 1. */
  const candidate = (s: LayoutState, slot: number, op: LayoutOp): LayoutVal => {
    const own = s.lastCandidate
    const prev = variant.chainOnOwnCandidate && own !== null && own.version === slot - 1 ? own : s.history[String(slot - 1)]
    return { version: slot, prevDigest: prev === undefined ? "?" : digest(prev), layoutId: op.layoutId, voters: [...s.params.voters] }
  }

  const finish = (s: LayoutState, val: LayoutVal, out: Out[]): LayoutState => {
    const p = s.proposal!
    const mine = val.layoutId === p.op.layoutId
    out.push(cancelTimer("rt"))
    out.push(reply(p.waiting, mine ? { _tag: "Committed", version: val.version } : { _tag: "Superseded", version: val.version, layoutId: val.layoutId }))
    let next = learn({ ...s, proposal: { ...p, phase: "done", promises: [], accepts: [] } }, val, out)
    for (const n of s.params.learners) if (n !== s.self) out.push(send(n, { _tag: "Decided", slot: val.version, val }))
    return next
  }

  const onRecv = (s: LayoutState, from: NodeId, m: LayoutMsg): { state: LayoutState; out: Out[] } => {
    const out: Out[] = []
    const Q = quorum(s.params.voters.length)
    const voter = s.params.voters.includes(s.self)
    const key = String(m.slot)
    switch (m._tag) {
      case "Prepare": {
        if (!voter) return { state: s, out }
        const r = s.acc[key] ?? { promised: BOTTOM, accBal: BOTTOM, accVal: null }
        if (compareBallot(m.b, r.promised) > 0) {
          const rec = { ...r, promised: m.b }
          out.push(persist(`slot/${m.slot}`, { _tag: "SlotAcceptor", ...rec }))
          out.push(send(from, { _tag: "Promise", slot: m.slot, b: m.b, accBal: r.accBal, accVal: r.accVal }))
          return { state: { ...s, acc: { ...s.acc, [key]: rec } }, out }
        }
        if (sameBallot(m.b, r.promised) && compareBallot(r.accBal, m.b) < 0) {
          out.push(send(from, { _tag: "Promise", slot: m.slot, b: m.b, accBal: r.accBal, accVal: r.accVal }))
        } else if (compareBallot(maxBallot(r.promised, r.accBal), m.b) > 0) {
          out.push(send(from, { _tag: "Nack", slot: m.slot, b: m.b, seen: maxBallot(r.promised, r.accBal) }))
        }
        return { state: s, out }
      }
      case "Accept": {
        if (!voter) return { state: s, out }
        const r = s.acc[key] ?? { promised: BOTTOM, accBal: BOTTOM, accVal: null }
        if (compareBallot(m.b, r.promised) >= 0) {
          const rec = { promised: m.b, accBal: m.b, accVal: m.val }
          out.push(persist(`slot/${m.slot}`, { _tag: "SlotAcceptor", ...rec }))
          out.push(send(from, { _tag: "Accepted", slot: m.slot, b: m.b }))
          return { state: { ...s, acc: { ...s.acc, [key]: rec } }, out }
        }
        out.push(send(from, { _tag: "Nack", slot: m.slot, b: m.b, seen: maxBallot(r.promised, r.accBal) }))
        return { state: s, out }
      }
      case "Promise": {
        const p = s.proposal
        if (p === null || p.phase !== "prepare" || p.slot !== m.slot || !sameBallot(p.b, m.b)) return { state: s, out }
        if (p.promises.some((x) => x.from === from)) return { state: s, out }
        const promises = [...p.promises, { from, accBal: m.accBal, accVal: m.accVal }].sort((a, b) => (a.from < b.from ? -1 : 1))
        if (promises.length < Q) return { state: { ...s, proposal: { ...p, promises } }, out }
        // Synod: F(op, cur) = cur ?? candidate.
        let best = promises[0]!
        for (const x of promises) if (compareBallot(x.accBal, best.accBal) > 0) best = x
        const own = candidate(s, p.slot, p.op)
        const newVal = best.accVal ?? own
        for (const v of s.params.voters) out.push(send(v, { _tag: "Accept", slot: p.slot, b: p.b, val: newVal }))
        const base = variant.chainOnOwnCandidate ? { ...s, lastCandidate: own } : s
        return { state: { ...base, proposal: { ...p, phase: "accept", promises: [], accepts: [], newVal } }, out }
      }
      case "Accepted": {
        const p = s.proposal
        if (p === null || p.phase !== "accept" || p.slot !== m.slot || !sameBallot(p.b, m.b)) return { state: s, out }
        if (p.accepts.includes(from)) return { state: s, out }
        const accepts = [...p.accepts, from].sort()
        if (accepts.length < Q) return { state: { ...s, proposal: { ...p, accepts } }, out }
        return { state: finish({ ...s, proposal: { ...p, accepts } }, p.newVal!, out), out }
      }
      case "Nack": {
        const seen = Math.max(s.seen[key] ?? 0, m.seen.round)
        let next: LayoutState = seen === (s.seen[key] ?? 0) ? s : { ...s, seen: { ...s.seen, [key]: seen } }
        const p = next.proposal
        if (p === null || (p.phase !== "prepare" && p.phase !== "accept") || p.slot !== m.slot || !sameBallot(p.b, m.b)) return { state: next, out }
        if (compareBallot(m.seen, m.b) <= 0) return { state: next, out }
        const attempt = p.attempt + 1
        const { seed, delayMs } = backoffDelay(next.rng, attempt, s.params.backoffBaseMs, s.params.backoffCapMs)
        next = { ...next, rng: seed, proposal: { ...p, attempt, phase: "backoff", promises: [], accepts: [] } }
        out.push(cancelTimer("rt"), setTimer("bo", delayMs))
        return { state: next, out }
      }
      case "Decided": {
        // A proposer that learns its slot was decided by someone else finishes with that outcome
        // (also one stalled at the model's round bound: the answer is known).
        const p = s.proposal
        const next = learn(s, m.val, out)
        if (p !== null && p.slot === m.slot && p.b.round >= 0 && p.phase !== "done") {
          return { state: finish(next, m.val, out), out }
        }
        return { state: next, out }
      }
    }
  }

  return {
    name: "layout-commit",
    schemas: { msg: LayoutMsgSchema, op: LayoutOpSchema, res: LayoutResSchema, rec: LayoutRecSchema },
    init: (self, params) => ({
      self,
      params,
      acc: {},
      history: { "0": genesis(params.voters) },
      maxRound: 0,
      seen: {},
      proposal: null,
      lastCandidate: null,
      rng: seedOf(self),
    }),
    step: (s, input: Input<LayoutMsg, LayoutOp, LayoutRec>) => {
      switch (input._tag) {
        case "Recover": {
          const acc: Record<string, SlotAcc> = {}
          const history: Record<string, LayoutVal> = { "0": genesis(s.params.voters) }
          let maxRound = 0
          for (const { key, record } of input.persisted) {
            if (record._tag === "SlotAcceptor") acc[key.slice(5)] = { promised: record.promised, accBal: record.accBal, accVal: record.accVal }
            else if (record._tag === "Round") maxRound = record.maxRound
            else history[String(record.val.version)] = record.val
          }
          // Operator proposals are not resumed after a restart: the operator re-stages and retries.
          return { state: { ...s, acc, history, maxRound, proposal: null, rng: seedOf(`${s.self}/${maxRound}`) }, out: [] }
        }
        case "Tick":
          return { state: s, out: [] }
        case "Request": {
          if (s.proposal !== null && s.proposal.phase !== "done" && s.proposal.phase !== "stalled") {
            return { state: s, out: [reply(input.id, { _tag: "Unavailable" })] }
          }
          const out: Out[] = []
          const proposal: Proposal = {
            op: input.op,
            waiting: input.id,
            slot: 0,
            b: BOTTOM,
            attempt: 0,
            phase: "prepare",
            promises: [],
            accepts: [],
            newVal: null,
          }
          return { state: startAttempt({ ...s, proposal }, out), out }
        }
        case "Timer": {
          const p = s.proposal
          if (p === null) return { state: s, out: [] }
          const out: Out[] = []
          if (input.id === "bo" && p.phase === "backoff") return { state: startAttempt(s, out), out }
          if (input.id === "rt" && (p.phase === "prepare" || p.phase === "accept")) {
            for (const v of s.params.voters) {
              if (p.phase === "prepare" && !p.promises.some((x) => x.from === v)) out.push(send(v, { _tag: "Prepare", slot: p.slot, b: p.b }))
              if (p.phase === "accept" && !p.accepts.includes(v)) out.push(send(v, { _tag: "Accept", slot: p.slot, b: p.b, val: p.newVal! }))
            }
            out.push(setTimer("rt", s.params.retransmitMs))
          }
          return { state: s, out }
        }
        case "Recv":
          return onRecv(s, input.from, input.msg)
      }
    },
  }
}

export const layoutCommit = makeLayoutCommit()
