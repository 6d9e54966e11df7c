// Claim latency of the CASPaxos name registry, measured by running the reducers in a
// deterministic discrete-event simulation over a 5-site latency matrix, against two
// baselines run in the same harness: a leader-based register (Raft/etcd pattern, leader in
// one site) and Garage's LWW alias (0 round trips, but racing creations orphan buckets).
// Usage: npm run bench:consensus
import type { Machine, NodeId, Protocol } from "../src/core/machine.ts"
import { quorum } from "../src/core/consensus/ballot.ts"
import { makeRegistry, type RegistryParams } from "../src/core/consensus/name-registry.ts"
import type { NameOp, NameRes } from "../src/core/consensus/name-messages.ts"
import { hostReducer } from "../src/node/services.ts"
import { Simulation } from "../src/sim/simulation.ts"
import { type LwwState, makeLeaderRegister, makeLwwAlias } from "./consensus-baselines.ts"

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
const leaderRegister = makeLeaderRegister(leader, voters)
const lwwAlias = makeLwwAlias(sites)

// ---- every run: the reducers in ReducerHost over the deterministic simulator -------------
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
  const sim = new Simulation({ nodes: sites, latency: oneWay })
  const hosts = new Map(sites.map((n) => [n, sim.start(n, hostReducer(machine, n, params(n)))] as const))
  const replies = new Map<string, { at: number; result: unknown }>()
  for (const q of requests) {
    sim.at(q.at, () => hosts.get(q.node)!.submit(q.op, (result) => replies.set(q.id, { at: sim.now, result })))
  }
  sim.run(untilMs)
  return { replies, states: new Map([...hosts].map(([n, h]) => [n, h.currentState])), messages: sim.network.sent }
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
  keepDecided: 1024,
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
