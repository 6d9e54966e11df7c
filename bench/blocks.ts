// Block layer throughput on loopback: 3 storage nodes (rf 3, quorum 2) and a gateway node
// that holds nothing, all in this one process over the real authenticated RPC, block
// files fsynced. The gateway puts blocks (every replica is remote) and reads them back
// (hedged remote reads, hash verified), at concurrency 16. Baseline: the same blocks
// written and read by one node's local BlockStore (one fsynced file, no network).
// Usage: npm run bench:blocks
import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BlockStore } from "../src/node/block-store.ts"
import { sha256Hex } from "../src/node/blocks/block-messages.ts"
import { fixedPlacement } from "../src/node/cluster/interfaces.ts"
import { TestCluster } from "../test/block/helpers.ts"

const CONCURRENCY = 16
const MiB = 1 << 20

const pool = async <T>(items: readonly T[], f: (x: T) => Promise<void>): Promise<number[]> => {
  const latencies: number[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const x = items[next++]!
        const t = performance.now()
        await f(x)
        latencies.push(performance.now() - t)
      }
    }),
  )
  return latencies.sort((a, b) => a - b)
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!.toFixed(1)

/** CPU time of this process (all four nodes) per MiB moved: comparable across machine loads. */
let cpuMark = process.cpuUsage()
const cpuSince = () => {
  const d = process.cpuUsage(cpuMark)
  cpuMark = process.cpuUsage()
  return (d.user + d.system) / 1000
}
const report = (what: string, size: number, n: number, ms: number, lat: number[]) =>
  console.log(
    `${what.padEnd(34)} ${n} x ${size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`}: ${(n / (ms / 1000)).toFixed(0)} ops/s, ${((n * size) / MiB / (ms / 1000)).toFixed(1)} MiB/s, p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, CPU ${(cpuSince() / ((n * size) / MiB)).toFixed(0)} ms/MiB`,
  )

const main = async () => {
  const cases = [
    { size: 4096, n: 512 },
    { size: MiB, n: 96 },
  ]
  const cluster = await TestCluster.start(4, (ids) => fixedPlacement(ids.slice(0, 3), 3, 256), { hedgeDelayMs: 200, rpcTimeoutMs: 30_000 })
  const gateway = cluster.nodes[3]!.manager
  const base = new BlockStore(await mkdtemp(join(tmpdir(), "pollen-bench-blocks-")), true)
  await base.init()
  const rss = () => (process.memoryUsage().rss / MiB).toFixed(0)
  console.log(`rss before: ${rss()} MiB (4 nodes in one process)`)
  let peakBudget = 0
  const sampler = setInterval(() => (peakBudget = Math.max(peakBudget, gateway.budget.inUse)), 5)
  for (const { size, n } of cases) {
    const blocks = Array.from({ length: n }, () => randomBytes(size))
    const hashes: string[] = []
    cpuSince()
    let t = performance.now()
    let lat = await pool(blocks, async (b) => void hashes.push(await gateway.put(b)))
    const putMs = performance.now() - t
    report("put via gateway (rf 3, quorum 2)", size, n, putMs, lat)
    cpuSince()
    t = performance.now()
    lat = await pool(hashes, async (h) => void (await gateway.get(h)))
    report("get via gateway (remote, verified)", size, n, performance.now() - t, lat)
    const other = blocks.map((b) => Buffer.concat([b, Buffer.from([1])]))
    cpuSince()
    t = performance.now()
    lat = await pool(other, (b) => base.write(sha256Hex(b), b))
    report("baseline: local BlockStore.write", size, n, performance.now() - t, lat)
    console.log(`  ratio put / local write throughput: ${((performance.now() - t) / putMs).toFixed(2)}`)
  }
  clearInterval(sampler)
  console.log(`rss after: ${rss()} MiB; peak bytes in the gateway's put budget: ${(peakBudget / MiB).toFixed(1)} MiB`)
  await cluster.close()
  await rm(base.dir, { recursive: true, force: true })
}

void main()
