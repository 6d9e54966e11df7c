// Benchmark: model-check MultiPaxos_MC_small (343,796 distinct states with symmetry) and
// compare with TLC's figure on a 2-core machine (21.4 s wall, 1 worker, from MANIFEST.tsv).
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { checkSpec } from "../src/tla/api.ts"

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const examples = resolve(repoRoot, "../shared/tla-examples")
const tlcSeconds = 21.4
const tlcDistinct = 343_796

const t0 = process.hrtime.bigint()
const cpu0 = process.cpuUsage()
const r = checkSpec(join(examples, "MultiPaxos-SMR/MultiPaxos_MC.tla"), {
  config: join(examples, "MultiPaxos-SMR/MultiPaxos_MC_small.cfg"),
  onProgress: (p) => console.error(`  ... ${p.distinct.toLocaleString("en-US")} distinct after ${p.seconds.toFixed(0)} s`),
  progressEveryMs: 10_000,
})
const wall = Number(process.hrtime.bigint() - t0) / 1e9
const cpuUsed = process.cpuUsage(cpu0)
const cpu = (cpuUsed.user + cpuUsed.system) / 1e6
const load = (await import("node:os")).loadavg()[0]!
const ours = r.distinct / wall
const tlc = tlcDistinct / tlcSeconds
console.log(`MultiPaxos_MC_small: ${r.outcome.kind}, ${r.generated.toLocaleString("en-US")} generated, ${r.distinct.toLocaleString("en-US")} distinct, depth ${r.depth}`)
console.log(`pollen: ${wall.toFixed(1)} s wall (incl. parsing), ${Math.round(ours).toLocaleString("en-US")} distinct states/s`)
console.log(`TLC:    ${tlcSeconds} s wall, ${Math.round(tlc).toLocaleString("en-US")} distinct states/s (1 worker, 2-core machine)`)
console.log(`ratio pollen/TLC throughput: ${(ours / tlc).toFixed(2)} (1.00 = as fast as TLC)`)
console.log(`pollen CPU time: ${cpu.toFixed(1)} s (${Math.round(r.distinct / cpu).toLocaleString("en-US")} distinct states per CPU second; ratio to TLC's wall figure ${(r.distinct / cpu / tlc).toFixed(2)}); 1-min load average at the end: ${load.toFixed(1)}`)
if (r.distinct !== tlcDistinct) {
  console.log(`MISMATCH: expected ${tlcDistinct} distinct states`)
  process.exitCode = 1
}

// Liveness: a self-stabilising token ring (Dijkstra's K-state algorithm, N = K = 6, 46,656
// states) checked with and without `<>[]OneToken` under WF of Next, for what the state graph,
// the atoms evaluated during the search and the lasso search cost.
const ring = `---- MODULE BenchRing ----
EXTENDS Naturals, FiniteSets
CONSTANTS N, K
VARIABLE c
Nodes == 0..N-1
Init == c \\in [Nodes -> 0..K-1]
Privileged(i) == IF i = 0 THEN c[0] = c[N-1] ELSE c[i] # c[i-1]
Move(i) == Privileged(i) /\\ c' = [c EXCEPT ![i] = IF i = 0 THEN (c[0] + 1) % K ELSE c[i-1]]
Next == \\E i \\in Nodes : Move(i)
Spec == Init /\\ [][Next]_c /\\ WF_c(Next)
OneToken == Cardinality({i \\in Nodes : Privileged(i)}) = 1
Stabilizes == <>[]OneToken
====
`
const { mkdtempSync, writeFileSync } = await import("node:fs")
const dir = mkdtempSync(join((await import("node:os")).tmpdir(), "pollen-bench-ring-"))
writeFileSync(join(dir, "BenchRing.tla"), ring)
for (const [name, property] of [["without the property", ""], ["with <>[]OneToken", "PROPERTY Stabilizes\n"]] as const) {
  writeFileSync(join(dir, "BenchRing.cfg"), `CONSTANTS N = 6 K = 6\nSPECIFICATION Spec\nCHECK_DEADLOCK FALSE\n${property}`)
  const start = process.hrtime.bigint()
  const rr = checkSpec(join(dir, "BenchRing.tla"))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  console.log(`BenchRing ${name}: ${rr.outcome.kind}, ${rr.distinct.toLocaleString("en-US")} distinct, ${seconds.toFixed(1)} s`)
}
