// Refinement of the layout-commit reducer against spec/LayoutCommit.tla (DESIGN §4.3): the
// refinement model (the cluster model with a ghost), the spec's constants for given bounds,
// and `abs`, which maps a cluster state to the spec's variables.
//
// The ghost holds (1) the spec's `msgs`: every Prepare/Promise/Accept/Accepted/Decided ever
// sent, abstracted (Nack is no spec message), and (2) per proposer, the slot, ballot and value
// of its last attempt: a new operator request replaces the reducer's proposal before it has
// a ballot (and keeps it so if it stalls at the model's bound), while the spec's pSlot, pBal
// and pVal keep the last attempt's.
import type { Ballot } from "../../core/consensus/ballot.ts"
import { correctLayout, digest, genesis, type LayoutCommit, type LayoutMsg, type LayoutVal, type LayoutVariant } from "../../core/consensus/layout-commit.ts"
import type { NodeId } from "../../core/machine.ts"
import { toTla } from "../../tla/api.ts"
import type { ClusterModel, ClusterView } from "../cluster-model.ts"
import { type LayoutBounds, layoutCommitModel } from "./layout-commit.ts"

export interface Attempt {
  readonly slot: number
  readonly b: Ballot
  readonly val: LayoutVal | null
}

export interface LayoutGhost {
  /** Abstract messages sent so far, as sorted JSON texts (a set). */
  readonly sent: ReadonlyArray<string>
  /** Per proposer (by index): its last attempt, or null before its first. */
  readonly last: ReadonlyArray<Attempt | null>
}

const proposerIndex = (node: NodeId): number => Number(node.slice(1))
const BOT = { rnd: -1, prop: -1 }
const NONE = { ver: -1, id: -1, prev: [-1, -1] }
const absBal = (b: Ballot) => (b.round < 0 ? BOT : { rnd: b.round, prop: proposerIndex(b.node) })

/** Layout values as spec records: id = the proposing operator (proposer) index, prev = <<ver, id>> of the parent. */
const layoutAbstraction = (bounds: LayoutBounds, voters: ReadonlyArray<NodeId>) => {
  // Every layout value the model can build: version v, any script's layout id, any parent's digest.
  const ids = Array.from({ length: bounds.proposers }, (_, p) =>
    Array.from({ length: p === 0 ? bounds.proposalsP0 : 1 }, (_, k) => `L${p}${"abcdefgh"[k]}`),
  ).flat()
  const root = genesis(voters)
  const byDigest = new Map<string, readonly [number, number]>([[digest(root), [0, -1]]])
  let level: LayoutVal[] = [root]
  for (let v = 1; v <= bounds.slots; v++) {
    const next: LayoutVal[] = []
    for (const parent of level) {
      for (const layoutId of ids) {
        const val: LayoutVal = { version: v, prevDigest: digest(parent), layoutId, voters: [...voters] }
        byDigest.set(digest(val), [v, proposerIndex(layoutId.slice(0, 2))])
        next.push(val)
      }
    }
    level = next
  }
  return (val: LayoutVal | null | undefined) => {
    if (val === null || val === undefined) return NONE
    if (val.version === 0) return { ver: 0, id: -1, prev: [-1, -1] }
    const prev = byDigest.get(val.prevDigest)
    if (prev === undefined) throw new Error(`abs: layout ${val.layoutId} v${val.version} chains onto an unknown digest ${val.prevDigest}`)
    return { ver: val.version, id: proposerIndex(val.layoutId.slice(0, 2)), prev: [...prev] }
  }
}

/** Bounds the refinement check supports: the spec has no crash action and no partitions. */
export const refinableLayoutBounds = (b: LayoutBounds): LayoutBounds => {
  if (b.crashes > 0 || b.partitions > 0) throw new Error("layout-commit refinement: the spec has no crash or partition action (--crashes=0 --partitions=0)")
  return { ...b, decided: true }
}

export const layoutRefinementModelOf = (
  bounds: LayoutBounds,
  variant: LayoutVariant = correctLayout,
  name = "layout-commit",
): ClusterModel<LayoutCommit, LayoutGhost> => {
  const b = refinableLayoutBounds(bounds)
  const base = layoutCommitModel(b, variant, name)
  const voters = base.nodes.filter((n) => n.startsWith("a"))
  const layout = layoutAbstraction(b, voters)
  const absMsg = (from: NodeId, m: LayoutMsg): object | undefined => {
    switch (m._tag) {
      case "Prepare":
        return { type: "prepare", slot: m.slot, bal: absBal(m.b) }
      case "Promise":
        return { type: "promise", slot: m.slot, acc: from, bal: absBal(m.b), accBal: absBal(m.accBal), accVal: layout(m.accVal) }
      case "Accept":
        return { type: "accept", slot: m.slot, bal: absBal(m.b), val: layout(m.val) }
      case "Accepted":
        return { type: "accepted", slot: m.slot, acc: from, bal: absBal(m.b) }
      case "Decided":
        return { type: "decided", slot: m.slot, val: layout(m.val) }
      case "Nack":
        return undefined
    }
  }
  const nodes = base.nodes
  return {
    ...(base as unknown as ClusterModel<LayoutCommit, LayoutGhost>),
    invariants: [],
    historyProperties: [],
    ghost: {
      init: { sent: [], last: Array.from({ length: b.proposers }, () => null) },
      observe: (g, event) => {
        if (event.kind !== "step") return g
        let next = g
        const added: string[] = []
        for (const o of event.outputs) {
          if (o._tag !== "Send") continue
          const m = absMsg(nodes[event.node]!, o.msg)
          if (m === undefined) continue
          const text = JSON.stringify(m)
          if (!next.sent.includes(text) && !added.includes(text)) added.push(text)
        }
        if (added.length > 0) next = { ...next, sent: [...next.sent, ...added].sort() }
        const p = event.after.proposal
        if (p !== null && p.b.round >= 0 && p !== event.before.proposal) {
          const i = proposerIndex(event.after.self)
          const prev = next.last[i]
          if (prev === null || prev === undefined || prev.slot !== p.slot || prev.b !== p.b || prev.val !== p.newVal) {
            next = { ...next, last: next.last.map((a, k) => (k === i ? { slot: p.slot, b: p.b, val: p.newVal } : a)) }
          }
        }
        return next
      },
    },
  }
}

/** The spec's constants for these bounds: every proposer may extend the chain (Extenders). */
export const layoutCommitSpecConstants = (bounds: LayoutBounds): Record<string, unknown> => {
  const voters = Array.from({ length: bounds.voters }, (_, i) => `a${i}`)
  const proposers = Array.from({ length: bounds.proposers }, (_, i) => i)
  return {
    Acceptors: new Set(voters),
    Proposers: new Set(proposers),
    MaxSlot: bounds.slots,
    MaxRound: bounds.rounds,
    Extenders: new Set(proposers),
  }
}

/**
 * abs for spec/LayoutCommit.tla:
 * - acceptor records per slot from memory (voters never crash in this check);
 * - a proposer's attempt: prepare -> p1, accept -> p2, done or none -> idle, backoff/stalled
 *   -> the phase it left (p2 if it had a value to propose); slot, ballot and value of its last
 *   attempt (from the ghost when its current proposal has no ballot yet);
 * - pLast is the durable round counter (shared by all slots: the spec allows any round for a
 *   new slot); hist is the node's layout history; msgs is the ghost.
 */
export const layoutCommitAbs = (bounds: LayoutBounds) => {
  const b = refinableLayoutBounds(bounds)
  const voters = Array.from({ length: b.voters }, (_, i) => `a${i}`)
  const proposers = Array.from({ length: b.proposers }, (_, i) => `p${i}`)
  const layout = layoutAbstraction(b, voters)
  const slots = Array.from({ length: b.slots }, (_, i) => i + 1)
  const msgCache = new WeakMap<ReadonlyArray<string>, unknown>()
  const msgs = (sent: ReadonlyArray<string>) => {
    let v = msgCache.get(sent)
    if (v === undefined) {
      v = toTla(new Set(sent.map((t) => JSON.parse(t) as object)))
      msgCache.set(sent, v)
    }
    return v
  }
  return (view: ClusterView<LayoutCommit, LayoutGhost>): Record<string, unknown> => {
    const aProm = new Map<string, Map<number, object>>()
    const aBal = new Map<string, Map<number, object>>()
    const aVal = new Map<string, Map<number, object>>()
    for (const id of voters) {
      const s = view.nodes.find((n) => n.id === id)!.state!
      aProm.set(id, new Map(slots.map((v) => [v, s.acc[String(v)] === undefined ? BOT : absBal(s.acc[String(v)]!.promised)])))
      aBal.set(id, new Map(slots.map((v) => [v, s.acc[String(v)] === undefined ? BOT : absBal(s.acc[String(v)]!.accBal)])))
      aVal.set(id, new Map(slots.map((v) => [v, layout(s.acc[String(v)]?.accVal)])))
    }
    const ps = proposers.map((id, i) => {
      const s = view.nodes.find((n) => n.id === id)!.state!
      const p = s.proposal
      const last = view.ghost.last[i] ?? null
      const active = p !== null && p.b.round >= 0
      const phase =
        p === null || !active || p.phase === "done"
          ? "idle"
          : p.phase === "prepare"
            ? "p1"
            : p.phase === "accept"
              ? "p2"
              : p.newVal !== null
                ? "p2"
                : "p1"
      const attempt: Attempt | null = active ? { slot: p.slot, b: p.b, val: p.newVal } : last
      return {
        slot: attempt?.slot ?? 0,
        phase,
        bal: attempt === null ? BOT : absBal(attempt.b),
        last: s.maxRound,
        val: layout(attempt?.val),
        hist: new Map([0, ...slots].map((v) => [v, layout(s.history[String(v)])])),
      }
    })
    const fn = <T>(f: (p: (typeof ps)[number]) => T) => new Map(ps.map((p, i) => [i, f(p)]))
    return {
      aProm,
      aBal,
      aVal,
      pSlot: fn((p) => p.slot),
      pPhase: fn((p) => p.phase),
      pBal: fn((p) => p.bal),
      pLast: fn((p) => p.last),
      pVal: fn((p) => p.val),
      hist: fn((p) => p.hist),
      msgs: msgs(view.ghost.sent),
    }
  }
}
