// Listing 2,500 keys with v1 and v2: pagination, delimiters (also multi-character),
// start-after, markers and encoding-type=url.
import { CreateBucketCommand, ListObjectsCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNode, type TestNode } from "./helpers.ts"

let t: TestNode
const keys: string[] = []
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "list" }))
  for (let d = 0; d < 5; d++) for (let i = 0; i < 500; i++) keys.push(`dir${d}/file${String(i).padStart(4, "0")}`)
  keys.push("top-a", "top-b", "x::y::z", "x::w", "space key+plus")
  // Write through the store directly: the S3 write path is covered elsewhere, this keeps setup fast.
  const bucket = (await t.node.store.bucketByName("list"))!
  for (const key of keys) {
    const staged = await t.node.store.writeData((async function* () { yield Buffer.from(key) })(), { allowInline: true })
    await t.node.store.putObject(bucket.id, { key, contentType: "text/plain", headers: {}, userMeta: {}, size: key.length, etag: '"x"', lastModified: Date.now(), data: staged.data })
    await staged.release()
  }
  await t.client.send(new PutObjectCommand({ Bucket: "list", Key: "dir0/file0000", Body: "through s3" }))
}, 60_000)
afterAll(async () => t.stop())

const sorted = () => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))

describe("ListObjectsV2", () => {
  it("pages through 2,505 keys with continuation tokens", async () => {
    const seen: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const r = await t.client.send(new ListObjectsV2Command({ Bucket: "list", ContinuationToken: token }))
      seen.push(...(r.Contents ?? []).map((c) => c.Key!))
      expect(r.KeyCount).toBe((r.Contents ?? []).length)
      token = r.IsTruncated === true ? r.NextContinuationToken : undefined
      pages++
    } while (token !== undefined)
    expect(pages).toBe(3)
    expect(seen).toEqual(sorted())
  })

  it("rolls keys into common prefixes with a delimiter and pages over prefixes", async () => {
    const r = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Delimiter: "/" }))
    expect(r.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir0/", "dir1/", "dir2/", "dir3/", "dir4/"])
    expect(r.Contents!.map((c) => c.Key)).toEqual(["space key+plus", "top-a", "top-b", "x::w", "x::y::z"])
    const seen: string[] = []
    let token: string | undefined
    do {
      const p = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Delimiter: "/", MaxKeys: 2, ContinuationToken: token }))
      seen.push(...(p.CommonPrefixes ?? []).map((c) => c.Prefix!), ...(p.Contents ?? []).map((c) => c.Key!))
      expect((p.CommonPrefixes ?? []).length + (p.Contents ?? []).length).toBeLessThanOrEqual(2)
      token = p.IsTruncated === true ? p.NextContinuationToken : undefined
    } while (token !== undefined)
    expect(seen.sort()).toEqual(["dir0/", "dir1/", "dir2/", "dir3/", "dir4/", "space key+plus", "top-a", "top-b", "x::w", "x::y::z"].sort())
  })

  it("supports prefixes, multi-character delimiters, start-after and max-keys", async () => {
    const r = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Prefix: "x", Delimiter: "::" }))
    expect(r.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["x::"])
    const r2 = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Prefix: "x::", Delimiter: "::" }))
    expect(r2.Contents!.map((c) => c.Key)).toEqual(["x::w"])
    expect(r2.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["x::y::"])
    const r3 = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Prefix: "dir3/", StartAfter: "dir3/file0497" }))
    expect(r3.Contents!.map((c) => c.Key)).toEqual(["dir3/file0498", "dir3/file0499"])
    const r4 = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Prefix: "dir1/", MaxKeys: 7 }))
    expect(r4.Contents!.length).toBe(7)
    expect(r4.IsTruncated).toBe(true)
  })

  it("an empty continuation-token lists from the start and is echoed (ceph s3-tests test_bucket_listv2_continuationtoken_empty)", async () => {
    const r = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Prefix: "top-", ContinuationToken: "" }))
    expect([r.ContinuationToken, r.IsTruncated, r.Contents!.map((c) => c.Key)]).toEqual(["", false, ["top-a", "top-b"]])
  })

  it("url-encodes keys with encoding-type=url", async () => {
    const r = await t.client.send(new ListObjectsV2Command({ Bucket: "list", Prefix: "space", EncodingType: "url" }))
    expect(r.Contents!.map((c) => c.Key)).toEqual(["space%20key%2Bplus"])
    const raw = await fetch(`${t.node.s3Url}/list?list-type=2&prefix=space&encoding-type=url`)
    expect(raw.status).toBe(403)
  })
})

describe("max-keys=0", () => {
  it("lists nothing and is not truncated, in v1, v2 and ListObjectVersions (ceph s3-tests test_bucket_list(v2)_maxkeys_zero)", async () => {
    const v1 = await t.client.send(new ListObjectsCommand({ Bucket: "list", MaxKeys: 0 }))
    const v2 = await t.client.send(new ListObjectsV2Command({ Bucket: "list", MaxKeys: 0 }))
    const versions = await t.client.send(new ListObjectVersionsCommand({ Bucket: "list", MaxKeys: 0 }))
    expect([v1.IsTruncated, v1.Contents, v1.NextMarker]).toEqual([false, undefined, undefined])
    expect([v2.IsTruncated, v2.Contents, v2.KeyCount, v2.NextContinuationToken]).toEqual([false, undefined, 0, undefined])
    expect([versions.IsTruncated, versions.Versions, versions.NextKeyMarker]).toEqual([false, undefined, undefined])
  })
})

describe("ListObjects v1", () => {
  it("pages with markers and NextMarker over delimiter groups", async () => {
    const seen: string[] = []
    let marker: string | undefined
    do {
      const r = await t.client.send(new ListObjectsCommand({ Bucket: "list", Marker: marker, MaxKeys: 1000 }))
      seen.push(...(r.Contents ?? []).map((c) => c.Key!))
      marker = r.IsTruncated === true ? (r.NextMarker ?? r.Contents![r.Contents!.length - 1]!.Key) : undefined
    } while (marker !== undefined)
    expect(seen).toEqual(sorted())
    // Without a delimiter AWS leaves NextMarker out; clients continue from the last key.
    const plain = await t.client.send(new ListObjectsCommand({ Bucket: "list", MaxKeys: 2 }))
    expect([plain.IsTruncated, plain.NextMarker]).toEqual([true, undefined])
    const d = await t.client.send(new ListObjectsCommand({ Bucket: "list", Delimiter: "/", MaxKeys: 3 }))
    expect(d.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir0/", "dir1/", "dir2/"])
    expect(d.NextMarker).toBe("dir2/")
    const d2 = await t.client.send(new ListObjectsCommand({ Bucket: "list", Delimiter: "/", Marker: d.NextMarker }))
    expect(d2.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir3/", "dir4/"])
  })
})
