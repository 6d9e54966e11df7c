// Claim latency of the CASPaxos name registry, measured by running the reducers in a
// deterministic discrete-event simulation over a 5-site latency matrix, against two
// baselines run in the same harness: a leader-based register (Raft/etcd pattern, leader in
// one site) and Garage's LWW alias (0 round trips, but racing creations orphan buckets).
// Usage: npm run bench:consensus
import type { Input, Machine, NodeId, Output, Protocol } from "../src/core/machine.ts"
import { reply, send } from "../src/core/machine.ts"
import { quorum } from "../src/core/consensus/ballot.ts"
import { makeRegistry, type RegistryParams } from "../src/core/consensus/name-registry.ts"
import type { NameOp, NameRes } from "../src/core/consensus/name-messages.ts"

// ---- the latency matrix (round-trip times in ms) ------------------------------------------
const sites = ["S0", "S1", "S2", "S3", "S4"]
const RTT: number[][] = [
  [0, 10, 40, 90, 150],
  [10, 0, 40, 90, 150],
  [40, 40, 0, 90, 150],
  [90, 90, 90, 0, 150],
  [150, 150, 150, 150, 0],
]
const voters = ["S0", "S2", "S3"]
const leader = "S0"
const idx = (n: NodeId) => sites.indexOf(n)
const oneWay = (a: NodeId, b: NodeId) => RTT[idx(a)]![idx(b)]! / 2

// ---- a deterministic discrete-event simulator for any Machine ----------------------------
interface Event {
  readonly at: number
  readonly seq: number
  readonly node: NodeId
  readonly input: Input<unknown, unknown, unknown>
  readonly timer?: { id: string; gen: number }
}

interface SimResult {
  readonly replies: Map<string, { at: number; result: unknown }>
  readonly states: Map<NodeId, unknown>
  readonly messages: number
}

const simulate = <P extends Protocol>(
  machine: Machine<P>,
  params: (n: NodeId) => P["Params"],
  requests: ReadonlyArray<{ at: number; node: NodeId; id: string; op: P["Op"] }>,
  untilMs = 60_000,
): SimResult => {
  const states = new Map<NodeId, unknown>()
  const timerGen = new Map<string, number>()
  const queue: Event[] = []
  let seq = 0
  let messages = 0
  const push = (e: Omit<Event, "seq">) => {
    queue.push({ ...e, seq: seq++ })
  }
  const replies = new Map<string, { at: number; result: unknown }>()
  const apply = (node: NodeId, at: number, out: ReadonlyArray<Output<unknown, unknown, unknown>>) => {
    for (const o of out) {
      switch (o._tag) {
        case "Send":
          messages++
          push({ at: at + oneWay(node, o.to), node: o.to, input: { _tag: "Recv", from: node, msg: o.msg } })
          break
        case "Reply":
          if (!replies.has(o.id)) replies.set(o.id, { at, result: o.result })
          break
        case "SetTimer": {
          const key = `${node}|${o.id}`
          const gen = (timerGen.get(key) ?? 0) + 1
          timerGen.set(key, gen)
          push({ at: at + o.afterMs, node, input: { _tag: "Timer", id: o.id }, timer: { id: o.id, gen } })
          break
        }
        case "CancelTimer": {
          const key = `${node}|${o.id}`
          timerGen.set(key, (timerGen.get(key) ?? 0) + 1)
          break
        }
        case "Persist":
          break
      }
    }
  }
  for (const n of sites) {
    const r = machine.step(machine.init(n, params(n)), { _tag: "Recover", persisted: [] })
    states.set(n, r.state)
    apply(n, 0, r.out as never)
  }
  for (const q of requests) push({ at: q.at, node: q.node, input: { _tag: "Request", id: q.id, op: q.op } })
  while (queue.length > 0) {
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq)
    const e = queue.shift()!
    if (e.at > untilMs) break
    if (e.timer !== undefined && timerGen.get(`${e.node}|${e.timer.id}`) !== e.timer.gen) continue
    const r = machine.step(states.get(e.node) as P["State"], e.input as never)
    states.set(e.node, r.state)
    apply(e.node, e.at, r.out as never)
  }
  return { replies, states, messages }
}

// ---- Pollen: the CASPaxos registry --------------------------------------------------------
const registryParams = (): RegistryParams => ({
  voters,
  learners: sites,
  cfg: 1,
  backoffBaseMs: 2 * 90, // ≈ one RTT to the farthest voter of a majority, twice
  backoffCapMs: 16 * 150,
  retransmitMs: 1_000,
  deadlineMs: 10_000,
  roundLimit: 0,
})

const claim = (site: NodeId, name: string): NameOp => ({
  _tag: "Claim",
  name,
  bucketId: `bucket-${site}`,
  reqId: `req-${site}`,
  ownerKey: `key-${site}`,
  initParams: { quotaBytes: null },
})

interface RaceFigures {
  readonly latency: number[]
  readonly violations: number
  readonly orphans: number
}

const registry = makeRegistry()

const pollenRun = (proposers: ReadonlyArray<NodeId>): { latency: Map<NodeId, number>; violations: number; orphans: number } => {
  const r = simulate(
    registry,
    registryParams,
    proposers.map((p) => ({ at: 0, node: p, id: `c-${p}`, op: claim(p, "photos") })),
  )
  const latency = new Map<NodeId, number>()
  const winners = new Set<string>()
  for (const p of proposers) {
    const rep = r.replies.get(`c-${p}`)
    latency.set(p, rep === undefined ? Number.NaN : rep.at)
    const res = rep?.result as NameRes | undefined
    if (res?._tag === "Created") winners.add(res.bucketId)
  }
  // Agreement: every node's alias row names the same bucket; orphans: live bucket rows not bound.
  const bound = new Set<string>()
  let orphans = 0
  for (const n of sites) {
    const s = r.states.get(n) as ReturnType<typeof registry.init>
    const row = s.rows.alias["photos"]
    if (row?.bucketId != null) bound.add(row.bucketId)
  }
  for (const n of sites) {
    const s = r.states.get(n) as ReturnType<typeof registry.init>
    for (const [id, row] of Object.entries(s.rows.buckets)) if (!row.deleted && !bound.has(id)) orphans++
  }
  return { latency, violations: (winners.size > 1 ? 1 : 0) + (bound.size > 1 ? 1 : 0), orphans }
}

// ---- baseline 1: leader-based register (Raft/etcd pattern) --------------------------------
type LeaderMsg =
  | { _tag: "Fwd"; origin: NodeId; id: string; name: string; bucketId: string }
  | { _tag: "Append"; index: number }
  | { _tag: "Ack"; index: number }
  | { _tag: "Done"; id: string; created: boolean }
interface LeaderState {
  self: NodeId
  log: Array<{ origin: NodeId; id: string; created: boolean; acks: NodeId[]; done: boolean }>
  bound: Record<string, string>
}
interface LeaderP extends Protocol {
  readonly State: LeaderState
  readonly Msg: LeaderMsg
  readonly Op: NameOp
  readonly Res: { created: boolean }
  readonly Rec: never
  readonly Params: null
}
const leaderRegister: Machine<LeaderP> = {
  name: "leader-register",
  schemas: undefined as never,
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
}

// ---- baseline 2: Garage's LWW alias ----------------------------------------------------------
// CreateBucket writes the bucket row and the alias locally and answers at once; the alias is
// an LWW register (timestamp, then node id) gossiped to every node.
type LwwMsg = { _tag: "Alias"; name: string; ts: number; node: NodeId; bucketId: string }
interface LwwState {
  self: NodeId
  now: number
  alias: Record<string, { ts: number; node: NodeId; bucketId: string }>
  buckets: string[]
}
interface LwwP extends Protocol {
  readonly State: LwwState
  readonly Msg: LwwMsg
  readonly Op: NameOp
  readonly Res: { created: boolean }
  readonly Rec: never
  readonly Params: null
}
const lwwAlias: Machine<LwwP> = {
  name: "lww-alias",
  schemas: undefined as never,
  init: (self) => ({ self, now: 0, alias: {}, buckets: [] }),
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
}

const baselineRun = <P extends Protocol>(machine: Machine<P>, proposers: ReadonlyArray<NodeId>) => {
  const r = simulate(
    machine,
    () => null as P["Params"],
    proposers.map((p) => ({ at: 0, node: p, id: `c-${p}`, op: claim(p, "photos") as P["Op"] })),
  )
  const latency = new Map<NodeId, number>()
  for (const p of proposers) latency.set(p, r.replies.get(`c-${p}`)?.at ?? Number.NaN)
  return { latency, states: r.states }
}

const lwwOrphans = (states: Map<NodeId, unknown>): number => {
  const created = new Set<string>()
  const bound = new Set<string>()
  for (const n of sites) {
    const s = states.get(n) as LwwState
    for (const b of s.buckets) created.add(b)
    const a = s.alias["photos"]
    if (a !== undefined) bound.add(a.bucketId)
  }
  return [...created].filter((b) => !bound.has(b)).length
}

// ---- the table -------------------------------------------------------------------------------
const fmt = (x: number) => (Number.isNaN(x) ? "–" : `${Math.round(x)}`)
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const expected = (site: NodeId) => {
  const d = voters.map((v) => RTT[idx(site)]![idx(v)]!).sort((a, b) => a - b)
  return 2 * d[quorum(voters.length) - 1]!
}

const started = performance.now()
const rows: string[] = []
let totalViolations = 0
let pollenOrphans = 0
let lwwOrphanTotal = 0
let races = 0
for (const site of sites) {
  const alone = pollenRun([site])
  totalViolations += alone.violations
  pollenOrphans += alone.orphans
  const racing: number[] = []
  const leaderRacing: number[] = []
  for (const rival of sites) {
    if (rival === site) continue
    const race = pollenRun([site, rival])
    races++
    totalViolations += race.violations
    pollenOrphans += race.orphans
    racing.push(race.latency.get(site)!)
    leaderRacing.push(baselineRun(leaderRegister, [site, rival]).latency.get(site)!)
    lwwOrphanTotal += lwwOrphans(baselineRun(lwwAlias, [site, rival]).states)
  }
  const leaderAlone = baselineRun(leaderRegister, [site]).latency.get(site)!
  const lwwAlone = baselineRun(lwwAlias, [site]).latency.get(site)!
  rows.push(
    `| ${site}${voters.includes(site) ? " (voter)" : ""} | ${fmt(expected(site))} | ${fmt(alone.latency.get(site)!)} | ${fmt(median(racing))} / ${fmt(Math.max(...racing))} | ${fmt(leaderAlone)} | ${fmt(median(leaderRacing))} / ${fmt(Math.max(...leaderRacing))} | ${fmt(lwwAlone)} |`,
  )
}
console.log(`Sites ${sites.join(", ")}; RTT matrix (ms): ${RTT.map((r) => r.join("/")).join("; ")}`)
console.log(`Voters ${voters.join(", ")}; leader of the baseline register: ${leader}`)
console.log("")
console.log("| proposing site | expected 2 RTT to nearest majority | Pollen uncontended | Pollen racing (median / max over 4 rivals) | leader register uncontended | leader register racing (median / max) | Garage LWW alias |")
console.log("|---|---|---|---|---|---|---|")
for (const r of rows) console.log(r)
console.log("")
console.log(`Races run: ${races} (every ordered pair of sites claiming one name at t = 0).`)
console.log(`Pollen: agreement violations ${totalViolations}, orphaned buckets ${pollenOrphans}.`)
console.log(`Garage LWW alias: orphaned buckets ${lwwOrphanTotal} (of ${races} races).`)
console.log(`Simulated in ${((performance.now() - started) / 1000).toFixed(2)} s.`)
