// Idle resident memory of one `pollen server` node, as docs/benchmarks.md ("Node memory")
// measures it: `node bin/pollen server` with the default configuration except that every
// port is 0 (so it runs beside other nodes), a fresh data directory, no requests; VmRSS,
// RssAnon and RssFile from /proc/<pid>/status after BENCH_IDLE_SECS (30). Runs the bundle
// (bin/pollen's default) and then the sources through tsx's loader (POLLEN_TSX=1).
// Usage: npx tsx bench/cluster/server-rss.ts
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { procMemory } from "./protocol.ts"

const IDLE_SECS = Number(process.env.BENCH_IDLE_SECS ?? 30)
const bin = join(import.meta.dirname, "../../bin/pollen")
const mib = (b: number) => (b / (1 << 20)).toFixed(1)

const measure = async (label: string, env: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "pollen-server-rss-"))
  writeFileSync(
    join(dir, "pollen.toml"),
    'rpc_bind_addr = "127.0.0.1:0"\n[s3_api]\napi_bind_addr = "127.0.0.1:0"\n[admin]\napi_bind_addr = "127.0.0.1:0"\n',
  )
  const proc = spawn(process.execPath, [bin, "server", "-c", "pollen.toml"], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()))
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()))
  const t0 = performance.now()
  while (!out.includes("Node:")) {
    if (proc.exitCode !== null) throw new Error(`${label}: the node exited:\n${out}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  const startMs = performance.now() - t0
  await new Promise((r) => setTimeout(r, IDLE_SECS * 1000))
  const m = await procMemory(proc.pid!)
  proc.kill("SIGTERM")
  await new Promise((r) => proc.once("exit", r))
  rmSync(dir, { recursive: true, force: true })
  console.log(
    `${label.padEnd(28)} ready after ${startMs.toFixed(0)} ms; after ${IDLE_SECS} s idle: RSS ${mib(m!.rss)} MiB (anonymous ${mib(m!.anon)}, file-backed ${mib(m!.file)}), peak ${mib(m!.hwm)} MiB; load ${loadavg()[0]!.toFixed(2)}`,
  )
}

spawnSync(process.execPath, [bin, "--help"]) // builds dist/cli if it is stale, so start-up is measured without the build
await measure("bundle (bin/pollen default)", {})
await measure("tsx loader (POLLEN_TSX=1)", { POLLEN_TSX: "1" })
