// Refinement of the name-registry reducer against spec/NameRegistry.tla (DESIGN §4.3): the
// refinement model (the cluster model with a ghost holding the spec's `msgs`), the spec's
// constants for given bounds, and `abs`, which maps a cluster state to the spec's variables.
//
// The spec's `msgs` is the monotone set of every Prepare/Promise/Accept/Accepted ever sent,
// so the ghost records each step's sends (abstracted); loss and duplication in the reducer's
// network are then reorderings of deliveries. Nack and Decided are not spec messages.
import type { Ballot } from "../../core/consensus/ballot.ts"
import type { NameMsg, NameVal } from "../../core/consensus/name-messages.ts"
import { correctRegistry, type NameRegistry, type ProposerOp, type RegistryVariant } from "../../core/consensus/name-registry.ts"
import type { NodeId } from "../../core/machine.ts"
import { toTla } from "../../tla/api.ts"
import type { ClusterModel, ClusterView, NodeView } from "../cluster-model.ts"
import { type NameRegistryBounds, nameRegistryModel, nodesOf, scriptOf } from "./name-registry.ts"

/** Ghost: the abstract messages sent so far, as sorted JSON texts (a set). */
export type SentMessages = ReadonlyArray<string>

const BOT = { cfg: -1, rnd: -1, prop: -1 }
const absBal = (b: Ballot) => (b.round < 0 ? BOT : { cfg: b.cfg, rnd: b.round, prop: Number(b.node.slice(1)) })
const absVal = (v: NameVal | null) =>
  v === null
    ? { kind: "none", gen: 0, bucket: -1 }
    : v._tag === "Bound"
      ? { kind: "bound", gen: v.gen, bucket: Number(v.bucketId.slice(1)) }
      : { kind: "free", gen: v.gen, bucket: -1 }

/** The spec's message for a reducer message sent by `from`, or undefined (Nack, Decided). */
const absMsg = (from: NodeId, m: NameMsg): object | undefined => {
  switch (m._tag) {
    case "Prepare":
      return { type: "prepare", bal: absBal(m.b) }
    case "Promise":
      return { type: "promise", acc: from, bal: absBal(m.b), accBal: absBal(m.accBal), accVal: absVal(m.accVal) }
    case "Accept":
      return { type: "accept", bal: absBal(m.b), val: absVal(m.val) }
    case "Accepted":
      return { type: "accepted", acc: from, bal: absBal(m.b) }
    default:
      return undefined
  }
}

/** `pollen mc name-registry --refine` without options: 2 proposers claim, round 1, no faults (7,523 states). */
export const nameRefinementCiBounds: Partial<NameRegistryBounds> = { script: "claim", rounds: 1, crashes: 0, drops: 0, duplicates: 0, partitions: 0 }

/** Bounds the refinement check supports: no retransmission or deadline timers, no partitions (they add no spec step). */
export const refinableNameBounds = (b: NameRegistryBounds): NameRegistryBounds => ({
  ...b,
  decided: true,
  retransmit: false,
  deadline: false,
  partitions: 0,
})

/** The name-registry model with the `msgs` ghost (and no invariants: `explore` checks those). */
export const nameRefinementModel = (
  bounds: NameRegistryBounds,
  variant: RegistryVariant = correctRegistry,
  name = "name-registry",
): ClusterModel<NameRegistry, SentMessages> => {
  const base = nameRegistryModel(refinableNameBounds(bounds), variant, name)
  const nodes = base.nodes
  return {
    ...(base as unknown as ClusterModel<NameRegistry, SentMessages>),
    invariants: [],
    historyProperties: [],
    ghost: {
      init: [],
      observe: (sent, event) => {
        if (event.kind === "crash") return sent
        let added: string[] | undefined
        for (const o of event.outputs) {
          if (o._tag !== "Send") continue
          const m = absMsg(nodes[event.node]!, o.msg)
          if (m === undefined) continue
          const text = JSON.stringify(m)
          if (sent.includes(text) || added?.includes(text)) continue
          ;(added ??= []).push(text)
        }
        return added === undefined ? sent : [...sent, ...added].sort()
      },
    },
  }
}

/** The spec's constants for these bounds (voters keep their reducer ids; proposer i is p<i>). */
export const nameSpecConstants = (bounds: NameRegistryBounds): Record<string, unknown> => {
  const { voters, proposers } = nodesOf(bounds)
  if (bounds.colocated) throw new Error("refinement: proposers must be separate from voters (--colocated=false)")
  return {
    Acceptors: new Set(voters),
    Proposers: new Set(proposers.map((_, i) => i)),
    MaxRound: bounds.rounds,
    ReleaseBy: new Set(bounds.script === "claim-release" ? [0] : []),
    ProposerCrash: bounds.crashes > 0,
    Cfg: 1,
  }
}

type View = ClusterView<NameRegistry, SentMessages>
type Intent = ProposerOp | { readonly done: boolean; readonly outcome: NameVal | null; readonly b: Ballot }

/**
 * abs for spec/NameRegistry.tla:
 * - acceptor records from memory, or from disk while the voter is down;
 * - a proposer's current operation is the last of its script it has an intent for (pc);
 *   phase prepare -> p1, accept -> p2, done -> done, backoff/stalled -> the phase it left
 *   (p2 if it had a value to propose), never started -> idle; a down proposer -> idle
 *   (Crash), or done from its persisted intent and ballot;
 * - `last` is the durable round counter; `msgs` is the ghost.
 */
export const nameAbs = (bounds: NameRegistryBounds) => {
  const { voters, proposers } = nodesOf(bounds)
  const scripts = scriptOf(bounds, proposers).map((s) => s.ops.map((o) => o.reqId))
  const msgCache = new WeakMap<SentMessages, unknown>()
  const msgs = (sent: SentMessages) => {
    let v = msgCache.get(sent)
    if (v === undefined) {
      v = toTla(new Set(sent.map((t) => JSON.parse(t) as object)))
      msgCache.set(sent, v)
    }
    return v
  }
  const idle = { phase: "idle", bal: BOT, val: absVal(null), dec: absVal(null) }

  // Node states are interned by the checker, so equal states recur as the same object.
  const proposerCache = new WeakMap<object, ReturnType<typeof proposerOf>>()
  const proposer = (node: NodeView<NameRegistry>, script: ReadonlyArray<string>) => {
    const key = node.state ?? node.disk
    let p = proposerCache.get(key)
    if (p === undefined) {
      p = proposerOf(node, script)
      proposerCache.set(key, p)
    }
    return p
  }
  const proposerOf = (node: NodeView<NameRegistry>, script: ReadonlyArray<string>) => {
    let ops: Record<string, Intent> = {}
    let last = 0
    if (node.state !== undefined) {
      ops = node.state.ops
      last = node.state.maxRound
    } else {
      for (const r of node.disk) {
        if (r.record._tag === "Round") last = r.record.maxRound
        if (r.record._tag === "Intent") ops[r.key.slice(7)] = { done: r.record.done, outcome: r.record.outcome, b: r.record.b }
      }
    }
    const pc = Math.max(1, script.filter((r) => ops[r] !== undefined).length)
    const cur = ops[script[pc - 1]!]
    let p = idle
    if (cur !== undefined) {
      if ("phase" in cur) {
        const phase =
          cur.phase === "done" ? "done" : cur.phase === "prepare" ? "p1" : cur.phase === "accept" ? "p2" : cur.b.round < 0 ? "idle" : cur.newVal !== null ? "p2" : "p1"
        if (phase !== "idle") {
          const val = phase === "p1" ? null : cur.phase === "done" ? cur.outcome : cur.newVal
          p = { phase, bal: absBal(cur.b), val: absVal(val), dec: absVal(phase === "done" ? cur.outcome : null) }
        }
      } else if (cur.done) {
        p = { phase: "done", bal: absBal(cur.b), val: absVal(cur.outcome), dec: absVal(cur.outcome) }
      }
    }
    return { ...p, pc, last }
  }

  return (view: View): Record<string, unknown> => {
    const aProm = new Map<string, object>()
    const aBal = new Map<string, object>()
    const aVal = new Map<string, object>()
    for (const n of view.nodes) {
      if (!voters.includes(n.id)) continue
      let rec = n.state?.acc["photos"]
      if (n.state === undefined) {
        const d = n.disk.find((r) => r.key === "acc/photos")?.record
        if (d !== undefined && d._tag === "Acceptor") rec = d
      }
      aProm.set(n.id, rec === undefined ? BOT : absBal(rec.promised))
      aBal.set(n.id, rec === undefined ? BOT : absBal(rec.accBal))
      aVal.set(n.id, absVal(rec?.accVal ?? null))
    }
    const ps = proposers.map((id, i) => proposer(view.nodes.find((n) => n.id === id)!, scripts[i]!))
    const fn = <T>(f: (p: ReturnType<typeof proposer>) => T) => new Map(ps.map((p, i) => [i, f(p)]))
    return {
      aProm,
      aBal,
      aVal,
      pPhase: fn((p) => p.phase),
      pBal: fn((p) => p.bal),
      pLast: fn((p) => p.last),
      pVal: fn((p) => p.val),
      pPc: fn((p) => p.pc),
      pDec: fn((p) => p.dec),
      msgs: msgs(view.ghost),
    }
  }
}
