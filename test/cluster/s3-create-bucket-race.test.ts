// Atomic CreateBucket on a real three-node cluster: two users send CreateBucket for the same
// new name at once to two different nodes, 100 times with seeded random delays between the
// two sends. Every time exactly one succeeds and the other gets BucketAlreadyExists; no
// bucket is left without a name (Garage's orphans, reference/garage.md §6), and every node
// resolves each name to the winner's bucket.
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it, vi } from "vitest"
import { applyInitialLayout } from "../../src/cli/commands/local-cluster.ts"
import type { AccessKey } from "../../src/node/access-keys.ts"
import { startNode, type RunningNode } from "../../src/node/node.ts"
import { nodeConfigs } from "./node-configs.ts"
import { seededRandom } from "../support/random.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-create-race-"))
const nodes: RunningNode[] = []
const clients: S3Client[] = []
afterAll(async () => {
  for (const c of clients) c.destroy()
  for (const n of nodes) await n.close().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})


const clientFor = (node: RunningNode, key: AccessKey) =>
  new S3Client({
    endpoint: node.s3Url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
    maxAttempts: 1,
  })

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "created",
    (e: Error) => e.name,
  )

describe("CreateBucket races between two nodes", () => {
  it("100 races: exactly one creator wins, the other gets BucketAlreadyExists, no orphan bucket", async () => {
    const { configs } = await nodeConfigs(dir, 3)
    for (const config of configs) nodes.push(await startNode(config, { log: () => undefined }))
    await vi.waitFor(() => expect(nodes[0]!.cluster.peers().filter((p) => p.isUp)).toHaveLength(2), { timeout: 30_000, interval: 100 })
    await applyInitialLayout(nodes, 1e9)
    await vi.waitFor(() => expect(nodes.map((n) => n.cluster.placement.currentVersion())).toEqual([1, 1, 1]), { timeout: 30_000, interval: 100 })
    // Two users, each with the right to create buckets.
    const alice = await nodes[0]!.keys.create("alice", true)
    const bob = await nodes[1]!.keys.create("bob", true)
    await vi.waitFor(() => expect(nodes.map((n) => [n.keys.get(alice.id)?.secret, n.keys.get(bob.id)?.secret])).toEqual(nodes.map(() => [alice.secret, bob.secret])), {
      timeout: 10_000,
      interval: 50,
    })
    const a = clientFor(nodes[0]!, alice)
    const b = clientFor(nodes[1]!, bob)
    clients.push(a, b)

    const seed = 20261127
    const random = seededRandom(seed)
    const run = randomBytes(3).toString("hex")
    const names: string[] = []
    for (let i = 0; i < 100; i++) {
      const name = `race-${run}-${i}`
      names.push(name)
      const delay = Math.floor(random() * 20)
      const aliceFirst = random() < 0.5
      const send = (c: S3Client) => outcome(c.send(new CreateBucketCommand({ Bucket: name })))
      const later = (c: S3Client) => new Promise<string>((resolve) => setTimeout(() => resolve(send(c)), delay))
      const [ra, rb] = aliceFirst ? await Promise.all([send(a), later(b)]) : await Promise.all([later(a), send(b)])
      expect([ra, rb].sort(), `race ${i} (seed ${seed}, delay ${delay} ms, ${aliceFirst ? "alice" : "bob"} first)`).toEqual(["BucketAlreadyExists", "created"])
    }

    // Every name resolves to one bucket on every node; every bucket has a name (no orphans).
    const buckets = await nodes[2]!.store.listBuckets()
    const raced = buckets.filter((bk) => bk.aliases.some((n) => n.startsWith(`race-${run}-`)))
    expect(raced).toHaveLength(100)
    for (const bk of buckets) expect(bk.aliases.length, `bucket ${bk.id} has no name`).toBeGreaterThan(0)
    for (const name of names) {
      const ids = await Promise.all(nodes.map(async (n) => (await n.store.bucketByName(name))?.id))
      expect(new Set(ids).size).toBe(1)
      expect(ids[0]).toBeDefined()
    }
  }, 300_000)
})
