// `npm run bench:cluster`: three storage nodes, each its own process (rf 3, consistent
// mode, 256 partitions, LMDB and block files fsynced), and this process as a gateway node
// that holds no partition and drives the load over the real authenticated RPC on 127.0.0.1:
//
//   4 KiB values as object-table rows (a Complete version with Inline data, what an S3 PUT
//   of a small object writes): quorum writes (W = 2 of 3), then quorum reads (R = 2 of 3);
//   1 MiB values as blocks: BlockManager.put (every replica remote, quorum 2 fsynced),
//   then BlockManager.get (remote, hedged, SHA-256 verified).
//
// Each phase runs at concurrency 16 for BENCH_OPS operations (4 KiB) or BENCH_BLOCKS (1 MiB),
// or until BENCH_PHASE_SECS have passed. Printed per phase: ops/s, MiB/s, p50/p99 latency;
// per storage node: resident memory (VmRSS) idle after start, peak under load (sampled
// every 50 ms, plus the kernel's VmHWM), after the load settles, and after a full GC; the
// 1-minute load average at each step. The storage nodes run the esbuild bundle of
// bench/cluster/node.ts (as bin/pollen runs the CLI); BENCH_CLUSTER_TSX=1 runs them through
// tsx's loader instead, for comparison; BENCH_NODE_ARGS adds node flags to the storage nodes.
import { fork, type ChildProcess } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { ensureBuilt } from "../scripts/build.mjs"
import type { ObjectRow } from "../src/core/table/pollen/index.ts"
import { fixedPlacement } from "../src/node/cluster/interfaces.ts"
import type { PeerAddress } from "../src/node/table/static-cluster-rpc.ts"
import { host, listen } from "./cluster/host.ts"
import { procMemory, type FromNode, type Memory, type ToNode } from "./cluster/protocol.ts"

const CONCURRENCY = 16
const MiB = 1 << 20
const SMALL = 4096
const OPS = Number(process.env.BENCH_OPS ?? 4000)
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 300)
const PHASE_SECS = Number(process.env.BENCH_PHASE_SECS ?? 60)
const IDLE_SECS = Number(process.env.BENCH_IDLE_SECS ?? 10)
const SETTLE_SECS = Number(process.env.BENCH_SETTLE_SECS ?? 15)
const TSX = process.env.BENCH_CLUSTER_TSX === "1"
/** Extra node flags for the storage nodes, e.g. BENCH_NODE_ARGS="--max-semi-space-size=2". */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const load = () => loadavg()[0]!.toFixed(2)
const mib = (bytes: number) => (bytes / MiB).toFixed(1)

// ---- the storage node processes --------------------------------------------------------

interface StorageNode {
  readonly proc: ChildProcess
  readonly dir: string
  id: string
  port: number
  peakRss: number
  next<T extends FromNode["type"]>(type: T): Promise<Extract<FromNode, { type: T }>>
  send(m: ToNode): void
}

const root = mkdtempSync(join(tmpdir(), "pollen-bench-cluster-"))
const secret = randomBytes(32)
const nodeEntry = TSX ? join(import.meta.dirname, "cluster/node.ts") : await ensureBuilt("bench-cluster-node", "bench/cluster/node.ts")

const spawnNode = (i: number): StorageNode => {
  const dir = join(root, `node${i}`)
  const proc = fork(nodeEntry, [], {
    execArgv: ["--expose-gc", ...NODE_ARGS, ...(TSX ? ["--import", "tsx"] : [])],
    env: { ...process.env, BENCH_NODE_DIR: dir, BENCH_SECRET: secret.toString("hex") },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
  const waiting = new Map<string, (m: FromNode) => void>()
  proc.on("message", (m: FromNode) => {
    const w = waiting.get(m.type)
    waiting.delete(m.type)
    w?.(m)
  })
  proc.on("exit", (code) => {
    if (code !== 0 && !stopping) {
      console.error(`storage node ${i} exited with ${code}`)
      process.exit(1)
    }
  })
  return {
    proc,
    dir,
    id: "",
    port: 0,
    peakRss: 0,
    next: (type) => new Promise((resolve) => waiting.set(type, resolve as (m: FromNode) => void)),
    send: (m) => void proc.send(m),
  }
}
let stopping = false

const memoryOf = async (n: StorageNode, gc: boolean): Promise<Memory> => {
  const reply = n.next("memory")
  n.send({ type: "memory", gc })
  return (await reply).memory
}

// ---- start ---------------------------------------------------------------------------------

console.log(`bench:cluster: 3 storage node processes (${TSX ? "tsx loader" : "esbuild bundle"}, node ${process.version}), rf 3, gateway in the driver${NODE_ARGS.length > 0 ? `, node flags ${NODE_ARGS.join(" ")}` : ""}; load average ${load()}`)
const nodes = [0, 1, 2].map(spawnNode)
await Promise.all(
  nodes.map(async (n) => {
    const m = await n.next("listening")
    n.id = m.id
    n.port = m.port
  }),
)
const gatewayDir = join(root, "gateway")
const gatewayListening = await listen(gatewayDir, secret, () => {})
const storage = nodes.map((n) => n.id)
const addressList: Array<[string, number]> = [...nodes.map((n): [string, number] => [n.id, n.port]), [gatewayListening.identity.id, gatewayListening.port]]
await Promise.all(
  nodes.map(async (n) => {
    const hosted = n.next("hosted")
    n.send({ type: "peers", storage, addresses: addressList })
    await hosted
  }),
)
const addresses = new Map<string, PeerAddress>(addressList.map(([id, port]) => [id, { host: "127.0.0.1", port }]))
const gateway = await host(gatewayDir, gatewayListening, addresses, fixedPlacement(storage, 3, 256), () => {})
const objects = gateway.tables.table<ObjectRow>("object")!

type MemRow = { label: string; values: Memory[]; load: string }
const memRows: MemRow[] = []
const snapshot = async (label: string, gc = false) => {
  const values = await Promise.all(nodes.map((n) => memoryOf(n, gc)))
  memRows.push({ label, values, load: load() })
  console.log(
    `${label.padEnd(36)} RSS ${values.map((m) => `${mib(m.vmRss)}`).join(" / ")} MiB  (anon ${values.map((m) => mib(m.rssAnon)).join(" / ")}, file ${values.map((m) => mib(m.rssFile)).join(" / ")}; heap total ${values.map((m) => mib(m.heapTotal)).join(" / ")}, used ${values.map((m) => mib(m.heapUsed)).join(" / ")}, external ${values.map((m) => mib(m.external)).join(" / ")})  load ${load()}`,
  )
}

await sleep(IDLE_SECS * 1000)
await snapshot(`idle, ${IDLE_SECS} s after start`)

// ---- load phases ---------------------------------------------------------------------------

interface PhaseResult {
  label: string
  ops: number
  secs: number
  bytes: number
  p50: number
  p99: number
  load: string
  /** Per storage node, the largest RSS sampled during the phase. */
  peakRss: number[]
}
const overallPeak = [0, 0, 0]
const results: PhaseResult[] = []
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

const sampler = setInterval(() => {
  for (const n of nodes)
    void procMemory(n.proc.pid!).then((m) => {
      if (m !== undefined) n.peakRss = Math.max(n.peakRss, m.rss)
    })
}, 50)

/** Runs `op(i)` for i = 0, 1, ... up to `count` at concurrency 16, or until the phase's time is up. */
const phase = async (label: string, count: number, bytesPerOp: number, op: (i: number) => Promise<void>): Promise<number> => {
  const latencies: number[] = []
  let next = 0
  for (const n of nodes) n.peakRss = 0
  const t0 = performance.now()
  const deadline = t0 + PHASE_SECS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++
        const s = performance.now()
        await op(i)
        latencies.push(performance.now() - s)
      }
    }),
  )
  const secs = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  const r = {
    label,
    ops: latencies.length,
    secs,
    bytes: latencies.length * bytesPerOp,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    load: load(),
    peakRss: nodes.map((n) => n.peakRss),
  }
  results.push(r)
  for (const n of nodes) overallPeak[nodes.indexOf(n)] = Math.max(overallPeak[nodes.indexOf(n)]!, n.peakRss)
  console.log(
    `${label.padEnd(36)} ${String(r.ops).padStart(5)} ops in ${secs.toFixed(1)} s  ${(r.ops / secs).toFixed(0).padStart(5)} ops/s  ${(r.bytes / MiB / secs).toFixed(1).padStart(6)} MiB/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  load ${r.load}; peak RSS ${r.peakRss.map(mib).join(" / ")} MiB`,
  )
  await snapshot(`  after ${label.split(" (")[0]}`)
  return r.ops
}

// 4 KiB values as object rows with inline data.
const bucketId = randomBytes(32).toString("hex")
const smallBody = randomBytes(SMALL)
const objectRow = (i: number): ObjectRow => {
  const bytes = Buffer.from(smallBody)
  bytes.writeUInt32BE(i, 0)
  return {
    bucketId,
    key: `bench/${String(i).padStart(8, "0")}`,
    versions: [
      {
        uuid: randomUUID(),
        ts: { l: Date.now(), c: 0 },
        state: {
          _tag: "Complete",
          data: {
            _tag: "Inline",
            meta: { size: SMALL, etag: `"${i.toString(16)}"`, contentType: "application/octet-stream", headers: {}, userMeta: {}, checksum: null, partSizes: null },
            bytes: new Uint8Array(bytes),
          },
        },
      },
    ],
  }
}
const written = await phase("PUT 4 KiB (object row, W=2 of 3)", OPS, SMALL, (i) => objects.insert(objectRow(i)))
await phase("GET 4 KiB (object row, R=2 of 3)", written, SMALL, async (i) => {
  const row = await objects.get(bucketId, `bench/${String(i).padStart(8, "0")}`)
  const v = row?.versions[0]?.state
  if (v?._tag !== "Complete" || v.data._tag !== "Inline" || v.data.bytes.length !== SMALL) throw new Error(`object ${i} came back wrong`)
})

// 1 MiB values as blocks: distinct contents (the index in the first bytes).
const largeBody = randomBytes(MiB)
const hashes: string[] = []
const stored = await phase("PUT 1 MiB (block, quorum 2 of 3)", BLOCKS, MiB, async (i) => {
  const b = Buffer.from(largeBody)
  b.writeUInt32BE(i, 0)
  hashes[i] = await gateway.blocks.put(b)
})
await phase("GET 1 MiB (block, remote, verified)", stored, MiB, async (i) => {
  const b = await gateway.blocks.get(hashes[i]!)
  if (b.length !== MiB) throw new Error(`block ${i} came back with ${b.length} bytes`)
})
clearInterval(sampler)

// ---- memory after the load -------------------------------------------------------------------

const hwm = await Promise.all(nodes.map((n) => procMemory(n.proc.pid!)))
console.log(`${"peak under load (50 ms samples)".padEnd(36)} RSS ${overallPeak.map(mib).join(" / ")} MiB; VmHWM ${hwm.map((m) => mib(m?.hwm ?? NaN)).join(" / ")} MiB`)
await sleep(SETTLE_SECS * 1000)
await snapshot(`after load, settled ${SETTLE_SECS} s`)
await snapshot("after load, after a full GC", true)

// ---- summary -------------------------------------------------------------------------------

console.log("\n| phase | ops | ops/s | MiB/s | p50 ms | p99 ms | peak RSS per node, MiB | load (1 min) |\n|---|---|---|---|---|---|---|---|")
for (const r of results)
  console.log(
    `| ${r.label} | ${r.ops} | ${(r.ops / r.secs).toFixed(0)} | ${(r.bytes / MiB / r.secs).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.peakRss.map(mib).join(" / ")} | ${r.load} |`,
  )
const cell = (m: Memory) => `${mib(m.vmRss)} (${mib(m.rssAnon)} + ${mib(m.rssFile)})`
console.log("\n| storage node RSS, MiB (anonymous + file-backed) | node 0 | node 1 | node 2 | load (1 min) |\n|---|---|---|---|---|")
for (const row of memRows) console.log(`| ${row.label.trim()} | ${row.values.map(cell).join(" | ")} | ${row.load} |`)
console.log(`| peak under load (sampled every 50 ms) | ${overallPeak.map(mib).join(" | ")} | |`)
console.log(`| peak, VmHWM (includes start) | ${hwm.map((m) => mib(m?.hwm ?? NaN)).join(" | ")} | |`)

stopping = true
await gateway.close()
await Promise.all(
  nodes.map(async (n) => {
    const stopped = n.next("stopped")
    n.send({ type: "stop" })
    await Promise.race([stopped, sleep(10_000)])
    if (n.proc.exitCode === null) await Promise.race([new Promise((r) => n.proc.once("exit", r)), sleep(5_000)])
    if (n.proc.exitCode === null) n.proc.kill()
  }),
)
rmSync(root, { recursive: true, force: true })
