// End-to-end object and bucket endpoints with @aws-sdk/client-s3 against an in-process node.
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketLocationCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3ServiceException,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
} from "@aws-sdk/client-s3"
import { createHash, randomBytes } from "node:crypto"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"

let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "objects" }))
})
afterAll(async () => t.stop())


const text = async (key: string, extra: Record<string, unknown> = {}) => {
  const r = await t.client.send(new GetObjectCommand({ Bucket: "objects", Key: key, ...extra }))
  return { r, body: await r.Body!.transformToString() }
}

describe("buckets", () => {
  it("creates, lists, heads, locates and deletes buckets with S3 errors", async () => {
    await t.client.send(new CreateBucketCommand({ Bucket: "b-life" }))
    expect((await errorOf(t.client.send(new CreateBucketCommand({ Bucket: "b-life" }))))).toEqual({ name: "BucketAlreadyOwnedByYou", status: 409 })
    expect((await errorOf(t.client.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).name).toBe("InvalidBucketName")
    const names = (await t.client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)
    expect(names).toContain("b-life")
    await t.client.send(new HeadBucketCommand({ Bucket: "b-life" }))
    expect((await errorOf(t.client.send(new HeadBucketCommand({ Bucket: "nope-nope" })))).status).toBe(404)
    const loc = await t.client.send(new GetBucketLocationCommand({ Bucket: "b-life" }))
    expect(loc.LocationConstraint ?? "").toBe("")
    await t.client.send(new PutObjectCommand({ Bucket: "b-life", Key: "x", Body: "x" }))
    expect(await errorOf(t.client.send(new DeleteBucketCommand({ Bucket: "b-life" })))).toEqual({ name: "BucketNotEmpty", status: 409 })
    await t.client.send(new DeleteObjectCommand({ Bucket: "b-life", Key: "x" }))
    await t.client.send(new DeleteBucketCommand({ Bucket: "b-life" }))
    expect((await errorOf(t.client.send(new HeadBucketCommand({ Bucket: "b-life" })))).status).toBe(404)
  })

  it("answers another key's bucket name with BucketAlreadyExists and denies access", async () => {
    const other = await t.node.keys.create("other")
    const c = t.clientFor(other.id, other.secret)
    expect((await errorOf(c.send(new CreateBucketCommand({ Bucket: "objects" })))).name).toBe("BucketAlreadyExists")
    expect(await errorOf(c.send(new GetObjectCommand({ Bucket: "objects", Key: "k" })))).toEqual({ name: "AccessDenied", status: 403 })
  })

  it("answers unimplemented sub-resources with 501 NotImplemented", async () => {
    expect(await errorOf(t.client.send(new PutBucketPolicyCommand({ Bucket: "objects", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) })))).toEqual({ name: "NotImplemented", status: 501 })
    // Reading it back answers as AWS does for a bucket without a policy (endpoints.test.ts has the others).
    expect(await errorOf(t.client.send(new GetBucketPolicyCommand({ Bucket: "objects" })))).toEqual({ name: "NoSuchBucketPolicy", status: 404 })
  })
})

describe("objects", () => {
  it("puts, gets, heads and deletes with metadata and checksums", async () => {
    const put = await t.client.send(
      new PutObjectCommand({ Bucket: "objects", Key: "dir/hello.txt", Body: "hello world", ContentType: "text/plain", Metadata: { color: "blue" }, ChecksumAlgorithm: "SHA256" }),
    )
    expect(put.ETag).toBe(`"${createHash("md5").update("hello world").digest("hex")}"`)
    expect(put.ChecksumSHA256).toBe(createHash("sha256").update("hello world").digest("base64"))
    const { r, body } = await text("dir/hello.txt", { ChecksumMode: "ENABLED" })
    expect(body).toBe("hello world")
    expect(r.ContentType).toBe("text/plain")
    expect(r.Metadata).toEqual({ color: "blue" })
    expect(r.ChecksumSHA256).toBe(put.ChecksumSHA256)
    const head = await t.client.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/hello.txt" }))
    expect(head.ContentLength).toBe(11)
    await t.client.send(new DeleteObjectCommand({ Bucket: "objects", Key: "dir/hello.txt" }))
    expect(await errorOf(text("dir/hello.txt"))).toEqual({ name: "NoSuchKey", status: 404 })
    expect((await errorOf(t.client.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/hello.txt" })))).status).toBe(404)
  })

  it("stores Content-Encoding without aws-chunked, which names the transfer (ceph s3-tests test_object_content_encoding_aws_chunked)", async () => {
    const cases: [string, string | undefined][] = [
      ["gzip", "gzip"], ["deflate, gzip", "deflate, gzip"], ["gzip, aws-chunked", "gzip"], ["aws-chunked, gzip", "gzip"],
      ["aws-chunked", undefined], ["aws-chunked, aws-chunked", undefined],
    ]
    for (const [sent, stored] of cases) {
      await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "encoding", Body: "x", ContentEncoding: sent }))
      const head = await t.client.send(new HeadObjectCommand({ Bucket: "objects", Key: "encoding" }))
      expect([sent, head.ContentEncoding]).toEqual([sent, stored])
    }
  })

  it("keeps keys with dot segments, double slashes, reserved and non-ASCII characters as they are", async () => {
    await t.client.send(new CreateBucketCommand({ Bucket: "odd-keys" }))
    const keys = ["a//b/../c", "./x", "../y", "sp ace+plus=eq&amp?q#h", "ünï/çødé", "%2F%25", "trailing/", "/leading", "~tilde!*'()"]
    for (const key of keys) {
      await t.client.send(new PutObjectCommand({ Bucket: "odd-keys", Key: key, Body: key }))
      expect(await (await t.client.send(new GetObjectCommand({ Bucket: "odd-keys", Key: key }))).Body!.transformToString()).toBe(key)
    }
    const listed = (await t.client.send(new ListObjectsV2Command({ Bucket: "odd-keys" }))).Contents!.map((c) => c.Key)
    expect([...listed].sort()).toEqual([...keys].sort())
  })

  it("stores large objects as 1 MiB blocks, deduplicates and removes them on delete", async () => {
    const data = randomBytes(2.5 * 1024 * 1024)
    await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "big", Body: data }))
    const got = Buffer.from(await (await t.client.send(new GetObjectCommand({ Bucket: "objects", Key: "big" }))).Body!.transformToByteArray())
    expect(got.equals(data)).toBe(true)
    const countBlocks = async () => {
      let n = 0
      const dir = join(t.dir, "blocks")
      for (const a of await readdir(dir)) if (a !== "tmp") for (const b of await readdir(join(dir, a))) n += (await readdir(join(dir, a, b))).length
      return n
    }
    expect(await countBlocks()).toBe(3)
    await t.client.send(new CopyObjectCommand({ Bucket: "objects", Key: "big-copy", CopySource: "objects/big" }))
    await t.client.send(new DeleteObjectCommand({ Bucket: "objects", Key: "big" }))
    expect(await countBlocks()).toBe(3)
    const copy = Buffer.from(await (await t.client.send(new GetObjectCommand({ Bucket: "objects", Key: "big-copy" }))).Body!.transformToByteArray())
    expect(copy.equals(data)).toBe(true)
    await t.client.send(new DeleteObjectCommand({ Bucket: "objects", Key: "big-copy" }))
    // Freed asynchronously: object -> version -> block_ref cascades, then the refcount (delay 0 here).
    await vi.waitFor(async () => expect(await countBlocks()).toBe(0), { timeout: 10_000, interval: 50 })
  })

  it("verifies Content-MD5 and x-amz-checksum values", async () => {
    const wrongMd5 = createHash("md5").update("other").digest("base64")
    expect((await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "md5", Body: "data", ContentMD5: wrongMd5 })))).name).toBe("BadDigest")
    expect((await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "md5", Body: "data", ContentMD5: "not-base64!" })))).name).toBe("InvalidDigest")
    expect((await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "crc", Body: "data", ChecksumCRC32C: "AAAAAA==" })))).name).toBe("BadDigest")
    expect((await errorOf(text("md5"))).name).toBe("NoSuchKey")
    expect((await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "crc64", Body: "data", ChecksumAlgorithm: "CRC64NVME" })))).name).toBe("InvalidRequest")
    const ok = await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "crc", Body: "123456789", ChecksumAlgorithm: "CRC32C" }))
    // CRC32C("123456789") = 0xE3069283, the standard check value.
    expect(ok.ChecksumCRC32C).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString("base64"))
  })

  it("serves ranges: explicit, open, suffix, and 416 beyond the end", async () => {
    await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "digits", Body: "0123456789" }))
    const a = await text("digits", { Range: "bytes=2-4" })
    expect(a.body).toBe("234")
    expect(a.r.ContentRange).toBe("bytes 2-4/10")
    expect(a.r.$metadata.httpStatusCode).toBe(206)
    expect((await text("digits", { Range: "bytes=7-" })).body).toBe("789")
    expect((await text("digits", { Range: "bytes=-3" })).body).toBe("789")
    expect((await text("digits", { Range: "bytes=5-100" })).body).toBe("56789")
    expect(await errorOf(text("digits", { Range: "bytes=10-12" }))).toEqual({ name: "InvalidRange", status: 416 })
  })

  it("evaluates conditional GETs with AWS precedence", async () => {
    const put = await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "cond", Body: "c" }))
    const etag = put.ETag!
    const past = new Date(Date.now() - 3600_000)
    const future = new Date(Date.now() + 3600_000)
    expect((await text("cond", { IfMatch: etag })).body).toBe("c")
    expect((await errorOf(text("cond", { IfMatch: '"0000"' }))).status).toBe(412)
    expect((await errorOf(text("cond", { IfNoneMatch: etag }))).status).toBe(304)
    expect((await errorOf(text("cond", { IfModifiedSince: future }))).status).toBe(304)
    expect((await errorOf(text("cond", { IfUnmodifiedSince: past }))).status).toBe(412)
    // If-Match true wins over a false If-Unmodified-Since; If-None-Match false wins over If-Modified-Since.
    expect((await text("cond", { IfMatch: etag, IfUnmodifiedSince: past })).body).toBe("c")
    expect((await text("cond", { IfNoneMatch: '"0000"', IfModifiedSince: future })).body).toBe("c")
  })

  it("conditional writes: If-None-Match: * and If-Match on PutObject", async () => {
    const first = await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "cw", Body: "one", IfNoneMatch: "*" }))
    expect(await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "cw", Body: "two", IfNoneMatch: "*" })))).toEqual({ name: "PreconditionFailed", status: 412 })
    expect((await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "cw", Body: "two", IfMatch: '"00000000000000000000000000000000"' })))).status).toBe(412)
    expect((await text("cw")).body).toBe("one")
    await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "cw", Body: "three", IfMatch: first.ETag }))
    expect((await text("cw")).body).toBe("three")
    expect((await errorOf(t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "cw-missing", Body: "x", IfMatch: first.ETag })))).status).toBe(404)
  })

  it("conditional writes: of 20 concurrent If-None-Match: * writers exactly one wins", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "race", Body: `writer ${i}`, IfNoneMatch: "*" }))),
    )
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []))
    expect(won).toHaveLength(1)
    for (const r of results) if (r.status === "rejected") expect((r.reason as S3ServiceException).name).toBe("PreconditionFailed")
    expect((await text("race")).body).toBe(`writer ${won[0]}`)
  })

  it("applies response-* overrides", async () => {
    const { r } = await text("cond", { ResponseContentType: "application/x-test", ResponseContentDisposition: "attachment" })
    expect(r.ContentType).toBe("application/x-test")
    expect(r.ContentDisposition).toBe("attachment")
  })

  it("copies with COPY and REPLACE directives and copy-source conditions", async () => {
    await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: "src", Body: "source", ContentType: "text/a", Metadata: { a: "1" } }))
    await t.client.send(new CopyObjectCommand({ Bucket: "objects", Key: "dst1", CopySource: "objects/src" }))
    const d1 = await t.client.send(new HeadObjectCommand({ Bucket: "objects", Key: "dst1" }))
    expect(d1.Metadata).toEqual({ a: "1" })
    expect(d1.ContentType).toBe("text/a")
    await t.client.send(new CopyObjectCommand({ Bucket: "objects", Key: "dst2", CopySource: "objects/src", MetadataDirective: "REPLACE", Metadata: { b: "2" }, ContentType: "text/b" }))
    const d2 = await t.client.send(new HeadObjectCommand({ Bucket: "objects", Key: "dst2" }))
    expect(d2.Metadata).toEqual({ b: "2" })
    expect((await text("dst2")).body).toBe("source")
    expect((await errorOf(t.client.send(new CopyObjectCommand({ Bucket: "objects", Key: "dst3", CopySource: "objects/src", CopySourceIfMatch: '"nope"' })))).status).toBe(412)
    expect((await errorOf(t.client.send(new CopyObjectCommand({ Bucket: "objects", Key: "src", CopySource: "objects/src" })))).name).toBe("InvalidRequest")
    expect((await errorOf(t.client.send(new CopyObjectCommand({ Bucket: "objects", Key: "dst3", CopySource: "objects/missing" })))).name).toBe("NoSuchKey")
  })

  it("deletes many objects, quietly or not", async () => {
    for (const k of ["d1", "d2", "d3"]) await t.client.send(new PutObjectCommand({ Bucket: "objects", Key: k, Body: k }))
    const r = await t.client.send(new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "d1" }, { Key: "d2" }, { Key: "never" }] } }))
    expect(r.Deleted!.map((d) => d.Key).sort()).toEqual(["d1", "d2", "never"])
    const q = await t.client.send(new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "d3" }], Quiet: true } }))
    expect(q.Deleted ?? []).toEqual([])
    expect((await errorOf(text("d3"))).name).toBe("NoSuchKey")
  })

  it("reports owner FULL_CONTROL ACLs and lists current objects as null versions", async () => {
    const acl = await t.client.send(new GetBucketAclCommand({ Bucket: "objects" }))
    expect(acl.Grants![0]!.Permission).toBe("FULL_CONTROL")
    expect(acl.Owner!.ID).toBe(t.key.id)
    await t.client.send(new PutBucketAclCommand({ Bucket: "objects", ACL: "private" }))
    expect((await errorOf(t.client.send(new PutBucketAclCommand({ Bucket: "objects", ACL: "public-read" })))).status).toBe(501)
    const oacl = await t.client.send(new GetObjectAclCommand({ Bucket: "objects", Key: "src" }))
    expect(oacl.Grants![0]!.Permission).toBe("FULL_CONTROL")
    const v = await t.client.send(new ListObjectVersionsCommand({ Bucket: "objects", Prefix: "src" }))
    expect(v.Versions!.map((x) => [x.Key, x.VersionId, x.IsLatest])).toEqual([["src", "null", true]])
  })

  it("stores CORS rules and answers preflights", async () => {
    expect((await errorOf(t.client.send(new GetBucketCorsCommand({ Bucket: "objects" })))).name).toBe("NoSuchCORSConfiguration")
    await t.client.send(
      new PutBucketCorsCommand({
        Bucket: "objects",
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["https://*.example.com"], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["*"], MaxAgeSeconds: 600 }] },
      }),
    )
    const got = await t.client.send(new GetBucketCorsCommand({ Bucket: "objects" }))
    expect(got.CORSRules![0]!.AllowedMethods).toEqual(["GET", "PUT"])
    const ok = await fetch(`${t.node.s3Url}/objects/src`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    })
    expect(ok.status).toBe(200)
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com")
    expect(ok.headers.get("access-control-max-age")).toBe("600")
    const denied = await fetch(`${t.node.s3Url}/objects/src`, { method: "OPTIONS", headers: { origin: "https://evil.test", "access-control-request-method": "GET" } })
    expect(denied.status).toBe(403)
    await t.client.send(new DeleteBucketCorsCommand({ Bucket: "objects" }))
    expect((await errorOf(t.client.send(new GetBucketCorsCommand({ Bucket: "objects" })))).name).toBe("NoSuchCORSConfiguration")
  })
})
