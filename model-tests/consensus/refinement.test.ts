// Refinement: every step of the name-registry reducer's cluster model maps, under `abs`, to a
// `Next` step of spec/NameRegistry.tla or to a stuttering step (DESIGN §4.3), evaluated by our
// TLA+ evaluator. The spec's `msgs` is the monotone set of every message ever sent, so the
// search runs over (cluster state, abstract messages sent so far): loss and duplication in
// the reducer's network are then just reorderings of deliveries.
import { describe, expect, it } from "vitest"
import { loadSpec } from "../../src/tla/api.ts"
import { ClusterSemantics } from "../../src/check/cluster-semantics.ts"
import { nameCiBounds, type NameRegistryBounds, nameRegistryModel, registryMutants } from "../../src/check/models/name-registry.ts"
import type { Ballot } from "../../src/core/consensus/ballot.ts"
import type { NameMsg, NameVal } from "../../src/core/consensus/name-messages.ts"
import type { ProposerOp, RegistryState } from "../../src/core/consensus/name-registry.ts"
import type { NodeView } from "../../src/check/cluster-model.ts"
import type { NameRegistry } from "../../src/core/consensus/name-registry.ts"

const deep = process.env.POLLEN_DEEP === "1"

const absBal = (b: Ballot) => (b.round < 0 ? { cfg: -1, rnd: -1, prop: -1 } : { cfg: b.cfg, rnd: b.round, prop: Number(b.node.slice(1)) })
const absVal = (v: NameVal | null) =>
  v === null
    ? { kind: "none", gen: 0, bucket: -1 }
    : v._tag === "Bound"
      ? { kind: "bound", gen: v.gen, bucket: Number(v.bucketId.slice(1)) }
      : { kind: "free", gen: v.gen, bucket: -1 }

const absMsg = (from: string, m: NameMsg): object | undefined => {
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
      return undefined // Nack and Decided are not spec messages
  }
}

const check = (
  title: string,
  b: Partial<NameRegistryBounds>,
  spec: { MaxRound: number; ReleaseBy: number[]; ProposerCrash: boolean },
  limit: number,
  mutant?: string,
) => {
  it(title, () => {
    const bounds = { ...nameCiBounds, ...b, decided: true, retransmit: false, deadline: false, partitions: 0 }
    const model = nameRegistryModel(bounds, mutant === undefined ? undefined : registryMutants[mutant])
    const sem = new ClusterSemantics(model)
    const voters = model.nodes.filter((n) => n.startsWith("a"))
    const proposers = model.clients.map((c) => c.node)
    const tla = loadSpec("spec/NameRegistry.tla", {
      constants: {
        Acceptors: new Set(voters),
        Proposers: new Set(proposers.map((_, i) => i)),
        MaxRound: spec.MaxRound,
        ReleaseBy: new Set(spec.ReleaseBy),
        ProposerCrash: spec.ProposerCrash,
        Cfg: 1,
      },
    })

    const absProposer = (node: NodeView<NameRegistry>, script: string[]) => {
      let ops: Record<string, ProposerOp | { done: boolean; outcome: NameVal | null; b: Ballot }> = {}
      let last = 0
      if (node.state !== undefined) {
        const s: RegistryState = node.state
        ops = s.ops
        last = s.maxRound
      } else {
        for (const r of node.disk) {
          if (r.record._tag === "Round") last = r.record.maxRound
          if (r.record._tag === "Intent") ops[r.key.slice(7)] = { done: r.record.done, outcome: r.record.outcome, b: r.record.b }
        }
      }
      const started = script.filter((r) => ops[r] !== undefined)
      const pc = Math.max(1, started.length)
      const cur = ops[script[pc - 1]!]
      const idle = { phase: "idle", bal: absBal({ cfg: -1, round: -1, node: "" }), val: absVal(null), dec: absVal(null) }
      let p = idle
      if (cur !== undefined) {
        if ("phase" in cur) {
          const phase =
            cur.phase === "done" ? "done" : cur.phase === "prepare" ? "p1" : cur.phase === "accept" ? "p2" : cur.b.round < 0 ? "idle" : cur.newVal !== null ? "p2" : "p1"
          p =
            phase === "idle"
              ? idle
              : { phase, bal: absBal(cur.b), val: absVal(phase === "p1" ? null : cur.phase === "done" ? cur.outcome : cur.newVal), dec: absVal(phase === "done" ? cur.outcome : null) }
        } else if (cur.done) {
          p = { phase: "done", bal: absBal(cur.b), val: absVal(cur.outcome), dec: absVal(cur.outcome) }
        }
      }
      return { ...p, pc, last }
    }

    const abs = (world: Int32Array, sent: ReadonlyArray<string>) => {
      const view = sem.view(world)
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
        aProm.set(n.id, absBal(rec?.promised ?? { cfg: -1, round: -1, node: "" }))
        aBal.set(n.id, absBal(rec?.accBal ?? { cfg: -1, round: -1, node: "" }))
        aVal.set(n.id, absVal(rec?.accVal ?? null))
      }
      const ps = proposers.map((id, i) =>
        absProposer(view.nodes.find((n) => n.id === id)!, model.clients[i]!.ops.map((o) => o.reqId)),
      )
      const fn = <T>(f: (p: ReturnType<typeof absProposer>) => T) => new Map(ps.map((p, i) => [i, f(p)]))
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
        msgs: new Set(sent.map((s) => JSON.parse(s) as object)),
      }
    }

    const init = sem.initialWorld()
    expect(tla.evalInit(abs(init, []))).toBe(true)
    const seen = new Set<string>()
    const absKey = (a: object) => JSON.stringify(a, (_, v) => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v].map(String).sort() : v))
    const checkedPairs = new Set<string>()
    let queue: Array<{ world: Int32Array; sent: string[] }> = [{ world: init, sent: [] }]
    let transitions = 0
    let stutters = 0
    const failures: string[] = []
    while (queue.length > 0 && seen.size < limit) {
      const next: typeof queue = []
      for (const { world, sent } of queue) {
        const a = abs(world, sent)
        const ak = absKey(a)
        for (const s of sem.labelledSuccessors(world)) {
          if (sem.inFlight(s.world) > model.maxInFlight) continue
          const added = s.outputs.flatMap((o) => {
            if (o._tag !== "Send" || s.action.kind === "crash") return []
            const from = s.action.kind === "deliver" ? s.action.to : s.action.kind === "timer" || s.action.kind === "request" || s.action.kind === "restart" ? s.action.node : ""
            const m = absMsg(from, o.msg as NameMsg)
            return m === undefined ? [] : [JSON.stringify(m)]
          })
          const sent2 = [...new Set([...sent, ...added])].sort()
          const key = `${Array.from(s.world).join(",")}|${sent2.join(";")}`
          transitions++
          const b = abs(s.world, sent2)
          const bk = absKey(b)
          if (ak === bk) stutters++
          else if (!checkedPairs.has(`${ak}>${bk}`)) {
            checkedPairs.add(`${ak}>${bk}`)
            if (!tla.evalAction(a, b)) failures.push(`${JSON.stringify(s.action)}\n  from ${ak}\n  to   ${bk}`)
          }
          if (!seen.has(key)) {
            seen.add(key)
            next.push({ world: s.world, sent: sent2 })
          }
        }
        if (failures.length > 0) break
      }
      if (failures.length > 0) break
      queue = next
    }
    console.log(
      `[refinement] ${title}: ${seen.size} reducer states${failures.length > 0 ? " (stopped at the first failure)" : queue.length > 0 ? ` (breadth-first prefix: stopped at the limit ${limit})` : " (exhaustive)"}, ${transitions} transitions, ${stutters} stuttering, ${checkedPairs.size} distinct abstract steps checked against Next`,
    )
    if (failures.length > 0) console.log(`[refinement] ${title}: first step that is not a Next step:\n${failures[0]}`)
    if (mutant === undefined) expect(failures).toEqual([])
    else expect(failures.length).toBeGreaterThan(0)
  })
}

describe("refinement: name-registry reducer ⊑ spec/NameRegistry.tla", () => {
  check("2 proposers claim, round 1, loss and duplication", { script: "claim", rounds: 1, crashes: 0, drops: 1, duplicates: 1 }, { MaxRound: 1, ReleaseBy: [], ProposerCrash: false }, deep ? 200_000 : 20_000)
  check("2 proposers claim, round 1, crash-restart", { script: "claim", rounds: 1, crashes: 1, drops: 0, duplicates: 0 }, { MaxRound: 1, ReleaseBy: [], ProposerCrash: true }, deep ? 200_000 : 20_000)
  check("claim/claim/release, rounds 1..2", { script: "claim-release", rounds: 2, crashes: 0, drops: 0, duplicates: 0 }, { MaxRound: 2, ReleaseBy: [0], ProposerCrash: false }, deep ? 200_000 : 20_000)
  // The check is not vacuous: a reducer that adopts a non-maximal value, or skips phase 1,
  // takes a step that is no Next step of the spec.
  check("mutant non-max-adopt is not a refinement", { script: "claim", rounds: 1, crashes: 0, drops: 0, duplicates: 0 }, { MaxRound: 1, ReleaseBy: [], ProposerCrash: false }, 20_000, "non-max-adopt")
  check("mutant skip-phase1 is not a refinement", { script: "claim", rounds: 1, crashes: 0, drops: 0, duplicates: 0 }, { MaxRound: 1, ReleaseBy: [], ProposerCrash: false }, 20_000, "skip-phase1")
})
