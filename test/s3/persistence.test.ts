// Restarts and block garbage collection: data survives a stop/start, the development key is
// reused, and unreferenced blocks are deleted only after the configured delay, also those of
// an upload that failed after its blocks were stored.
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { randomBytes } from "node:crypto"
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Config, configFrom } from "../../src/node/config.ts"
import { startNode } from "../../src/node/node.ts"
import { applyInitialLayout } from "../../src/cli/commands/local-cluster.ts"

const countBlocks = async (dir: string): Promise<number> => {
  let n = 0
  for (const a of await readdir(dir)) if (a !== "tmp") for (const b of await readdir(join(dir, a))) n += (await readdir(join(dir, a, b))).length
  return n
}

describe("persistence", () => {
  it("a stopped node starts again with its buckets, objects and development key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pollen-restart-"))
    const config = configFrom("test", { data_dir: dir, rpc_bind_addr: "127.0.0.1:0", s3_api: { api_bind_addr: "127.0.0.1:0" }, admin: { api_bind_addr: "127.0.0.1:0" } }, dir)
    const data = randomBytes(1536 * 1024)
    try {
      const first = await startNode(config, { log: () => undefined })
      await applyInitialLayout([first], 1e9)
      const key = await first.developmentKey()
      const c1 = new S3Client({ endpoint: first.s3Url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: key.id, secretAccessKey: key.secret } })
      await c1.send(new CreateBucketCommand({ Bucket: "durable" }))
      await c1.send(new PutObjectCommand({ Bucket: "durable", Key: "big", Body: data }))
      await c1.send(new PutObjectCommand({ Bucket: "durable", Key: "small", Body: "inline" }))
      c1.destroy()
      await first.close()

      const second = await startNode(config, { log: () => undefined })
      const again = await second.developmentKey()
      expect(again.id).toBe(key.id)
      const c2 = new S3Client({ endpoint: second.s3Url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: again.id, secretAccessKey: again.secret } })
      const big = Buffer.from(await (await c2.send(new GetObjectCommand({ Bucket: "durable", Key: "big" }))).Body!.transformToByteArray())
      expect(big.equals(data)).toBe(true)
      expect(await (await c2.send(new GetObjectCommand({ Bucket: "durable", Key: "small" }))).Body!.transformToString()).toBe("inline")
      c2.destroy()
      await second.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  /** A single node with `settings` (TOML fields) in a fresh directory, an S3 client on it, removed afterwards. */
  const withNode = async (
    settings: Record<string, unknown>,
    test: (c: S3Client, blocksDir: string) => Promise<void>,
    override: Partial<Config> = {},
  ): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), "pollen-gc-"))
    const config = { ...configFrom("test", { data_dir: dir, ...settings, rpc_bind_addr: "127.0.0.1:0", s3_api: { api_bind_addr: "127.0.0.1:0" }, admin: { api_bind_addr: "127.0.0.1:0" } }, dir), ...override }
    const node = await startNode(config, { log: () => undefined })
    await applyInitialLayout([node], 1e9)
    try {
      const key = await node.developmentKey()
      const c = new S3Client({ endpoint: node.s3Url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: key.id, secretAccessKey: key.secret } })
      await test(c, config.blocksDir)
      c.destroy()
    } finally {
      await node.close()
      await rm(dir, { recursive: true, force: true })
    }
  }

  it("unreferenced blocks stay for block_delete_delay_secs, then go", () =>
    withNode({ block_delete_delay_secs: 1 }, async (c, blocksDir) => {
      await c.send(new CreateBucketCommand({ Bucket: "gc-delay" }))
      await c.send(new PutObjectCommand({ Bucket: "gc-delay", Key: "x", Body: randomBytes(2 * 1024 * 1024) }))
      expect(await countBlocks(blocksDir)).toBe(2)
      await c.send(new DeleteObjectCommand({ Bucket: "gc-delay", Key: "x" }))
      expect(await countBlocks(blocksDir)).toBe(2)
      await new Promise((r) => setTimeout(r, 2500))
      expect(await countBlocks(blocksDir)).toBe(0)
    }))

  it("the blocks of an upload refused after they were stored go after block_orphan_delay_secs", () =>
    // 2 s instead of the configurable minimum (an hour), to watch the collection happen.
    withNode({}, async (c, blocksDir) => {
      await c.send(new CreateBucketCommand({ Bucket: "orphans" }))
      await c.send(new PutObjectCommand({ Bucket: "orphans", Key: "kept", Body: randomBytes(1024 * 1024 + 1) }))
      // The body is stored block by block before its MD5 is known to be wrong.
      const refused = c.send(new PutObjectCommand({ Bucket: "orphans", Key: "refused", Body: randomBytes(3 * 1024 * 1024), ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==" }))
      await expect(refused).rejects.toMatchObject({ name: "BadDigest" })
      expect(await countBlocks(blocksDir)).toBe(5)
      await new Promise((r) => setTimeout(r, 3000))
      expect(await countBlocks(blocksDir)).toBe(2)
      const back = await c.send(new GetObjectCommand({ Bucket: "orphans", Key: "kept" }))
      expect((await back.Body!.transformToByteArray()).length).toBe(1024 * 1024 + 1)
    }, { blockOrphanDelaySecs: 2 }))
})
