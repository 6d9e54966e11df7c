// Object and bucket tagging end to end with @aws-sdk/client-s3: Put/Get/DeleteObjectTagging on
// inline and block-stored objects (data, ETag and Last-Modified kept), AWS's validation errors,
// the x-amz-tagging header on PutObject, CreateMultipartUpload and CopyObject (with
// x-amz-tagging-directive), x-amz-tagging-count on GET and HEAD, and Put/Get/DeleteBucketTagging
// with its owner permission.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type Tag,
} from "@aws-sdk/client-s3"
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deterministicBytes } from "./deterministic-data.ts"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, send, signedRequest } from "./signing.ts"

let t: TestNode
const B = "tagging"
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: B }))
})
afterAll(async () => t.stop())

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex")
const put = (Key: string, Body: string | Uint8Array, extra: Record<string, unknown> = {}) => t.client.send(new PutObjectCommand({ Bucket: B, Key, Body, ...extra }))
const tagsOf = async (Key: string) => (await t.client.send(new GetObjectTaggingCommand({ Bucket: B, Key }))).TagSet
const putTags = (Key: string, TagSet: Tag[]) => t.client.send(new PutObjectTaggingCommand({ Bucket: B, Key, Tagging: { TagSet } }))
const head = (Key: string) => t.client.send(new HeadObjectCommand({ Bucket: B, Key }))
const simpleTags = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `k${String(i).padStart(2, "0")}`, Value: `v${i}` }))

/** A PUT ?tagging with a hand-written body (signed payload, so no Content-MD5 is needed). */
const rawPutTagging = async (path: string, body: string) => {
  const req = await signedRequest(t.node.s3Url, "PUT", path, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), query: { tagging: "" } })
  return send(req.url, "PUT", req.headers, body)
}

describe("object tagging", () => {
  it("puts, replaces and deletes the tag set of inline and block-stored objects, keeping data, ETag and Last-Modified", async () => {
    const big = deterministicBytes("tagging", 0, 3 * 1024 * 1024 + 5)
    for (const [key, body] of [["o/inline", "small"], ["o/blocks", big]] as const) {
      const before = await head(key).catch(() => undefined)
      expect(before).toBeUndefined()
      await put(key, body)
      const untagged = await head(key)
      expect(untagged.TagCount).toBeUndefined()
      expect(await tagsOf(key)).toEqual([])
      // Last-Modified has a one-second resolution: wait past it, so a change would show.
      await new Promise((r) => setTimeout(r, 1100))
      await putTags(key, [{ Key: "project", Value: "pollen" }, { Key: "env", Value: "" }])
      expect(await tagsOf(key)).toEqual([{ Key: "env", Value: "" }, { Key: "project", Value: "pollen" }])
      const tagged = await t.client.send(new GetObjectCommand({ Bucket: B, Key: key }))
      expect([tagged.TagCount, tagged.ETag, tagged.LastModified]).toEqual([2, untagged.ETag, untagged.LastModified])
      expect(Buffer.from(await tagged.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true)
      expect((await head(key)).TagCount).toBe(2)
      // The whole set is replaced.
      await putTags(key, [{ Key: "owner", Value: "ops team" }])
      expect(await tagsOf(key)).toEqual([{ Key: "owner", Value: "ops team" }])
      expect((await head(key)).TagCount).toBe(1)
      const del = await t.client.send(new DeleteObjectTaggingCommand({ Bucket: B, Key: key }))
      expect(del.$metadata.httpStatusCode).toBe(204)
      expect(await tagsOf(key)).toEqual([])
      const after = await head(key)
      expect([after.TagCount, after.ETag, after.LastModified]).toEqual([undefined, untagged.ETag, untagged.LastModified])
    }
  })

  it("an empty TagSet removes the tags; an overwrite of the object starts without them", async () => {
    await put("o/over", "one")
    await putTags("o/over", [{ Key: "a", Value: "1" }])
    await putTags("o/over", [])
    expect(await tagsOf("o/over")).toEqual([])
    await putTags("o/over", [{ Key: "a", Value: "1" }])
    await put("o/over", "two")
    expect(await tagsOf("o/over")).toEqual([])
    expect((await head("o/over")).TagCount).toBeUndefined()
  })

  it("answers NoSuchKey for a key without an object", async () => {
    expect(await errorOf(putTags("o/none", [{ Key: "a", Value: "b" }]))).toEqual({ name: "NoSuchKey", status: 404 })
    expect(await errorOf(t.client.send(new DeleteObjectTaggingCommand({ Bucket: B, Key: "o/none" })))).toEqual({ name: "NoSuchKey", status: 404 })
    expect(await errorOf(tagsOf("o/none"))).toEqual({ name: "NoSuchKey", status: 404 })
  })

  it("takes 10 tags with 128-character keys and 256-character values, counted in UTF-16 as AWS does", async () => {
    await put("o/max", "m")
    const max = Array.from({ length: 10 }, (_, i) => ({ Key: `${i}`.padEnd(128, "k"), Value: "v".repeat(256) }))
    await putTags("o/max", max)
    expect(await tagsOf("o/max")).toEqual(max)
    const unicode = [{ Key: "é".repeat(128), Value: "日本".repeat(128) }]
    await putTags("o/max", unicode)
    expect(await tagsOf("o/max")).toEqual(unicode)
    expect(await errorOf(putTags("o/max", [{ Key: "😀".repeat(65), Value: "" }]))).toEqual({ name: "InvalidTag", status: 400 })
    expect(await tagsOf("o/max")).toEqual(unicode)
  })

  it("refuses tag sets AWS refuses, leaving the tags as they were", async () => {
    await put("o/invalid", "x")
    await putTags("o/invalid", [{ Key: "keep", Value: "me" }])
    const invalid: Array<[string, Tag[]]> = [
      ["BadRequest", simpleTags(11)],
      ["InvalidTag", [{ Key: "k".repeat(129), Value: "v" }]],
      ["InvalidTag", [{ Key: "k", Value: "v".repeat(257) }]],
      ["InvalidTag", [{ Key: "dup", Value: "1" }, { Key: "dup", Value: "2" }]],
      ["InvalidTag", [{ Key: "", Value: "v" }]],
      ["InvalidTag", [{ Key: "aws:reserved", Value: "v" }]],
      ["InvalidTag", [{ Key: "a#b", Value: "v" }]],
      ["InvalidTag", [{ Key: "k", Value: "tab\there" }]],
    ]
    for (const [code, TagSet] of invalid) expect([TagSet[0]!.Key!.slice(0, 8), await errorOf(putTags("o/invalid", TagSet))]).toEqual([TagSet[0]!.Key!.slice(0, 8), { name: code, status: 400 }])
    expect(await tagsOf("o/invalid")).toEqual([{ Key: "keep", Value: "me" }])
  })

  it("answers MalformedXML for bodies that are not a Tagging document", async () => {
    await put("o/xml", "x")
    for (const body of [
      "<Tagging><TagSet><Tag><Key>a</Key>",
      "<Other><TagSet/></Other>",
      "<Tagging></Tagging>",
      "<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
    ]) {
      const r = await rawPutTagging(`/${B}/o/xml`, body)
      expect([body, r.status, codeOf(r)]).toEqual([body, 400, "MalformedXML"])
    }
    const ok = await rawPutTagging(`/${B}/o/xml`, "<Tagging><TagSet><Tag><Key>a &amp; b</Key><Value/></Tag></TagSet></Tagging>")
    expect(ok.status).toBe(400) // & is not in AWS's tag syntax
    expect(codeOf(ok)).toBe("InvalidTag")
    const good = await rawPutTagging(`/${B}/o/xml`, "<Tagging><TagSet><Tag><Key>a b</Key><Value/></Tag></TagSet></Tagging>")
    expect(good.status).toBe(200)
    expect(await tagsOf("o/xml")).toEqual([{ Key: "a b", Value: "" }])
  })
})

describe("the x-amz-tagging header", () => {
  it("tags an object on PutObject (URL query form, a key without = has the empty value)", async () => {
    await put("h/put", "x", { Tagging: "b=two%20words&a=1&c&d=x+y" })
    expect(await tagsOf("h/put")).toEqual([
      { Key: "a", Value: "1" },
      { Key: "b", Value: "two words" },
      { Key: "c", Value: "" },
      { Key: "d", Value: "x y" },
    ])
    const got = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "h/put" }))
    expect(got.TagCount).toBe(4)
    await got.Body!.transformToString()
  })

  it("refuses malformed, duplicated and excess tags without writing the object", async () => {
    const cases: Array<[string, string]> = [
      ["a=1&a=2", "InvalidArgument"],
      ["a=b=c", "InvalidArgument"],
      ["a=%zz", "InvalidArgument"],
      [Array.from({ length: 11 }, (_, i) => `k${i}=v`).join("&"), "BadRequest"],
      [`${"k".repeat(129)}=v`, "InvalidTag"],
      ["aws:x=1", "InvalidTag"],
    ]
    for (const [Tagging, code] of cases) expect([Tagging.slice(0, 12), await errorOf(put("h/bad", "x", { Tagging }))]).toEqual([Tagging.slice(0, 12), { name: code, status: 400 }])
    expect((await errorOf(head("h/bad"))).status).toBe(404)
  })

  it("tags a multipart object at CompleteMultipartUpload", async () => {
    const mpu = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "h/mpu", Tagging: "stage=raw&team=data" }))
    const part = await t.client.send(new UploadPartCommand({ Bucket: B, Key: "h/mpu", UploadId: mpu.UploadId!, PartNumber: 1, Body: "only part" }))
    await t.client.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: "h/mpu", UploadId: mpu.UploadId!, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }))
    expect(await tagsOf("h/mpu")).toEqual([{ Key: "stage", Value: "raw" }, { Key: "team", Value: "data" }])
    expect((await head("h/mpu")).TagCount).toBe(2)
    expect(await errorOf(t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "h/mpu-bad", Tagging: simpleTags(11).map((x) => `${x.Key}=${x.Value}`).join("&") })))).toEqual({ name: "BadRequest", status: 400 })
  })

  it("CopyObject copies the source's tags by default and replaces them with x-amz-tagging-directive: REPLACE", async () => {
    await put("c/src", "copy me", { Tagging: "from=source" })
    await t.client.send(new CopyObjectCommand({ Bucket: B, Key: "c/default", CopySource: `${B}/c/src`, Tagging: "ignored=with-copy" }))
    expect(await tagsOf("c/default")).toEqual([{ Key: "from", Value: "source" }])
    await t.client.send(new CopyObjectCommand({ Bucket: B, Key: "c/copy", CopySource: `${B}/c/src`, TaggingDirective: "COPY" }))
    expect(await tagsOf("c/copy")).toEqual([{ Key: "from", Value: "source" }])
    await t.client.send(new CopyObjectCommand({ Bucket: B, Key: "c/replace", CopySource: `${B}/c/src`, TaggingDirective: "REPLACE", Tagging: "new=tags&n=2" }))
    expect(await tagsOf("c/replace")).toEqual([{ Key: "n", Value: "2" }, { Key: "new", Value: "tags" }])
    expect((await head("c/replace")).TagCount).toBe(2)
    await t.client.send(new CopyObjectCommand({ Bucket: B, Key: "c/none", CopySource: `${B}/c/src`, TaggingDirective: "REPLACE" }))
    expect(await tagsOf("c/none")).toEqual([])
    // The tags are the copy's own: changing them leaves the source's alone.
    await putTags("c/copy", [{ Key: "changed", Value: "yes" }])
    expect(await tagsOf("c/src")).toEqual([{ Key: "from", Value: "source" }])
    expect(await errorOf(t.client.send(new CopyObjectCommand({ Bucket: B, Key: "c/bad", CopySource: `${B}/c/src`, TaggingDirective: "MERGE" as "COPY" })))).toEqual({ name: "InvalidArgument", status: 400 })
  })
})

describe("bucket tagging", () => {
  it("puts, replaces, reads and deletes a bucket's tag set; a bucket without one answers NoSuchTagSet", async () => {
    const bucket = "tagging-bucket"
    await t.client.send(new CreateBucketCommand({ Bucket: bucket }))
    expect(await errorOf(t.client.send(new GetBucketTaggingCommand({ Bucket: bucket })))).toEqual({ name: "NoSuchTagSet", status: 404 })
    const put = await t.client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "cost-center", Value: "42" }, { Key: "app", Value: "pollen" }] } }))
    expect(put.$metadata.httpStatusCode).toBe(204)
    expect((await t.client.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual([{ Key: "app", Value: "pollen" }, { Key: "cost-center", Value: "42" }])
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `t${String(i).padStart(2, "0")}`, Value: `${i}` }))
    await t.client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: fifty } }))
    expect((await t.client.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual(fifty)
    const bad: Array<[string, Tag[]]> = [
      ["BadRequest", [...fifty, { Key: "t50", Value: "" }]],
      ["InvalidTag", [{ Key: "d", Value: "1" }, { Key: "d", Value: "2" }]],
      ["InvalidTag", [{ Key: "aws:cloudformation:stack-name", Value: "s" }]],
    ]
    for (const [code, TagSet] of bad) expect(await errorOf(t.client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet } })))).toEqual({ name: code, status: 400 })
    expect((await t.client.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toHaveLength(50)
    expect((await t.client.send(new DeleteBucketTaggingCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204)
    expect(await errorOf(t.client.send(new GetBucketTaggingCommand({ Bucket: bucket })))).toEqual({ name: "NoSuchTagSet", status: 404 })
    // Objects keep their own tags: the bucket's are not theirs.
    await t.client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "b", Value: "1" }] } }))
    await t.client.send(new PutObjectCommand({ Bucket: bucket, Key: "o", Body: "o" }))
    expect((await t.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "o" }))).TagSet).toEqual([])
  })

  it("needs the owner permission to change the tags, read permission to read them", async () => {
    const bucket = "tagging-perm"
    await t.client.send(new CreateBucketCommand({ Bucket: bucket }))
    await t.client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "a", Value: "b" }] } }))
    const id = (await t.node.store.bucketByName(bucket))!.id
    const other = await t.node.keys.create("tagging-writer")
    await t.node.keys.setPermission(other.id, id, { read: true, write: true })
    const c = t.clientFor(other.id, other.secret)
    expect((await c.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual([{ Key: "a", Value: "b" }])
    expect(await errorOf(c.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [] } })))).toEqual({ name: "AccessDenied", status: 403 })
    expect(await errorOf(c.send(new DeleteBucketTaggingCommand({ Bucket: bucket })))).toEqual({ name: "AccessDenied", status: 403 })
    // Object tags are written with the write permission, like the object.
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: "w", Body: "w", Tagging: "by=writer" }))
    await c.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "w", Tagging: { TagSet: [{ Key: "by", Value: "writer-again" }] } }))
    expect((await c.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "w" }))).TagSet).toEqual([{ Key: "by", Value: "writer-again" }])
    expect((await t.client.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual([{ Key: "a", Value: "b" }])
  })
})
