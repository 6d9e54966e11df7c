// The S3 API served by a real three-node cluster (replication factor 3, consistent
// quorums: 2 of 3) in this process: what one node writes, the others read, list and
// delete; with one node stopped puts and gets still succeed; the stopped node, restarted,
// catches up (its own table rows and block files, not only quorum reads through its peers).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { applyInitialLayout } from "../../src/cli/commands/local-cluster.ts"
import { currentVersion, type ObjectRow } from "../../src/core/table/pollen/index.ts"
import type { AccessKey } from "../../src/node/access-keys.ts"
import type { Config } from "../../src/node/config.ts"
import { startNode, type RunningNode } from "../../src/node/node.ts"
import { nodeConfigs } from "./node-configs.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-s3-cluster-"))
const configs: Config[] = []
const nodes: Array<RunningNode | undefined> = []
const clients: Array<S3Client | undefined> = []
let key: AccessKey

const clientOf = (i: number): S3Client => clients[i]!
const body = async (c: S3Client, Bucket: string, Key: string, Range?: string): Promise<Buffer> =>
  Buffer.from(await (await c.send(new GetObjectCommand({ Bucket, Key, Range }))).Body!.transformToByteArray())
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const blockHashes = (data: Buffer, size = 1024 * 1024) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => sha(data.subarray(i * size, (i + 1) * size)))

const start = async (i: number): Promise<void> => {
  nodes[i] = await startNode(configs[i]!, { log: () => undefined })
}

const connect = (i: number): void => {
  clients[i] = new S3Client({
    endpoint: nodes[i]!.s3Url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
    maxAttempts: 1,
  })
}

const stop = async (i: number): Promise<void> => {
  clients[i]?.destroy()
  await nodes[i]?.close()
  nodes[i] = undefined
  clients[i] = undefined
}

beforeAll(async () => {
  configs.push(...(await nodeConfigs(dir, 3, { block_delete_delay_secs: 1 })).configs)
  await Promise.all([0, 1, 2].map((i) => start(i)))
  await vi.waitFor(() => expect(nodes[0]!.cluster.peers().filter((p) => p.isUp)).toHaveLength(2), { timeout: 20_000, interval: 100 })
  await applyInitialLayout(nodes.map((n) => n!), 1e9)
  await vi.waitFor(() => expect(nodes.map((n) => n!.cluster.placement.currentVersion())).toEqual([1, 1, 1]), { timeout: 20_000, interval: 100 })
  key = await nodes[0]!.developmentKey()
  // The key is a quorum write to every node; wait until each node's copy has it.
  await vi.waitFor(() => expect(nodes.map((n) => n!.keys.get(key.id)?.secret)).toEqual([key.secret, key.secret, key.secret]), { timeout: 10_000, interval: 50 })
  for (const i of [0, 1, 2]) connect(i)
}, 120_000)

afterAll(async () => {
  for (let i = 0; i < 3; i++) await stop(i).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

describe("S3 on a three-node cluster", () => {
  const small = Buffer.from("a small object, stored inline in its object row")
  const big = randomBytes(5 * 1024 * 1024 + 12345)

  it("a bucket and objects written through node 0 are read, listed and range-read through nodes 1 and 2", async () => {
    await clientOf(0).send(new CreateBucketCommand({ Bucket: "shared" }))
    await clientOf(0).send(new PutObjectCommand({ Bucket: "shared", Key: "small.txt", Body: small }))
    await clientOf(0).send(new PutObjectCommand({ Bucket: "shared", Key: "dir/big.bin", Body: big }))
    for (const i of [1, 2]) {
      await clientOf(i).send(new HeadBucketCommand({ Bucket: "shared" }))
      expect((await body(clientOf(i), "shared", "small.txt")).equals(small)).toBe(true)
      expect(sha(await body(clientOf(i), "shared", "dir/big.bin"))).toBe(sha(big))
      const range = await body(clientOf(i), "shared", "dir/big.bin", "bytes=1048000-1049999")
      expect(range.equals(big.subarray(1048000, 1050000))).toBe(true)
      const listed = await clientOf(i).send(new ListObjectsV2Command({ Bucket: "shared" }))
      expect(listed.Contents!.map((c) => [c.Key, c.Size])).toEqual([
        ["dir/big.bin", big.length],
        ["small.txt", small.length],
      ])
      const delimited = await clientOf(i).send(new ListObjectsV2Command({ Bucket: "shared", Delimiter: "/" }))
      expect(delimited.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir/"])
    }
    // The big object is in blocks, and every node holds each of them (rf 3 on 3 nodes).
    await vi.waitFor(async () => {
      for (const n of nodes) for (const h of blockHashes(big)) expect(await n!.blocks.hasLocal(h)).toBe(true)
    })
  })

  it("a multipart upload made through node 1 is read through node 2", async () => {
    const { UploadId } = await clientOf(1).send(new CreateMultipartUploadCommand({ Bucket: "shared", Key: "multi" }))
    const listed = await clientOf(2).send(new ListMultipartUploadsCommand({ Bucket: "shared" }))
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["multi", UploadId]])
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(777_777)]
    const etags: string[] = []
    for (const [i, p] of parts.entries())
      etags.push((await clientOf(1).send(new UploadPartCommand({ Bucket: "shared", Key: "multi", UploadId, PartNumber: i + 1, Body: p }))).ETag!)
    await clientOf(1).send(
      new CompleteMultipartUploadCommand({ Bucket: "shared", Key: "multi", UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
    )
    expect(sha(await body(clientOf(2), "shared", "multi"))).toBe(sha(Buffer.concat(parts)))
    expect((await clientOf(2).send(new ListMultipartUploadsCommand({ Bucket: "shared" }))).Uploads ?? []).toEqual([])
    // An aborted upload is gone everywhere.
    const aborted = await clientOf(0).send(new CreateMultipartUploadCommand({ Bucket: "shared", Key: "gone" }))
    await clientOf(2).send(new AbortMultipartUploadCommand({ Bucket: "shared", Key: "gone", UploadId: aborted.UploadId }))
    expect((await clientOf(1).send(new ListMultipartUploadsCommand({ Bucket: "shared" }))).Uploads ?? []).toEqual([])
  })

  it("a delete through node 2 is seen through node 0, and frees the blocks on every node", async () => {
    const doomed = randomBytes(2 * 1024 * 1024 + 1)
    await clientOf(0).send(new PutObjectCommand({ Bucket: "shared", Key: "doomed", Body: doomed }))
    // The put returned once 2 of 3 holders had each block; the third copy follows.
    await vi.waitFor(async () => {
      for (const n of nodes) for (const h of blockHashes(doomed)) expect(await n!.blocks.hasLocal(h)).toBe(true)
    })
    await clientOf(2).send(new DeleteObjectCommand({ Bucket: "shared", Key: "doomed" }))
    await vi.waitFor(
      async () => {
        for (const n of nodes) for (const h of blockHashes(doomed)) expect(await n!.blocks.hasLocal(h)).toBe(false)
      },
      { timeout: 15_000, interval: 200 },
    )
    await clientOf(2).send(new DeleteObjectCommand({ Bucket: "shared", Key: "small.txt" }))
    await expect(clientOf(0).send(new GetObjectCommand({ Bucket: "shared", Key: "small.txt" }))).rejects.toMatchObject({ name: "NoSuchKey" })
    const keys = (await clientOf(0).send(new ListObjectsV2Command({ Bucket: "shared" }))).Contents!.map((c) => c.Key)
    expect(keys).toEqual(["dir/big.bin", "multi"])
  })

  it("bucket statistics come from the counter table (each node counts its replicas)", async () => {
    const bucket = await nodes[1]!.store.bucketByName("shared")
    const multi = (await clientOf(1).send(new ListObjectsV2Command({ Bucket: "shared", Prefix: "multi" }))).Contents![0]!.Size!
    await vi.waitFor(
      async () => expect(await nodes[1]!.store.bucketStats(bucket!.id)).toEqual({ objects: 2, bytes: big.length + multi, uploads: 0 }),
      { timeout: 10_000, interval: 100 },
    )
  })

  it("with node 2 stopped, puts and gets succeed (2 of 3); restarted, node 2 catches up", async () => {
    await stop(2)
    const late = randomBytes(3 * 1024 * 1024 + 5)
    await clientOf(0).send(new PutObjectCommand({ Bucket: "shared", Key: "while-down", Body: late }))
    await clientOf(1).send(new PutObjectCommand({ Bucket: "shared", Key: "while-down-small", Body: "tiny" }))
    expect(sha(await body(clientOf(1), "shared", "while-down"))).toBe(sha(late))
    expect((await body(clientOf(0), "shared", "while-down-small")).toString()).toBe("tiny")
    expect(sha(await body(clientOf(0), "shared", "dir/big.bin"))).toBe(sha(big))

    await start(2)
    connect(2)
    const objects = nodes[2]!.tables.table<ObjectRow>("object")!
    const bucket = await nodes[0]!.store.bucketByName("shared")
    // Node 2's own rows and block files, not a quorum read through its peers.
    await vi.waitFor(
      async () => {
        for (const k of ["while-down", "while-down-small"]) {
          const row = objects.store.get(bucket!.id, k)
          expect(row === undefined ? undefined : currentVersion(row)?.state._tag).toBe("Complete")
        }
        for (const h of blockHashes(late)) expect(await nodes[2]!.blocks.hasLocal(h)).toBe(true)
      },
      { timeout: 30_000, interval: 200 },
    )
    expect(sha(await body(clientOf(2), "shared", "while-down"))).toBe(sha(late))
  }, 60_000)

  it("with two of three nodes stopped, writes and reads answer 503 ServiceUnavailable", async () => {
    await stop(1)
    await stop(2)
    const unavailable = { name: "ServiceUnavailable", $metadata: expect.objectContaining({ httpStatusCode: 503 }) }
    await expect(clientOf(0).send(new PutObjectCommand({ Bucket: "shared", Key: "no-quorum", Body: "x" }))).rejects.toMatchObject(unavailable)
    await expect(clientOf(0).send(new PutObjectCommand({ Bucket: "shared", Key: "no-quorum-big", Body: randomBytes(2 << 20) }))).rejects.toMatchObject(unavailable)
    await expect(clientOf(0).send(new GetObjectCommand({ Bucket: "shared", Key: "dir/big.bin" }))).rejects.toMatchObject(unavailable)
  }, 60_000)
})
