// npm run bench:s3 — S3 throughput and latency of Pollen against two baselines, in one run:
// the npm package s3rver (a Node.js single-node S3 server) and a bare Node HTTP server that
// only writes request bodies to files (the machine's limit for this shape of work). Pollen
// runs as 1 and as 3 `pollen server` processes (bench/s3/pollen.ts: real nodes, a layout
// and a key applied through the admin API); each baseline in its own child process
// (bench/s3/target.ts); this process is the client and stops every child at the end.
//   4 KiB objects, concurrency 16: PUT and GET ops/s, p50 and p99 latency.
//   64 MiB objects, one at a time: PUT and GET MiB/s.
// Requests are SigV4-signed (UNSIGNED-PAYLOAD) the same way for every server.
// Usage: npm run bench:s3 [-- --small-ops=2000 --large-objects=3 --targets=pollen-3,s3rver,bare --endpoints=all|one --rounds=1]
// --rounds=N runs the targets N times in turn; ratios are then the median of the N paired
// ratios (each round's Pollen over the same round's baseline), which the load of other jobs
// on a shared machine moves much less than single figures.
// Profile the servers: BENCH_TARGET_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:s3
import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { Agent, request } from "node:http"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { canonicalRequest, sign, signingKey, stringToSign } from "../src/api/s3/sigv4-canonical.ts"
import { procMemory } from "./cluster/protocol.ts"
import { startPollen, type Endpoint } from "./s3/pollen.ts"

// Targets, in run order: Pollen with one node and with three (replication factor 3), each
// with fsync on (the default configuration) and off (what the baselines do), then the baselines.
// bare-3 is three bare processes, each forwarding every PUT it receives to the other two and
// answering when all three wrote it: the floor of any store that keeps three full copies.
const ALL_TARGETS = ["pollen", "pollen-nofsync", "pollen-3", "pollen-3-nofsync", "s3rver", "bare", "bare-3"] as const
const BASELINES = ["s3rver", "bare", "bare-3"] as const

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const SMALL_OPS = Number(arg("small-ops", "2000"))
const LARGE_OBJECTS = Number(arg("large-objects", "3"))
const TARGETS = arg("targets", ALL_TARGETS.join(",")).split(",")
const ROUNDS = Number(arg("rounds", "1"))
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error("--rounds must be a positive integer")
// How the client reaches a multi-node target: "all" spreads requests over every node's S3
// endpoint round-robin (what clients of a cluster do, through DNS or their own lists), "one"
// sends everything to node 0 (one endpoint behind a load balancer that never balances).
const SPREAD = arg("endpoints", "all")
if (SPREAD !== "all" && SPREAD !== "one") throw new Error("--endpoints must be all or one")
const CONCURRENCY = 16
const SMALL = 4096
const LARGE = 64 * 1024 * 1024
const BUCKET = "bench"

// ---- child processes: every one the bench starts is tracked and killed at the end, on errors
// and on SIGINT/SIGTERM (SIGKILL for any still alive when this process exits).
const live = new Set<ChildProcess>()
// BENCH_TARGET_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the servers.
const nodeArgs = (process.env["BENCH_TARGET_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "")
const spawnTracked = (args: readonly string[], stdin: "ignore" | "pipe" = "ignore"): ChildProcess => {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: [stdin, "pipe", "pipe"] })
  live.add(child)
  child.once("exit", () => live.delete(child))
  return child
}
const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const force = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.once("exit", () => {
      clearTimeout(force)
      resolve()
    })
    child.kill("SIGTERM")
  })
const stopAll = () => Promise.all([...live].map(stopChild))
let currentDir: string | undefined // the running target's data, removed on SIGINT/SIGTERM too
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL")
})
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.error(`bench:s3: ${signal}, stopping the servers`)
    stopAll()
      .then(() => (currentDir === undefined ? undefined : rm(currentDir, { recursive: true, force: true })))
      .finally(() => process.exit(130))
  })

interface Target {
  readonly endpoints: readonly Endpoint[]
  readonly children: readonly ChildProcess[]
}

/** A child's stdout lines, one at a time; rejects if the child exits first. */
const linesOf = (child: ChildProcess, kind: string) => {
  const rl = createInterface({ input: child.stdout! })
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${kind} exited with ${code} before it was ready`))))
  exited.catch(() => {})
  const it = rl[Symbol.asyncIterator]()
  return async (): Promise<string> => {
    const next = await Promise.race([it.next(), exited])
    if (next.done === true) throw new Error(`${kind} closed its output before it was ready`)
    return next.value as string
  }
}

/** s3rver and bare: one child running bench/s3/target.ts, which prints its endpoint; bare-3: three, told of each other. */
const startBaseline = async (kind: string, dir: string): Promise<Target> => {
  const script = fileURLToPath(new URL("./s3/target.ts", import.meta.url))
  const replicas = kind === "bare-3" ? 3 : 1
  const children = Array.from({ length: replicas }, (_, i) =>
    spawnTracked(["--import", "tsx", script, replicas > 1 ? "bare-replica" : kind, replicas > 1 ? join(dir, String(i)) : dir], replicas > 1 ? "pipe" : "ignore"),
  )
  const next = children.map((child) => {
    child.stderr!.pipe(process.stderr)
    return linesOf(child, kind)
  })
  const endpoints = await Promise.all(next.map(async (line) => JSON.parse(await line()) as Endpoint))
  if (replicas > 1) {
    children.forEach((child, i) => child.stdin!.write(`${JSON.stringify(endpoints.filter((_, j) => j !== i).map((e) => e.url))}\n`))
    await Promise.all(next.map((line) => line())) // "peers": each knows the other two
  }
  return { endpoints: SPREAD === "all" ? endpoints : endpoints.slice(0, 1), children }
}

const startTarget = async (kind: string, dir: string): Promise<Target> => {
  const m = /^pollen(?:-(\d+))?(-nofsync)?$/.exec(kind)
  if (m === null) return startBaseline(kind, dir)
  const { endpoints, procs } = await startPollen(spawnTracked, dir, Number(m[1] ?? "1"), m[2] === undefined)
  return { endpoints: SPREAD === "all" ? endpoints : endpoints.slice(0, 1), children: procs }
}

// ---- a minimal SigV4 client ---------------------------------------------------------------
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

const signedHeaders = (e: Endpoint, method: string, path: string, extra: Record<string, string>): Record<string, string> => {
  const host = new URL(e.url).host
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
  const headers = new Map<string, string>([["host", host], ["x-amz-content-sha256", "UNSIGNED-PAYLOAD"], ["x-amz-date", amzDate]])
  const names = [...headers.keys()].sort()
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`
  const canonical = canonicalRequest(method, path, "", headers, names, "UNSIGNED-PAYLOAD")
  const signature = sign(signingKey(e.secret, amzDate.slice(0, 8), "us-east-1", "s3"), stringToSign(amzDate, scope, canonical))
  return {
    ...Object.fromEntries(headers),
    ...extra,
    authorization: `AWS4-HMAC-SHA256 Credential=${e.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  }
}

/** One request; resolves to the status and the number of body bytes received. */
const call = (e: Endpoint, method: string, path: string, body?: Buffer): Promise<{ status: number; bytes: number }> =>
  new Promise((resolve, reject) => {
    const headers = signedHeaders(e, method, path, body === undefined ? {} : { "content-length": String(body.length) })
    const req = request(`${e.url}${path}`, { method, headers, agent }, (res) => {
      let bytes = 0
      res.on("data", (c: Buffer) => (bytes += c.length))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

interface SmallResult {
  readonly opsPerSec: number
  readonly p50: number
  readonly p99: number
  /** CPU time (user + system) the target's processes spent per operation, ms. */
  readonly cpuMsPerOp: number
  /** The part of cpuMsPerOp spent in the kernel (system time). */
  readonly kernelMsPerOp: number
  /** CPU time of this process, the client, per operation, ms: it shares the machine's cores with the target. */
  readonly clientMsPerOp: number
  /** The same per process (multi-node targets: with --endpoints=one, node 0 coordinates and the others are replicas only). */
  readonly cpuMsPerOpByProcess: readonly number[]
}

// CPU seconds a process used so far (/proc/<pid>/stat utime + stime, or stime alone: time in
// the kernel, for socket and file I/O and page faults; Linux).
const TICKS_PER_SECOND = 100
const cpuSecondsOf = (pids: readonly number[], only?: "kernel"): number => {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ticks += (only === "kernel" ? 0 : Number(fields[11])) + Number(fields[12])
    } catch {
      return Number.NaN
    }
  }
  return ticks / TICKS_PER_SECOND
}
let targetPids: readonly number[] = []
/**
 * How long the bench waits after a target's phases before reading its RSS again
 * (BENCH_IDLE_MS): long enough for a node's idle GC (one quiet 10 s period after a busy one).
 */
const IDLE_MS = Number(process.env["BENCH_IDLE_MS"] ?? 25_000)
/** Resident memory of each of the target's processes, MiB (NaN once a process is gone). */
const rssMiBOf = async (pids: readonly number[]): Promise<number[]> =>
  Promise.all(pids.map(async (pid) => ((await procMemory(pid))?.rss ?? Number.NaN) / (1 << 20)))

/** `ops` requests with at most CONCURRENCY in flight; latencies in ms. */
const runConcurrent = async (ops: number, one: (i: number) => Promise<void>): Promise<SmallResult> => {
  const latencies: number[] = []
  let next = 0
  const cpuBefore = cpuSecondsOf(targetPids)
  const kernelBefore = cpuSecondsOf(targetPids, "kernel")
  const clientBefore = process.cpuUsage()
  const byProcessBefore = targetPids.map((pid) => cpuSecondsOf([pid]))
  const started = process.hrtime.bigint()
  const worker = async () => {
    for (let i = next++; i < ops; i = next++) {
      const t0 = process.hrtime.bigint()
      await one(i)
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort((a, b) => a - b)
  const cpuMsPerOp = ((cpuSecondsOf(targetPids) - cpuBefore) * 1000) / ops
  const kernelMsPerOp = ((cpuSecondsOf(targetPids, "kernel") - kernelBefore) * 1000) / ops
  const client = process.cpuUsage(clientBefore)
  const clientMsPerOp = (client.user + client.system) / 1000 / ops
  const cpuMsPerOpByProcess = targetPids.map((pid, i) => ((cpuSecondsOf([pid]) - byProcessBefore[i]!) * 1000) / ops)
  return { opsPerSec: ops / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuMsPerOp, kernelMsPerOp, clientMsPerOp, cpuMsPerOpByProcess }
}

interface TargetResult {
  readonly smallPut: SmallResult
  readonly smallGet: SmallResult
  readonly largePutMiBs: number
  readonly largeGetMiBs: number
  /** CPU time of the target's processes per MiB moved, ms, and the part of it in the kernel. */
  readonly largePutCpuMsPerMiB: number
  readonly largePutKernelMsPerMiB: number
  readonly largePutCpuMsPerMiBByProcess: readonly number[]
  readonly largeGetCpuMsPerMiB: number
}

const expectStatus = (what: string, got: { status: number; bytes: number }, status: number, bytes?: number) => {
  if (got.status !== status || (bytes !== undefined && got.bytes !== bytes))
    throw new Error(`${what}: HTTP ${got.status}, ${got.bytes} bytes (expected ${status}${bytes === undefined ? "" : `, ${bytes} bytes`})`)
}

/** Request i goes to endpoint i mod n (one endpoint: all to it). */
const measure = async (es: readonly Endpoint[], smallBodies: readonly Buffer[], large: Buffer): Promise<TargetResult> => {
  const at = (i: number) => es[i % es.length]!
  expectStatus("create bucket", await call(es[0]!, "PUT", `/${BUCKET}`), 200)
  // Warm-up (connections, JIT, first files), not measured.
  await runConcurrent(200, async (i) => expectStatus("warm-up", await call(at(i), "PUT", `/${BUCKET}/warm/${i}`, smallBodies[i % smallBodies.length]), 200))
  const smallPut = await runConcurrent(SMALL_OPS, async (i) => expectStatus("small PUT", await call(at(i), "PUT", `/${BUCKET}/small/${i}`, smallBodies[i]), 200))
  // GETs go round-robin too, shifted by one: each object is read through another node than the one it was written through.
  const smallGet = await runConcurrent(SMALL_OPS, async (i) => expectStatus("small GET", await call(at(i + 1), "GET", `/${BUCKET}/small/${i}`), 200, SMALL))
  let cpu0 = cpuSecondsOf(targetPids)
  const kernel0 = cpuSecondsOf(targetPids, "kernel")
  const byProcess0 = targetPids.map((pid) => cpuSecondsOf([pid]))
  let t0 = process.hrtime.bigint()
  for (let i = 0; i < LARGE_OBJECTS; i++) {
    large.writeUInt32BE(i, 0) // distinct objects, so no store can deduplicate them
    expectStatus("large PUT", await call(at(i), "PUT", `/${BUCKET}/large/${i}`, large), 200)
  }
  const largeMiB = (LARGE_OBJECTS * LARGE) / (1024 * 1024)
  const largePutMiBs = largeMiB / (Number(process.hrtime.bigint() - t0) / 1e9)
  const largePutCpuMsPerMiB = ((cpuSecondsOf(targetPids) - cpu0) * 1000) / largeMiB
  const largePutKernelMsPerMiB = ((cpuSecondsOf(targetPids, "kernel") - kernel0) * 1000) / largeMiB
  const largePutCpuMsPerMiBByProcess = targetPids.map((pid, i) => ((cpuSecondsOf([pid]) - byProcess0[i]!) * 1000) / largeMiB)
  cpu0 = cpuSecondsOf(targetPids)
  t0 = process.hrtime.bigint()
  for (let i = 0; i < LARGE_OBJECTS; i++) expectStatus("large GET", await call(at(i + 1), "GET", `/${BUCKET}/large/${i}`), 200, LARGE)
  const largeGetMiBs = largeMiB / (Number(process.hrtime.bigint() - t0) / 1e9)
  const largeGetCpuMsPerMiB = ((cpuSecondsOf(targetPids) - cpu0) * 1000) / largeMiB
  return { smallPut, smallGet, largePutMiBs, largeGetMiBs, largePutCpuMsPerMiB, largePutKernelMsPerMiB, largePutCpuMsPerMiBByProcess, largeGetCpuMsPerMiB }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const cpuText = (r: SmallResult): string =>
  r.cpuMsPerOp.toFixed(2) +
  (r.cpuMsPerOpByProcess.length > 1 ? ` (${r.cpuMsPerOpByProcess.map((x) => x.toFixed(2)).join("+")})` : "") +
  ` ms/op, ${r.kernelMsPerOp.toFixed(2)} in the kernel, client ${r.clientMsPerOp.toFixed(2)}`

const main = async () => {
  console.log(`bench:s3 — 4 KiB × ${SMALL_OPS} at concurrency ${CONCURRENCY}; 64 MiB × ${LARGE_OBJECTS} sequential; multi-node targets: ${SPREAD === "all" ? "requests round-robin over every node" : "every request to node 0"}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
  const smallBodies = Array.from({ length: SMALL_OPS }, () => randomBytes(SMALL))
  const large = randomBytes(LARGE)
  const rounds: Array<Map<string, TargetResult>> = []
  for (let round = 0; round < ROUNDS; round++) {
    const results = new Map<string, TargetResult>()
    rounds.push(results)
    if (ROUNDS > 1) console.log(`round ${round + 1} of ${ROUNDS}`)
    for (const kind of TARGETS) {
      const dir = await mkdtemp(join(tmpdir(), `pollen-bench-${kind}-`))
      currentDir = dir
      try {
        const { endpoints, children } = await startTarget(kind, dir)
        targetPids = children.map((c) => c.pid ?? 0)
        const r = await measure(endpoints, smallBodies, large)
        results.set(kind, r)
        const busy = await rssMiBOf(targetPids)
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
        const idle = await rssMiBOf(targetPids)
        console.log(
          `${kind.padEnd(15)} small PUT ${r.smallPut.opsPerSec.toFixed(0).padStart(6)} ops/s p50 ${r.smallPut.p50.toFixed(2)} ms p99 ${r.smallPut.p99.toFixed(2)} ms cpu ${cpuText(r.smallPut)} | ` +
            `small GET ${r.smallGet.opsPerSec.toFixed(0).padStart(6)} ops/s p50 ${r.smallGet.p50.toFixed(2)} ms p99 ${r.smallGet.p99.toFixed(2)} ms cpu ${cpuText(r.smallGet)} | ` +
            `64 MiB PUT ${r.largePutMiBs.toFixed(0)} MiB/s (cpu ${r.largePutCpuMsPerMiB.toFixed(1)}${r.largePutCpuMsPerMiBByProcess.length > 1 ? ` (${r.largePutCpuMsPerMiBByProcess.map((x) => x.toFixed(1)).join("+")})` : ""} ms/MiB, ${r.largePutKernelMsPerMiB.toFixed(1)} in the kernel) GET ${r.largeGetMiBs.toFixed(0)} MiB/s (cpu ${r.largeGetCpuMsPerMiB.toFixed(1)} ms/MiB) | ` +
            `RSS MiB per process after the run ${busy.map((x) => x.toFixed(0)).join("/")}, ${IDLE_MS / 1000} s later ${idle.map((x) => x.toFixed(0)).join("/")}`,
        )
      } finally {
        agent.destroy()
        await stopAll()
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
  // Each ratio is the median over the rounds of that round's Pollen figure over the same round's baseline figure.
  const ratio = (kind: string, base: string, figure: (r: TargetResult) => number): number =>
    median(rounds.map((results) => figure(results.get(kind)!) / figure(results.get(base)!)))
  const present = (kind: string) => rounds[0]!.has(kind)
  console.log(`\nratios (throughput: Pollen / baseline, higher is better; latency: Pollen / baseline, lower is better${ROUNDS > 1 ? `; median of ${ROUNDS} paired rounds` : ""})`)
  for (const kind of TARGETS.filter((k) => k.startsWith("pollen"))) {
    for (const base of BASELINES.filter(present)) {
      const r = (figure: (x: TargetResult) => number) => ratio(kind, base, figure).toFixed(2)
      console.log(
        `${kind} / ${base}: small PUT ${r((x) => x.smallPut.opsPerSec)}× (p50 ${r((x) => x.smallPut.p50)}, p99 ${r((x) => x.smallPut.p99)}), ` +
          `small GET ${r((x) => x.smallGet.opsPerSec)}× (p50 ${r((x) => x.smallGet.p50)}, p99 ${r((x) => x.smallGet.p99)}), ` +
          `64 MiB PUT ${r((x) => x.largePutMiBs)}×, GET ${r((x) => x.largeGetMiBs)}×`,
      )
    }
  }
  if (present("bare") && present("bare-3")) {
    const r = (figure: (x: TargetResult) => number) => ratio("bare-3", "bare", figure).toFixed(2)
    console.log(`bare-3 / bare (three full copies at the least cost, against one): small PUT ${r((x) => x.smallPut.opsPerSec)}×, 64 MiB PUT ${r((x) => x.largePutMiBs)}×`)
  }
  // The issue's targets: 3-node Pollen at least as fast as single-node s3rver on small PUT and
  // GET; large-object throughput at least half of the bare server's.
  for (const kind of TARGETS.filter((k) => k.startsWith("pollen-3"))) {
    const met = (ok: boolean) => (ok ? "met" : "NOT met")
    const parts: string[] = []
    if (present("s3rver"))
      parts.push(
        `small PUT ≥ s3rver ${met(ratio(kind, "s3rver", (x) => x.smallPut.opsPerSec) >= 1)}`,
        `small GET ≥ s3rver ${met(ratio(kind, "s3rver", (x) => x.smallGet.opsPerSec) >= 1)}`,
      )
    if (present("bare"))
      parts.push(
        `64 MiB PUT ≥ bare/2 ${met(ratio(kind, "bare", (x) => x.largePutMiBs) >= 0.5)}`,
        `64 MiB GET ≥ bare/2 ${met(ratio(kind, "bare", (x) => x.largeGetMiBs) >= 0.5)}`,
      )
    if (parts.length > 0) console.log(`targets, ${kind}: ${parts.join("; ")}`)
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
}

await main().catch(async (error: unknown) => {
  console.error(error)
  await stopAll()
  process.exit(1)
})
