// Lifecycle expiration on a real three-node cluster (replication factor 3, every node holds
// every partition): the nodes split the work by partition, so each expired object is
// deleted by exactly one node and every node does a share; a stopped node's share is taken
// by the next holder that is up. The worker's clock is faked; the S3 API keeps the real one.
import { CreateBucketCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { applyInitialLayout } from "../../src/cli/commands/local-cluster.ts"
import type { ObjectRow } from "../../src/core/table/pollen/index.ts"
import { DAY_MS } from "../../src/node/lifecycle.ts"
import { startNode, type RunningNode } from "../../src/node/node.ts"
import { nodeConfigs } from "./node-configs.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-s3-lifecycle-"))
const nodes: Array<RunningNode | undefined> = []
const clients: S3Client[] = []
const B = "lifecycle-cluster"
let clock = Date.now()

beforeAll(async () => {
  const { configs } = await nodeConfigs(dir, 3, { block_delete_delay_secs: 1 })
  nodes.push(...(await Promise.all(configs.map((c) => startNode(c, { log: () => undefined, lifecycle: { now: () => clock } })))))
  await vi.waitFor(() => expect(nodes[0]!.cluster.peers().filter((p) => p.isUp)).toHaveLength(2), { timeout: 20_000, interval: 100 })
  await applyInitialLayout(nodes.map((n) => n!), 1e9)
  await vi.waitFor(() => expect(nodes.map((n) => n!.cluster.placement.currentVersion())).toEqual([1, 1, 1]), { timeout: 20_000, interval: 100 })
  const key = await nodes[0]!.developmentKey()
  await vi.waitFor(() => expect(nodes.map((n) => n!.keys.get(key.id)?.secret)).toEqual([key.secret, key.secret, key.secret]), { timeout: 10_000, interval: 50 })
  for (const n of nodes)
    clients.push(new S3Client({ endpoint: n!.s3Url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: key.id, secretAccessKey: key.secret }, maxAttempts: 1 }))
  await clients[0]!.send(new CreateBucketCommand({ Bucket: B }))
  await clients[1]!.send(new PutBucketLifecycleConfigurationCommand({
    Bucket: B,
    LifecycleConfiguration: { Rules: [{ ID: "exp", Status: "Enabled", Filter: { Prefix: "exp/" }, Expiration: { Days: 1 } }] },
  }))
}, 120_000)

afterAll(async () => {
  for (const c of clients) c.destroy()
  for (const n of nodes) await n?.close().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

/** Writes the keys round-robin through the nodes, then waits until each of `holders` has every row and the rules. */
const putAll = async (keys: readonly string[], holders: readonly number[]) => {
  for (const [i, Key] of keys.entries()) await clients[i % holders.length]!.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }))
  const id = (await nodes[0]!.store.bucketByName(B))!.id
  await vi.waitFor(async () => {
    for (const i of holders) {
      const rows = nodes[i]!.tables.table<ObjectRow>("object")!.store
      expect([i, keys.filter((k) => rows.get(id, k) === undefined)]).toEqual([i, []])
      expect([i, (await nodes[i]!.store.bucketById(id))?.lifecycle?.length]).toEqual([i, 1])
    }
  }, { timeout: 10_000, interval: 50 })
}

const listed = async (c: S3Client) => ((await c.send(new ListObjectsV2Command({ Bucket: B }))).Contents ?? []).map((o) => o.Key).sort()

describe("lifecycle on three nodes", () => {
  it("expires each object exactly once, every node handling its share of the partitions", async () => {
    const expiring = Array.from({ length: 30 }, (_, i) => `exp/${String(i).padStart(2, "0")}`)
    const kept = Array.from({ length: 6 }, (_, i) => `keep/${i}`)
    await putAll([...expiring, ...kept], [0, 1, 2])
    clock = Date.now() + 3 * DAY_MS
    const reports = await Promise.all(nodes.map((n) => n!.lifecycle.runOnce()))
    // Every row was looked at by one node only; each node had some of them.
    expect(reports.reduce((n, r) => n + r.rows, 0)).toBe(36)
    expect(reports.map((r) => r.rows > 0)).toEqual([true, true, true])
    expect(reports.reduce((n, r) => n + r.expired, 0)).toBe(30)
    expect(reports.map((r) => [r.failures, r.complete])).toEqual([[0, true], [0, true], [0, true]])
    expect(await listed(clients[2]!)).toEqual(kept)
    const again = await Promise.all(nodes.map((n) => n!.lifecycle.runOnce()))
    expect(again.map((r) => r.expired)).toEqual([0, 0, 0])
  })

  it("covers the partitions of a node that is down", async () => {
    clock = Date.now()
    const late = Array.from({ length: 30 }, (_, i) => `exp/late-${String(i).padStart(2, "0")}`)
    await putAll(late, [0, 1, 2])
    await nodes[2]!.close()
    nodes[2] = undefined
    await vi.waitFor(() => expect([0, 1].map((i) => nodes[i]!.cluster.peers().filter((p) => p.isUp).length)).toEqual([1, 1]), { timeout: 20_000, interval: 100 })
    clock = Date.now() + 3 * DAY_MS
    const reports = await Promise.all([0, 1].map((i) => nodes[i]!.lifecycle.runOnce()))
    expect(reports.reduce((n, r) => n + r.expired, 0)).toBe(30)
    expect(reports.map((r) => r.failures)).toEqual([0, 0])
    expect((await listed(clients[0]!)).filter((k) => k!.startsWith("exp/"))).toEqual([])
  })
})
