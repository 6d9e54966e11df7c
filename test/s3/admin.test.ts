// The admin API (keys, buckets, permissions, aliases, health, metrics), the CLI on top of it,
// and configuration errors.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketWebsiteCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3"
import { execFile } from "node:child_process"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConfigError, loadConfig } from "../../src/node/config.ts"
import { startTestNode, type TestNode } from "./helpers.ts"

const run = promisify(execFile)
let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
})
afterAll(async () => t.stop())

const admin = async (endpoint: string, opts: { query?: Record<string, string>; body?: unknown; token?: string } = {}) => {
  const url = new URL(`/v2/${endpoint}`, t.node.adminUrl)
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v)
  const r = await fetch(url, {
    method: opts.body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${opts.token ?? "test-admin-token"}` },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  })
  return { status: r.status, json: (await r.json()) as any }
}

const s3Error = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (e) {
    if (e instanceof S3ServiceException) return e.name
    throw e
  }
  return "no error"
}

describe("admin API", () => {
  it("requires the bearer token", async () => {
    expect((await admin("ListKeys", { token: "wrong" })).status).toBe(403)
    expect((await fetch(`${t.node.adminUrl}/health`)).status).toBe(200)
  })

  it("manages keys, buckets, permissions and aliases", async () => {
    const key = (await admin("CreateKey", { body: { name: "app" } })).json
    expect(key.accessKeyId).toMatch(/^GK[0-9a-f]{24}$/)
    expect(key.secretAccessKey).toMatch(/^[0-9a-f]{64}$/)
    const app = t.clientFor(key.accessKeyId, key.secretAccessKey)
    expect((await app.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([])
    const bucket = (await admin("CreateBucket", { body: { globalAlias: "shared" } })).json
    expect(await s3Error(app.send(new PutObjectCommand({ Bucket: "shared", Key: "k", Body: "v" })))).toBe("AccessDenied")
    await admin("AllowBucketKey", { body: { bucketId: bucket.id, accessKeyId: key.accessKeyId, permissions: { read: true, write: true } } })
    await app.send(new PutObjectCommand({ Bucket: "shared", Key: "k", Body: "v" }))
    await admin("AddBucketAlias", { body: { bucketId: bucket.id, globalAlias: "shared-too" } })
    const info = (await admin("GetBucketInfo", { query: { globalAlias: "shared-too" } })).json
    expect(info.id).toBe(bucket.id)
    expect(info.objects).toBe(1)
    expect(info.keys[0].permissions).toEqual({ read: true, write: true, owner: false })
    await admin("RemoveBucketAlias", { body: { bucketId: bucket.id, globalAlias: "shared-too" } })
    await admin("DenyBucketKey", { body: { bucketId: bucket.id, accessKeyId: key.accessKeyId, permissions: { write: true } } })
    expect(await s3Error(app.send(new PutObjectCommand({ Bucket: "shared", Key: "k2", Body: "v" })))).toBe("AccessDenied")
    await admin("UpdateKey", { query: { id: key.accessKeyId }, body: { deny: { createBucket: true } } })
    expect(await s3Error(app.send(new CreateBucketCommand({ Bucket: "not-allowed" })))).toBe("AccessDenied")
    expect((await admin("DeleteBucket", { query: { id: bucket.id }, body: {} })).status).toBe(409)
    const keys = (await admin("ListKeys")).json
    expect(keys.map((k: any) => k.name)).toContain("app")
    await admin("DeleteKey", { query: { id: key.accessKeyId }, body: {} })
    expect(await s3Error(app.send(new ListBucketsCommand({})))).toBe("InvalidAccessKeyId")
    const status = (await admin("GetClusterStatus")).json
    expect(status.nodes).toHaveLength(1)
  })

  it("exports Prometheus metrics per S3 endpoint", async () => {
    await t.client.send(new ListBucketsCommand({}))
    const text = await (await fetch(`${t.node.adminUrl}/metrics`)).text()
    expect(text).toMatch(/^s3_request_counter\{api_endpoint="ListBuckets"\} \d+$/m)
    expect(text).toMatch(/^s3_request_duration_count\{api_endpoint="ListBuckets"\} \d+$/m)
    expect(text).toMatch(/^pollen_objects 1$/m)
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1])
    expect(rss).toBeGreaterThan(10 << 20) // a Node process, in bytes (not kB or MiB)
    expect(Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(text)?.[1])).toBeLessThan(rss)
  })

  it("UpdateBucket sets quotas that PutObject, CopyObject and CompleteMultipartUpload respect, and website access", async () => {
    const b = (await admin("CreateBucket", { body: { globalAlias: "quota" } })).json
    await admin("AllowBucketKey", { body: { bucketId: b.id, accessKeyId: t.key.id, permissions: { read: true, write: true, owner: true } } })
    const put = (Key: string, size: number) => t.client.send(new PutObjectCommand({ Bucket: "quota", Key, Body: Buffer.alloc(size, 1) }))
    // refused before anything changes
    for (const body of [{ quotas: { maxSize: -1 } }, { quotas: { maxObjects: 1.5 } }, { quotas: [] }, { websiteAccess: { enabled: true } }, { websiteAccess: { enabled: false, indexDocument: "i.html" } }])
      expect([body, (await admin("UpdateBucket", { query: { id: b.id }, body })).status]).toEqual([body, 400])
    const set = (await admin("UpdateBucket", { query: { id: b.id }, body: { quotas: { maxObjects: 2, maxSize: 1000 } } })).json
    expect(set.quotas).toEqual({ maxSize: 1000, maxObjects: 2 })
    await put("a", 300)
    await put("b", 300)
    expect(await s3Error(put("c", 1))).toBe("AccessDenied") // a third object
    await put("a", 600) // an overwrite adds its difference: 600 + 300 <= 1000
    expect(await s3Error(put("b", 500))).toBe("AccessDenied") // 600 + 500 > 1000
    expect(await s3Error(t.client.send(new CopyObjectCommand({ Bucket: "quota", Key: "c", CopySource: "quota/a" })))).toBe("AccessDenied")
    // removing one limit keeps the other
    expect((await admin("UpdateBucket", { query: { id: b.id }, body: { quotas: { maxObjects: null } } })).json.quotas).toEqual({ maxSize: 1000, maxObjects: null })
    await put("c", 50)
    const mpu = await t.client.send(new CreateMultipartUploadCommand({ Bucket: "quota", Key: "m" }))
    const part = await t.client.send(new UploadPartCommand({ Bucket: "quota", Key: "m", UploadId: mpu.UploadId, PartNumber: 1, Body: Buffer.alloc(200, 2) }))
    const complete = () =>
      t.client.send(new CompleteMultipartUploadCommand({ Bucket: "quota", Key: "m", UploadId: mpu.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }))
    expect(await s3Error(complete())).toBe("AccessDenied") // 950 + 200 > 1000
    await admin("UpdateBucket", { query: { id: b.id }, body: { quotas: { maxSize: null } } })
    await complete()
    // website access, Garage's shape
    const web = (await admin("UpdateBucket", { query: { id: b.id }, body: { websiteAccess: { enabled: true, indexDocument: "index.html", errorDocument: "404.html" } } })).json
    expect([web.websiteAccess, web.websiteConfig]).toEqual([true, { indexDocument: "index.html", errorDocument: "404.html" }])
    expect((await t.client.send(new GetBucketWebsiteCommand({ Bucket: "quota" }))).IndexDocument).toEqual({ Suffix: "index.html" })
    expect((await admin("UpdateBucket", { query: { id: b.id }, body: { websiteAccess: { enabled: false } } })).json.websiteAccess).toBe(false)
  })
})

describe("CLI and configuration", () => {
  it("`pollen key create NAME` prints AWS_* lines", async () => {
    const { stdout } = await run(process.execPath, ["bin/pollen", "key", "create", "cli-key", "--admin-url", t.node.adminUrl, "--token", "test-admin-token"], { timeout: 30_000 })
    expect(stdout).toMatch(/^AWS_ACCESS_KEY_ID=GK[0-9a-f]{24}\nAWS_SECRET_ACCESS_KEY=[0-9a-f]{64}\n$/)
  })

  it("`pollen bucket create|allow|info` manage buckets through the admin API", async () => {
    const flags = ["--admin-url", t.node.adminUrl, "--token", "test-admin-token"]
    const cli = (...args: string[]) => run(process.execPath, ["bin/pollen", ...args, ...flags], { timeout: 30_000 })
    expect((await cli("bucket", "create", "cli-bucket")).stdout).toMatch(/^Created bucket cli-bucket \([0-9a-f]{64}\)/)
    await cli("bucket", "allow", "--read", "--owner", "cli-bucket", "--key", "cli-key")
    const info = (await cli("bucket", "info", "cli-bucket")).stdout
    expect(info).toMatch(/Aliases:\s+cli-bucket/)
    expect(info).toMatch(/^ {2}R O {2}GK[0-9a-f]{24} {2}cli-key$/m)
  })

  it("`pollen bucket set-quotas|website` change quotas and website access", async () => {
    const flags = ["--admin-url", t.node.adminUrl, "--token", "test-admin-token"]
    const cli = (...args: string[]) => run(process.execPath, ["bin/pollen", ...args, ...flags], { timeout: 30_000 })
    await cli("bucket", "create", "cli-quota")
    expect((await cli("bucket", "set-quotas", "cli-quota", "--max-size", "10MiB", "--max-objects", "100")).stdout).toMatch(/^Quotas: +max size 10485760, max objects 100$/m)
    expect((await cli("bucket", "set-quotas", "cli-quota", "--max-size", "none")).stdout).toMatch(/^Quotas: +max size none, max objects 100$/m)
    expect((await cli("bucket", "website", "--allow", "cli-quota")).stdout).toMatch(/^Website: +yes \(index index\.html, error document none\)$/m)
    expect((await cli("bucket", "website", "--deny", "cli-quota")).stdout).toMatch(/^Website: +no$/m)
    const bad = await cli("bucket", "set-quotas", "cli-quota", "--max-objects", "10k").catch((e: { code: number; stderr: string }) => e)
    expect(bad).toMatchObject({ code: 1 })
    expect((bad as { stderr: string }).stderr).toMatch(/^pollen: cannot read "10k" as a number or none$/m)
  })

  it("a broken config file gives one located line and no stack trace", async () => {
    const file = join(t.dir, "broken.toml")
    await writeFile(file, 'data_dir = "x"\n[s3_api]\napi_bind_addr = \n')
    expect(() => loadConfig(file)).toThrow(ConfigError)
    expect(() => loadConfig(file)).toThrow(/broken\.toml:3:\d+: /)
    await writeFile(file, "[s3_api]\nregion = \"x\"\n")
    expect(() => loadConfig(file)).toThrow(/unknown field 's3_api.region'/)
    const r = await run(process.execPath, ["bin/pollen", "server", "-c", file], { timeout: 30_000 }).catch((e: { code: number; stderr: string }) => e)
    expect((r as { code: number }).code).toBe(1)
    expect((r as { stderr: string }).stderr.trim().split("\n")).toHaveLength(1)
  })
})
