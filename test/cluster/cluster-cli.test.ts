// Three real `pollen server` processes on 127.0.0.1 form a cluster from bootstrap peers; a
// layout is assigned and applied through the CLI and `pollen status` shows every node up on
// the same layout version. A node stopped while a new layout is applied learns it when it
// comes back (from its persisted peer list, without bootstrap peers), and a node with the
// wrong RPC secret is refused.
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it, vi } from "vitest"
import { commands } from "../../src/cli/commands.ts"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"
import { freePort } from "../support/net.ts"

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), "pollen-cluster-cli-"))
const TOKEN = "cluster-test-token"
const children: ChildProcess[] = []
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM")
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : undefined)))
  rmSync(dir, { recursive: true, force: true })
})


const until = async (check: () => Promise<boolean> | boolean, what: string, ms = 60_000, rethrowExit = false) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const ok = await Promise.resolve()
      .then(check)
      .catch((e: Error) => {
        if (rethrowExit && / exited with /.test(e.message)) throw e
        return false
      })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

interface TestNode {
  id: string
  name: string
  admin: string
  rpc: string
  config: string
  proc?: ChildProcess
  log: string
}

const makeNode = async (name: string): Promise<TestNode> => {
  const data = join(dir, name)
  mkdirSync(join(data, "meta"), { recursive: true })
  const [rpc, admin] = await Promise.all([freePort(), freePort()])
  // The node key is created ahead of the start so that the peers' configs can name it.
  return { id: loadOrCreateIdentity(join(data, "meta")).id, name, admin: `127.0.0.1:${admin}`, rpc: `127.0.0.1:${rpc}`, config: join(dir, `${name}.toml`), log: "" }
}

const writeConfig = (n: TestNode, secret: string, peers: readonly TestNode[]) =>
  writeFileSync(
    n.config,
    [
      `data_dir = "${join(dir, n.name)}"`,
      "metadata_fsync = false",
      "data_fsync = false",
      `rpc_bind_addr = "${n.rpc}"`,
      `rpc_secret = "${secret}"`,
      `bootstrap_peers = [${peers.map((p) => `"${p.id}@${p.rpc}"`).join(", ")}]`,
      "replication_factor = 3",
      "ping_interval_msecs = 200",
      "node_down_after_msecs = 1500",
      "[s3_api]",
      'api_bind_addr = "127.0.0.1:0"',
      "[admin]",
      `api_bind_addr = "${n.admin}"`,
      `admin_token = "${TOKEN}"`,
      "",
    ].join("\n"),
  )

const startServer = async (n: TestNode) => {
  const proc = spawn(process.execPath, ["bin/pollen", "server", "-c", n.config], { stdio: ["ignore", "pipe", "pipe"] })
  children.push(proc)
  n.proc = proc
  proc.stdout!.on("data", (d: Buffer) => (n.log += d.toString()))
  proc.stderr!.on("data", (d: Buffer) => (n.log += d.toString()))
  // Generous: under a fully loaded machine a cold `tsx` start takes tens of seconds.
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`${n.name} exited with ${proc.exitCode}:\n${n.log}`)
      return (await fetch(`http://${n.admin}/health`)).ok
    },
    `${n.name} to serve its admin API`,
    150_000,
    true,
  )
}

const stopServer = async (n: TestNode) => {
  const exited = new Promise((r) => n.proc!.once("exit", r))
  n.proc!.kill("SIGTERM")
  await exited
}

const admin = async (n: TestNode, endpoint: string): Promise<any> => {
  const r = await fetch(`http://${n.admin}/v2/${endpoint}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  if (!r.ok) throw new Error(`${endpoint}: HTTP ${r.status}`)
  return r.json()
}

/** The real `pollen` binary (slow to start under load: used once). */
const pollenBinary = async (n: TestNode, ...args: string[]) =>
  (await run(process.execPath, ["bin/pollen", ...args, "--admin-url", `http://${n.admin}`, "--token", TOKEN], { timeout: 60_000 })).stdout

/** The same CLI command modules, run in this process with their output captured. */
const cli = async (n: TestNode, name: string, ...args: string[]): Promise<string> => {
  const lines: string[] = []
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")))
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")))
  try {
    const code = await (await commands[name]!.load()).run([...args, "--admin-url", `http://${n.admin}`, "--token", TOKEN])
    if (code !== 0) throw new Error(`pollen ${name} ${args.join(" ")} exited with ${code}: ${lines.join("\n")}`)
  } finally {
    log.mockRestore()
    error.mockRestore()
  }
  return `${lines.join("\n")}\n`
}

/** Node `n` sees every node of `ids` up, on layout version `version`. */
const sees = async (n: TestNode, ids: readonly string[], version: number) => {
  const s = await admin(n, "GetClusterStatus")
  return s.layoutVersion === version && ids.every((id) => s.nodes.some((x: any) => x.id === id && x.isUp && x.layoutVersion === version))
}

describe("a three-node cluster of real processes", () => {
  it("forms from bootstrap peers, takes a layout through the CLI, and a restarted node catches up", async () => {
    const secret = randomBytes(32).toString("hex")
    const nodes = await Promise.all(["n0", "n1", "n2"].map(makeNode))
    for (const n of nodes) writeConfig(n, secret, nodes.filter((p) => p !== n))
    await Promise.all(nodes.map(startServer))
    const ids = nodes.map((n) => n.id)
    await until(() => sees(nodes[0]!, ids, 0), "node 0 to see all three nodes up")

    expect((await pollenBinary(nodes[0]!, "node", "id", "-q")).trim()).toBe(`${nodes[0]!.id}@${nodes[0]!.rpc}`)
    // Prefixes of the ids, as an operator would type them.
    await cli(nodes[0]!, "layout", "assign", "-z", "dc1", "-c", "1G", ...ids.map((id) => id.slice(0, 12)))
    expect(await cli(nodes[0]!, "layout", "show")).toMatch(/Version 1 would be:/)
    expect(await cli(nodes[0]!, "layout", "apply", "--version", "1")).toMatch(/Layout version 1 committed/)
    for (const n of nodes) await until(() => sees(n, ids, 1), `${n.name} to see every node on version 1`)
    const status = await cli(nodes[1]!, "status")
    expect(status).toMatch(/^Cluster: healthy/)
    for (const id of ids) expect(status).toMatch(new RegExp(`^${id.slice(0, 16)} .* dc1 .* v1 +up$`, "m"))

    // Node 2 stops; version 2 is applied without it (2 of 3 voters); the transition waits for it.
    await stopServer(nodes[2]!)
    await until(async () => (await admin(nodes[0]!, "GetClusterStatus")).nodes.some((x: any) => x.id === ids[2] && !x.isUp), "node 0 to see node 2 down")
    await cli(nodes[0]!, "layout", "assign", "-z", "dc2", "-c", "2G", ids[0]!.slice(0, 12))
    expect(await cli(nodes[0]!, "layout", "apply", "--version", "2")).toMatch(/Layout version 2 committed/)
    const during = await cli(nodes[0]!, "status")
    expect(during).toMatch(/^Cluster: degraded/)
    expect(during).toMatch(/Layout transition to version 2 \(reads from version 1\)/)

    // It comes back with no bootstrap peers: it finds the cluster from its persisted peer list.
    writeConfig(nodes[2]!, secret, [])
    await startServer(nodes[2]!)
    for (const n of nodes) await until(() => sees(n, ids, 2), `${n.name} to see every node on version 2`)
    await until(async () => (await admin(nodes[0]!, "GetClusterLayoutHistory")).versions.length === 1, "version 1 to be retired")
    const after = await cli(nodes[0]!, "status")
    expect(after).toMatch(/^Cluster: healthy/)
    expect(after).not.toMatch(/Layout transition/)
    expect(after).toMatch(new RegExp(`^${ids[0]!.slice(0, 16)} .* dc2 .* v2 +up$`, "m"))

    // A node with the wrong secret is refused at the handshake and never joins.
    const intruder = await makeNode("intruder")
    writeConfig(intruder, randomBytes(32).toString("hex"), [nodes[0]!])
    await startServer(intruder)
    await until(() => nodes[0]!.log.includes("refused: peer does not know the cluster secret"), "node 0 to refuse the intruder")
    expect((await admin(nodes[0]!, "GetClusterStatus")).nodes.map((x: any) => x.id)).not.toContain(intruder.id)
    expect((await admin(intruder, "GetClusterStatus")).nodes.find((x: any) => x.id === ids[0])?.isUp).toBe(false)
  }, 600_000)
})
