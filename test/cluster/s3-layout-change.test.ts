// A layout change under S3 data: three storage nodes hold a bucket, a fourth joins the
// layout. The layout manager's sync step (table anti-entropy + block resync) must move
// the data so that the old version can be retired, after which the new node holds the
// rows and blocks of its partitions and serves everything even with an old node stopped.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it, vi } from "vitest"
import type { ObjectRow } from "../../src/core/table/pollen/index.ts"
import { blockPartitionOf } from "../../src/node/blocks/block-messages.ts"
import { startNode, type RunningNode } from "../../src/node/node.ts"
import { nodeConfigs } from "./node-configs.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-s3-layout-"))
const nodes: Array<RunningNode | undefined> = []
const clients: S3Client[] = []

afterAll(async () => {
  for (const c of clients) c.destroy()
  for (const n of nodes) await n?.close().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")

describe("S3 data across a layout change", () => {
  it("a node added by layout version 2 receives its partitions' rows and blocks; version 1 is retired", async () => {
    const { ids, configs } = await nodeConfigs(dir, 4)
    for (const c of configs) nodes.push(await startNode(c, { log: () => undefined }))
    const n = (i: number) => nodes[i]!
    await vi.waitFor(() => expect(n(0).cluster.peers().filter((p) => p.isUp)).toHaveLength(3), { timeout: 20_000, interval: 100 })
    const layout = n(0).cluster.layout
    for (const i of [0, 1, 2]) layout.stageRole(ids[i]!, { zone: "dc1", capacity: 1e9, tags: [] })
    await layout.apply(1)
    await vi.waitFor(() => expect(nodes.map((x) => x!.cluster.placement.currentVersion())).toEqual([1, 1, 1, 1]), { timeout: 20_000, interval: 100 })

    const key = await n(0).developmentKey()
    // Full-copy tables live on the nodes of the layout: node 3 gets the key once it joins.
    await vi.waitFor(() => expect([0, 1, 2].every((i) => n(i).keys.get(key.id) !== undefined)).toBe(true), { timeout: 10_000, interval: 50 })
    const client = (i: number) => {
      const c = new S3Client({ endpoint: n(i).s3Url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: key.id, secretAccessKey: key.secret }, maxAttempts: 1 })
      clients.push(c)
      return c
    }
    const c0 = client(0)
    await c0.send(new CreateBucketCommand({ Bucket: "moving" }))
    const data = new Map<string, Buffer>()
    for (let k = 0; k < 12; k++) data.set(`obj-${k}`, k % 3 === 0 ? randomBytes(1024 * 1024 + k) : Buffer.from(`small ${k}`))
    for (const [Key, Body] of data) await c0.send(new PutObjectCommand({ Bucket: "moving", Key, Body }))

    layout.stageRole(ids[3]!, { zone: "dc1", capacity: 1e9, tags: [] })
    await layout.apply(2)
    // Retiring version 1 needs every node's sync for version 2 (tables and blocks) to finish.
    await vi.waitFor(() => expect(nodes.map((x) => x!.cluster.layout.state.history.versions.map((v) => v.version))).toEqual([[2], [2], [2], [2]]), {
      timeout: 60_000,
      interval: 200,
    })

    // The new node's own copies: the object rows and block files of the partitions it now holds.
    const bucket = await n(3).store.bucketByName("moving")
    const objects = n(3).tables.table<ObjectRow>("object")!
    const placement = n(3).cluster.placement
    let rowsHeld = 0
    let blocksHeld = 0
    for (const [k, body] of data) {
      const holds = (p: number) => placement.writeSets(p).some((s) => s.includes(ids[3]!))
      if (holds(objects.store.partitionOf({ bucketId: bucket!.id, key: k, versions: [] }))) {
        expect(objects.store.get(bucket!.id, k)).toBeDefined()
        rowsHeld++
      }
      if (body.length > 1024 * 1024) {
        for (let off = 0; off < body.length; off += 1024 * 1024) {
          const h = sha(body.subarray(off, off + 1024 * 1024))
          if (holds(blockPartitionOf(h, placement.partitionCount))) {
            expect(await n(3).blocks.hasLocal(h)).toBe(true)
            blocksHeld++
          }
        }
      }
    }
    expect(rowsHeld).toBeGreaterThan(0) // 12 keys over 256 partitions, node 3 holds about 3/4 of them
    expect(blocksHeld).toBeGreaterThan(0)

    expect(n(3).keys.get(key.id)?.secret).toBe(key.secret)
    // With an old node stopped, everything is still served through the new one.
    await n(0).close()
    nodes[0] = undefined
    const c3 = client(3)
    const listed = await c3.send(new ListObjectsV2Command({ Bucket: "moving" }))
    expect(listed.Contents!.map((o) => o.Key).sort()).toEqual([...data.keys()].sort())
    for (const [Key, body] of data) {
      const got = Buffer.from(await (await c3.send(new GetObjectCommand({ Bucket: "moving", Key }))).Body!.transformToByteArray())
      expect(sha(got)).toBe(sha(body))
    }
  }, 120_000)
})
