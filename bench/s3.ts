// npm run bench:s3 — S3 throughput and latency of Pollen against two baselines, in one run:
// the npm package s3rver (a Node.js single-node S3 server) and a bare Node HTTP server that
// only writes request bodies to files (the machine's limit for this shape of work). Each
// server runs in its own child process (bench/s3/target.ts); this process is the client.
//   4 KiB objects, concurrency 16: PUT and GET ops/s, p50 and p99 latency.
//   64 MiB objects, one at a time: PUT and GET MiB/s.
// Requests are SigV4-signed (UNSIGNED-PAYLOAD) the same way for every server.
// Usage: npm run bench:s3 [-- --small-ops=2000 --large-objects=3 --targets=pollen,s3rver,bare]
// Profile the servers: BENCH_TARGET_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:s3
import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { Agent, request } from "node:http"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { canonicalRequest, sign, signingKey, stringToSign } from "../src/api/s3/sigv4-canonical.ts"

// Targets, in run order. Pollen with 3 nodes (rf 3) joins here once the cluster lands: add a
// kind "pollen-3" to bench/s3/target.ts that starts three nodes and prints node 0's endpoint.
const ALL_TARGETS = ["pollen", "pollen-nofsync", "s3rver", "bare"] as const
const BASELINES = ["s3rver", "bare"] as const

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const SMALL_OPS = Number(arg("small-ops", "2000"))
const LARGE_OBJECTS = Number(arg("large-objects", "3"))
const TARGETS = arg("targets", ALL_TARGETS.join(",")).split(",")
const CONCURRENCY = 16
const SMALL = 4096
const LARGE = 64 * 1024 * 1024
const BUCKET = "bench"

interface Endpoint {
  readonly url: string
  readonly accessKeyId: string
  readonly secret: string
}

const startTarget = async (kind: string, dir: string): Promise<{ endpoint: Endpoint; child: ChildProcess }> => {
  const script = fileURLToPath(new URL("./s3/target.ts", import.meta.url))
  // BENCH_TARGET_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the servers.
  const nodeArgs = (process.env["BENCH_TARGET_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "")
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script, kind, dir], { stdio: ["ignore", "pipe", "inherit"] })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.once("line", (l) => resolve(l))
    child.once("exit", (code) => reject(new Error(`${kind} exited with ${code} before it was ready`)))
  })
  return { endpoint: JSON.parse(line) as Endpoint, child }
}

const stopTarget = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

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

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

interface SmallResult {
  readonly opsPerSec: number
  readonly p50: number
  readonly p99: number
}

/** `ops` requests with at most CONCURRENCY in flight; latencies in ms. */
const runConcurrent = async (ops: number, one: (i: number) => Promise<void>): Promise<SmallResult> => {
  const latencies: number[] = []
  let next = 0
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
  return { opsPerSec: ops / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

interface TargetResult {
  readonly smallPut: SmallResult
  readonly smallGet: SmallResult
  readonly largePutMiBs: number
  readonly largeGetMiBs: number
}

const expectStatus = (what: string, got: { status: number; bytes: number }, status: number, bytes?: number) => {
  if (got.status !== status || (bytes !== undefined && got.bytes !== bytes))
    throw new Error(`${what}: HTTP ${got.status}, ${got.bytes} bytes (expected ${status}${bytes === undefined ? "" : `, ${bytes} bytes`})`)
}

const measure = async (e: Endpoint, smallBodies: readonly Buffer[], large: Buffer): Promise<TargetResult> => {
  expectStatus("create bucket", await call(e, "PUT", `/${BUCKET}`), 200)
  // Warm-up (connections, JIT, first files), not measured.
  await runConcurrent(200, async (i) => expectStatus("warm-up", await call(e, "PUT", `/${BUCKET}/warm/${i}`, smallBodies[i % smallBodies.length]), 200))
  const smallPut = await runConcurrent(SMALL_OPS, async (i) => expectStatus("small PUT", await call(e, "PUT", `/${BUCKET}/small/${i}`, smallBodies[i]), 200))
  const smallGet = await runConcurrent(SMALL_OPS, async (i) => expectStatus("small GET", await call(e, "GET", `/${BUCKET}/small/${i}`), 200, SMALL))
  let t0 = process.hrtime.bigint()
  for (let i = 0; i < LARGE_OBJECTS; i++) {
    large.writeUInt32BE(i, 0) // distinct objects, so no store can deduplicate them
    expectStatus("large PUT", await call(e, "PUT", `/${BUCKET}/large/${i}`, large), 200)
  }
  const largePutMiBs = (LARGE_OBJECTS * LARGE) / (1024 * 1024) / (Number(process.hrtime.bigint() - t0) / 1e9)
  t0 = process.hrtime.bigint()
  for (let i = 0; i < LARGE_OBJECTS; i++) expectStatus("large GET", await call(e, "GET", `/${BUCKET}/large/${i}`), 200, LARGE)
  const largeGetMiBs = (LARGE_OBJECTS * LARGE) / (1024 * 1024) / (Number(process.hrtime.bigint() - t0) / 1e9)
  return { smallPut, smallGet, largePutMiBs, largeGetMiBs }
}

const main = async () => {
  console.log(`bench:s3 — 4 KiB × ${SMALL_OPS} at concurrency ${CONCURRENCY}; 64 MiB × ${LARGE_OBJECTS} sequential; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
  const smallBodies = Array.from({ length: SMALL_OPS }, () => randomBytes(SMALL))
  const large = randomBytes(LARGE)
  const results = new Map<string, TargetResult>()
  for (const kind of TARGETS) {
    const dir = await mkdtemp(join(tmpdir(), `pollen-bench-${kind}-`))
    const { endpoint, child } = await startTarget(kind, dir)
    try {
      const r = await measure(endpoint, smallBodies, large)
      results.set(kind, r)
      console.log(
        `${kind.padEnd(15)} small PUT ${r.smallPut.opsPerSec.toFixed(0).padStart(6)} ops/s p50 ${r.smallPut.p50.toFixed(2)} ms p99 ${r.smallPut.p99.toFixed(2)} ms | ` +
          `small GET ${r.smallGet.opsPerSec.toFixed(0).padStart(6)} ops/s p50 ${r.smallGet.p50.toFixed(2)} ms p99 ${r.smallGet.p99.toFixed(2)} ms | ` +
          `64 MiB PUT ${r.largePutMiBs.toFixed(0)} MiB/s GET ${r.largeGetMiBs.toFixed(0)} MiB/s`,
      )
    } finally {
      agent.destroy()
      await stopTarget(child)
      await rm(dir, { recursive: true, force: true })
    }
  }
  console.log("\nratios (throughput: Pollen / baseline, higher is better; latency: Pollen / baseline, lower is better)")
  for (const kind of TARGETS.filter((k) => k.startsWith("pollen"))) {
    const p = results.get(kind)!
    for (const base of BASELINES) {
      const b = results.get(base)
      if (b === undefined) continue
      const r = (x: number, y: number) => (x / y).toFixed(2)
      console.log(
        `${kind} / ${base}: small PUT ${r(p.smallPut.opsPerSec, b.smallPut.opsPerSec)}× (p50 ${r(p.smallPut.p50, b.smallPut.p50)}, p99 ${r(p.smallPut.p99, b.smallPut.p99)}), ` +
          `small GET ${r(p.smallGet.opsPerSec, b.smallGet.opsPerSec)}× (p50 ${r(p.smallGet.p50, b.smallGet.p50)}, p99 ${r(p.smallGet.p99, b.smallGet.p99)}), ` +
          `64 MiB PUT ${r(p.largePutMiBs, b.largePutMiBs)}×, GET ${r(p.largeGetMiBs, b.largeGetMiBs)}×`,
      )
    }
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
}

await main()
