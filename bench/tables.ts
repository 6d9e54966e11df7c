// The table layer on three nodes on 127.0.0.1 (one process, rf 3, consistent mode,
// LMDB with fsync as the default metadata_fsync = true): quorum writes and reads of
// 4 KiB rows at concurrency 16, a listing of a spread table, and anti-entropy catch-up of
// a node that missed the writes. Baseline measured in the same run: the same rows merged
// into one local LMDB table store, no network.
// Usage: npm run bench:tables
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { open, type RootDatabase } from "lmdb"
import { mergeLww } from "../src/core/crdt/index.ts"
import { defineTable, type TableSchema } from "../src/core/table/index.ts"
import { fixedPlacement } from "../src/node/cluster/interfaces.ts"
import { loadOrCreateIdentity } from "../src/node/identity.ts"
import { RpcNode } from "../src/node/rpc/rpc-node.ts"
import { InsertQueue } from "../src/node/table/insert-queue-store.ts"
import { StaticClusterRpc, type PeerAddress } from "../src/node/table/static-cluster-rpc.ts"
import { TableService } from "../src/node/table/table-service.ts"
import { TableStore } from "../src/node/table/table-store.ts"

const ROWS = Number(process.env.BENCH_ROWS ?? 2000)
const CONCURRENCY = 16
const VALUE = randomBytes(2048).toString("hex") // 4 KiB

const Row = Schema.Struct({ pk: Schema.String, sk: Schema.String, ts: Schema.Number, value: Schema.String })
type Row = typeof Row.Type
const schema = (name: string, spread: boolean): TableSchema<Row> =>
  defineTable({
    name,
    replication: "sharded",
    shardBy: spread ? "partitionAndSortKey" : "partitionKey",
    entry: Row,
    partitionKey: (r) => r.pk,
    sortKey: (r) => r.sk,
    merge: (a, b) => (mergeLww({ ts: { l: a.ts, c: 0 }, value: a.value }, { ts: { l: b.ts, c: 0 }, value: b.value }).value === a.value ? a : b),
    isTombstone: () => false,
  })
const schemas = [schema("kv", false), schema("listing", true)]

const dirs: string[] = []
const secret = randomBytes(32)
const addresses = new Map<string, PeerAddress>()
const nodeDirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), "pollen-bench-tables-")))
dirs.push(...nodeDirs)
const ids = nodeDirs.map((d) => loadOrCreateIdentity(d).id)
const placement = fixedPlacement(ids, 3, 256)

interface Node {
  service: TableService
  stop(): Promise<void>
}
const start = async (i: number): Promise<Node> => {
  const identity = loadOrCreateIdentity(nodeDirs[i]!)
  const rpcNode = new RpcNode({ identity, secret, maxFrameBytes: 16 << 20, handshakeTimeoutMs: 5_000, log: () => {} })
  const root: RootDatabase = open({ path: join(nodeDirs[i]!, "meta"), compression: false, maxDbs: 64 })
  const service = new TableService({
    rpc: new StaticClusterRpc(identity.id, rpcNode, addresses),
    placement,
    root,
    consistencyMode: "consistent",
    log: () => {},
    syncIntervalMs: 0,
    gcIntervalMs: 0,
  })
  for (const s of schemas) service.add(s)
  addresses.set(identity.id, { host: "127.0.0.1", port: await rpcNode.listen(0) })
  service.start()
  return {
    service,
    stop: async () => {
      service.stop()
      await rpcNode.close()
      await root.close()
    },
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const run = async (label: string, n: number, op: (i: number) => Promise<unknown>) => {
  const lat: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++
        const s = performance.now()
        await op(i)
        lat.push(performance.now() - s)
      }
    }),
  )
  const secs = (performance.now() - t0) / 1000
  const opsPerSec = n / secs
  console.log(
    `${label.padEnd(34)} ${String(n).padStart(6)} ops  ${opsPerSec.toFixed(0).padStart(6)} ops/s  ` +
      `${((n * 4096) / secs / (1 << 20)).toFixed(1).padStart(5)} MiB/s  p50 ${pct(lat, 50).toFixed(2)} ms  p99 ${pct(lat, 99).toFixed(2)} ms`,
  )
  return opsPerSec
}

const rows = Array.from({ length: ROWS }, (_, i) => ({ pk: `pk-${i}`, sk: "", ts: 1, value: VALUE }))

// Baseline: one local store, same rows, one merge per row.
const baseDir = mkdtempSync(join(tmpdir(), "pollen-bench-tables-"))
dirs.push(baseDir)
const baseRoot = open({ path: baseDir, compression: false, maxDbs: 64 })
const baseStore = new TableStore(baseRoot, schemas[0]!, 256, new InsertQueue(baseRoot))
const baseline = await run("baseline: local LMDB merge", ROWS, async (i) => baseStore.merge([rows[i]!]))
await baseRoot.close()

const nodes = [await start(0), await start(1), await start(2)]
const kv = (n: Node) => n.service.table<Row>("kv")!
const writes = await run("quorum write (W=2 of 3)", ROWS, (i) => kv(nodes[i % 3]!).insert(rows[i]!))
await run("quorum read (R=2 of 3)", ROWS, (i) => kv(nodes[(i + 1) % 3]!).get(`pk-${i}`, ""))

const listing = nodes[0]!.service.table<Row>("listing")!
await listing.insertMany(rows.map((r, i) => ({ pk: "bucket", sk: `obj/${String(i).padStart(6, "0")}`, ts: 1, value: "x" })))
const t0 = performance.now()
let listed = 0
let next: string | undefined = ""
while (next !== undefined) {
  const page: { entries: readonly Row[]; next: string | undefined } = await listing.getRange("bucket", { start: next, limit: 1000 })
  listed += page.entries.length
  next = page.next
}
const listSecs = (performance.now() - t0) / 1000
console.log(`${"listing over 256 partitions".padEnd(34)} ${String(listed).padStart(6)} rows ${(listed / listSecs).toFixed(0).padStart(6)} rows/s (pages of 1000)`)

// Catch-up: node 2 misses ROWS/4 writes, then peers push them.
await nodes[2]!.stop()
const missed = rows.slice(0, ROWS / 4).map((r) => ({ ...r, ts: 2, value: VALUE.toUpperCase() }))
await run("quorum write, one node down", missed.length, (i) => kv(nodes[i % 2]!).insert(missed[i]!))
nodes[2] = await start(2)
const s0 = performance.now()
const reports = await Promise.all([nodes[0]!.service.syncAll(), nodes[1]!.service.syncAll()])
const syncSecs = (performance.now() - s0) / 1000
const sent = reports.reduce((n, r) => n + r.rowsSent, 0)
console.log(`${"anti-entropy catch-up".padEnd(34)} ${String(sent).padStart(6)} rows pushed in ${syncSecs.toFixed(2)} s (${(sent / syncSecs).toFixed(0)} rows/s)`)
console.log(`ratio quorum write / local merge: ${(writes / baseline).toFixed(3)}`)

for (const n of nodes) await n.stop()
for (const d of dirs) rmSync(d, { recursive: true, force: true })
