// `npm run bench:mc`: the reducer model checker on the anti-entropy model at a bound of
// over a million distinct states; prints distinct states per second and bytes per stored
// state, and the same figures for a baseline measured in the same run: the straightforward
// design that keeps each visited state as its canonical JSON text in a Set<string>.
import { canonicalJson } from "../src/check/canonical-json.ts"
import { ClusterSemantics } from "../src/check/cluster-semantics.ts"
import { explore } from "../src/check/explore.ts"
import { antiEntropyModel, ciBounds } from "../src/check/models/anti-entropy.ts"
import { formatReport } from "../src/check/report.ts"

const benchBounds = { ...ciBounds, maxInFlight: 2, crashes: 1, drops: 0 }
const n = (x: number) => Math.round(x).toLocaleString("en-US")

const baseline = (limit: number) => {
  const model = antiEntropyModel(benchBounds)
  const sem = new ClusterSemantics(model)
  global.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const started = performance.now()
  const seen = new Set<string>()
  const queue = [sem.initialWorld()]
  seen.add(canonicalJson(sem.view(queue[0]!)))
  for (let head = 0; head < queue.length && seen.size < limit; head++) {
    sem.successors(queue[head]!, (w) => {
      if (sem.inFlight(w) > model.maxInFlight) return
      const key = canonicalJson(sem.view(w))
      if (seen.has(key)) return
      seen.add(key)
      queue.push(w)
    })
  }
  const seconds = (performance.now() - started) / 1000
  queue.length = 0
  global.gc?.()
  return { distinct: seen.size, seconds, bytesPerState: (process.memoryUsage().heapUsed - heapBefore) / seen.size }
}

export const run = async (): Promise<number> => {
  console.log(`bench:mc — anti-entropy model, bounds ${JSON.stringify(benchBounds)}`)
  const rssBefore = process.memoryUsage().rss
  const result = explore(antiEntropyModel(benchBounds), { progressEveryMs: 10_000, log: console.log })
  console.log(formatReport(result))
  const rate = result.distinct / result.seconds
  const bytes = result.fingerprintBytes / result.distinct
  const peakRss = process.resourceUsage().maxRSS * 1024
  console.log("")
  console.log(`Pollen checker: ${n(result.distinct)} distinct states in ${result.seconds.toFixed(1)} s = ${n(rate)} distinct states/s`)
  console.log(`  stored state: ${bytes.toFixed(1)} bytes per distinct state (64-bit fingerprint + parent + action)`)
  console.log(`  peak RSS ${n(peakRss / 2 ** 20)} MiB (RSS at start ${n(rssBefore / 2 ** 20)} MiB; includes the BFS frontier)`)
  const limit = 300_000
  const base = baseline(limit)
  const baseRate = base.distinct / base.seconds
  console.log(
    `Baseline (canonical-JSON Set, first ${n(base.distinct)} states): ${n(baseRate)} distinct states/s, ~${n(base.bytesPerState)} bytes per stored state (heap growth${global.gc ? "" : ", without --expose-gc"})`,
  )
  console.log(`Ratio: ${(rate / baseRate).toFixed(1)}x the baseline's states/s, ${(base.bytesPerState / bytes).toFixed(0)}x less memory per stored state`)
  const ok = result.outcome === "ok" && result.distinct >= 1_000_000
  console.log(`Targets: >= 1,000,000 distinct (${result.distinct >= 1_000_000 ? "met" : "NOT met"}), >= 100,000 states/s (${rate >= 100_000 ? "met" : "NOT met"}), <= 64 bytes per stored state (${bytes <= 64 ? "met" : "NOT met"})`)
  return ok ? 0 : 1
}
