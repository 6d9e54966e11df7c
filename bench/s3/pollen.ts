// Pollen targets for `npm run bench:s3`: N real `pollen server` processes (`node bin/pollen
// server -c <toml>`, the esbuild bundle of the CLI, so plain node without tsx's loader), each
// running startNode, formed into one cluster only through what an operator has: a shared
// rpc_secret, bootstrap_peers naming the other nodes' ids (created ahead with
// loadOrCreateIdentity), the admin API (UpdateClusterLayout + ApplyClusterLayout for the first
// layout, CreateKey allowed to create buckets), then waits until every node has the layout and
// the key. With N = 1 the same path gives the single-node target (replication factor 1).
import type { ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"

export interface Endpoint {
  readonly url: string
  readonly accessKeyId: string
  readonly secret: string
}

/** Spawns a child that the bench tracks (and kills on exit and on errors). */
export type Spawn = (args: readonly string[]) => ChildProcess

const TOKEN = "bench-admin-token"
const BIN = fileURLToPath(new URL("../../bin/pollen", import.meta.url))
/** The node flags of bin/pollen's `#!/usr/bin/env -S node ...` line: the nodes run as `./bin/pollen` would. */
const BIN_FLAGS = (/^#!\/usr\/bin\/env -S node(.*)$/m.exec(readFileSync(BIN, "utf8").split("\n")[0]!)?.[1] ?? "").split(" ").filter((f) => f !== "")

/** A port that was free on 127.0.0.1 a moment ago (RPC ports must be known before the start). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const until = async <T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
  const end = Date.now() + ms
  let last: unknown
  while (Date.now() < end) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (error) {
      last = error
    }
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? "" : ` (last error: ${last instanceof Error ? last.message : String(last)})`}`)
}

interface Node {
  readonly name: string
  readonly proc: ChildProcess
  readonly s3: string
  readonly admin: string
  readonly log: string[]
}

const admin = async (n: Node, endpoint: string, body?: unknown): Promise<any> => {
  const r = await fetch(`${n.admin}/v2/${endpoint}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await r.text()
  if (!r.ok) throw new Error(`${n.name} ${endpoint}: HTTP ${r.status} ${text.slice(0, 300)}`)
  return JSON.parse(text)
}

/** Starts one `pollen server`; resolves once it printed its S3 and admin URLs. */
const startServer = (spawn: Spawn, name: string, config: string): Promise<Node> =>
  new Promise((resolve, reject) => {
    const proc = spawn([...BIN_FLAGS, BIN, "server", "-c", config])
    const log: string[] = []
    let s3: string | undefined
    let adminUrl: string | undefined
    let done = false
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line === "") continue
        log.push(line)
        if (log.length > 40) log.shift()
        s3 ??= /^S3 API:\s+(http:\/\/\S+)/.exec(line)?.[1]
        adminUrl ??= /^Admin API:\s+(http:\/\/\S+)/.exec(line)?.[1]
      }
      if (!done && s3 !== undefined && adminUrl !== undefined) {
        done = true
        resolve({ name, proc, s3, admin: adminUrl, log })
      }
    }
    proc.stdout!.on("data", keep)
    proc.stderr!.on("data", keep)
    // BENCH_NODE_STDERR=1 passes the nodes' stderr through (traces while investigating).
    if (process.env["BENCH_NODE_STDERR"] === "1") proc.stderr!.on("data", (b: Buffer) => process.stderr.write(b))
    proc.once("exit", (code, signal) => {
      if (!done) {
        done = true
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${log.join("\n")}`))
      } else if (code !== 0 && signal !== "SIGTERM") {
        process.stderr.write(`${name} exited (${code ?? signal}); its last lines:\n${log.join("\n")}\n`)
      }
    })
  })

export interface Started {
  readonly endpoints: readonly Endpoint[]
  readonly procs: readonly ChildProcess[]
}

/** `n` nodes (replication factor n) with their data under `dir`; fsync on or off for both metadata and data. */
export const startPollen = async (spawn: Spawn, dir: string, n: number, fsync: boolean): Promise<Started> => {
  const secret = randomBytes(32).toString("hex")
  const rpcPorts = await Promise.all(Array.from({ length: n }, () => freePort()))
  const ids = rpcPorts.map((_, i) => {
    mkdirSync(join(dir, `n${i}`, "meta"), { recursive: true })
    return loadOrCreateIdentity(join(dir, `n${i}`, "meta")).id
  })
  const configs = ids.map((_, i) => {
    const file = join(dir, `n${i}.toml`)
    writeFileSync(
      file,
      [
        `data_dir = "${join(dir, `n${i}`)}"`,
        `metadata_fsync = ${fsync}`,
        `data_fsync = ${fsync}`,
        `rpc_bind_addr = "127.0.0.1:${rpcPorts[i]}"`,
        `rpc_secret = "${secret}"`,
        `bootstrap_peers = [${ids.flatMap((id, j) => (j === i ? [] : [`"${id}@127.0.0.1:${rpcPorts[j]}"`])).join(", ")}]`,
        `replication_factor = ${n}`,
        // Extra top-level settings for experiments, e.g. BENCH_POLLEN_TOML='inline_threshold = 0'.
        ...(process.env["BENCH_POLLEN_TOML"] ?? "").split(";").filter((l) => l.trim() !== ""),
        "[s3_api]",
        'api_bind_addr = "127.0.0.1:0"',
        "[admin]",
        'api_bind_addr = "127.0.0.1:0"',
        `admin_token = "${TOKEN}"`,
        "",
      ].join("\n"),
    )
    return file
  })
  const settled = await Promise.allSettled(configs.map((c, i) => startServer(spawn, `pollen node ${i}`, c)))
  const failed = settled.find((s) => s.status === "rejected")
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
  const nodes = settled.map((s) => (s as PromiseFulfilledResult<Node>).value)
  const procs = nodes.map((x) => x.proc)
  const fail = (error: unknown): never => {
    for (const x of nodes) process.stderr.write(`--- ${x.name}, last lines:\n${x.log.join("\n")}\n`)
    throw error
  }
  try {
    // Every node sees every other up before the first layout: its voters are the nodes in contact.
    for (const x of nodes)
      await until(`${x.name} to see ${n} nodes up`, async () => {
        const s = await admin(x, "GetClusterStatus")
        return (s.nodes as Array<{ isUp: boolean }>).filter((p) => p.isUp).length === n ? true : undefined
      })
    await admin(nodes[0]!, "UpdateClusterLayout", { roles: ids.map((id) => ({ id, zone: "local", capacity: 1e9, tags: [] })) })
    await admin(nodes[0]!, "ApplyClusterLayout", { version: 1 })
    for (const x of nodes)
      await until(`${x.name} to hold layout version 1 and be healthy`, async () => {
        const [s, h] = [await admin(x, "GetClusterStatus"), await admin(x, "GetClusterHealth")]
        return s.layoutVersion === 1 && h.status === "healthy" ? true : undefined
      })
    const key = await admin(nodes[0]!, "CreateKey", { name: "bench", allow: { createBucket: true } })
    const accessKeyId = key.accessKeyId as string
    const secretAccessKey = key.secretAccessKey as string
    // The key is a quorum write; wait until each node's own copy has it, with its permission.
    for (const x of nodes)
      await until(`${x.name} to hold the key`, async () => {
        const k = await admin(x, `GetKeyInfo?id=${accessKeyId}&showSecretKey=true`)
        return k.secretAccessKey === secretAccessKey && k.permissions.createBucket === true ? true : undefined
      })
    return { endpoints: nodes.map((x) => ({ url: x.s3, accessKeyId, secret: secretAccessKey })), procs }
  } catch (error) {
    return fail(error)
  }
}
