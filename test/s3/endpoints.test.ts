// The rest of issue 7's endpoint list end to end with @aws-sdk/client-s3, beyond the basics in
// objects.test.ts: DeleteObjects with CRC32 (what current SDKs send instead of Content-MD5),
// presigned URLs with overrides, conditional HEAD and ranges, CopyObject and UploadPartCopy
// edge cases, ListObjectVersions and ListMultipartUploads paging, ACL endpoints, CORS on
// actual responses, and 501 for what is not implemented (tagging: tagging.test.ts).
import {
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketEncryptionCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketTaggingCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  PutObjectRetentionCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3"
import { getSignedUrl } from "@aws-sdk/s3-request-presigner"
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deterministicBytes } from "./deterministic-data.ts"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, send, signedRequest } from "./signing.ts"

let t: TestNode
const B = "endpoints"
const MiB = 1024 * 1024
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: B, ACL: "private" }))
})
afterAll(async () => t.stop())

const put = (Key: string, Body: string | Uint8Array, extra: Record<string, unknown> = {}) => t.client.send(new PutObjectCommand({ Bucket: B, Key, Body, ...extra }))
const getText = async (Key: string, extra: Record<string, unknown> = {}) => (await t.client.send(new GetObjectCommand({ Bucket: B, Key, ...extra }))).Body!.transformToString()
const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex")

/** Records the request headers the SDK sends for the next command. */
const recordHeaders = () => {
  const seen: Record<string, string>[] = []
  const client = t.clientFor(t.key.id, t.key.secret)
  client.middlewareStack.add(
    (next) => async (args) => {
      seen.push({ ...(args.request as { headers: Record<string, string> }).headers })
      return next(args)
    },
    { step: "finalizeRequest", priority: "low" },
  )
  return { client, seen }
}

describe("ListBuckets", () => {
  it("pages with max-buckets and continuation tokens, and filters by prefix", async () => {
    for (const n of ["lb-a", "lb-b", "lb-c"]) await t.client.send(new CreateBucketCommand({ Bucket: n }))
    const first = await t.client.send(new ListBucketsCommand({ Prefix: "lb-", MaxBuckets: 2 }))
    expect(first.Buckets!.map((b) => b.Name)).toEqual(["lb-a", "lb-b"])
    const second = await t.client.send(new ListBucketsCommand({ Prefix: "lb-", MaxBuckets: 2, ContinuationToken: first.ContinuationToken }))
    expect([second.Buckets!.map((b) => b.Name), second.ContinuationToken]).toEqual([["lb-c"], undefined])
    expect((await t.client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual(expect.arrayContaining(["endpoints", "lb-a", "lb-b", "lb-c"]))
  })
})

describe("GetBucketVersioning", () => {
  it("reports a bucket whose versioning was never enabled (no Status)", async () => {
    const v = await t.client.send(new GetBucketVersioningCommand({ Bucket: B }))
    expect([v.$metadata.httpStatusCode, v.Status, v.MFADelete]).toEqual([200, undefined, undefined])
  })
})

describe("DeleteObjects", () => {
  it("accepts the SDK's CRC32 instead of Content-MD5 and refuses a wrong CRC32 without deleting", async () => {
    await put("del/a", "a")
    await put("del/b", "b")
    const { client, seen } = recordHeaders()
    const r = await client.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: "del/a" }] } }))
    expect(r.Deleted!.map((d) => d.Key)).toEqual(["del/a"])
    expect(seen[0]!["x-amz-checksum-crc32"]).toBeDefined()
    expect(seen[0]!["content-md5"]).toBeUndefined()
    const body = `<Delete><Object><Key>del/b</Key></Object></Delete>`
    const req = await signedRequest(t.node.s3Url, "POST", `/${B}`, {
      accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), query: { delete: "" }, headers: { "x-amz-checksum-crc32": "AAAAAA==" },
    })
    const bad = await send(req.url, "POST", req.headers, body)
    expect(bad.status).toBe(400)
    expect(codeOf(bad)).toBe("BadDigest")
    expect(await getText("del/b")).toBe("b")
  })

  it("needs Content-MD5, an x-amz-checksum-* or a signed payload, like AWS", async () => {
    await put("del/c", "c")
    const body = `<Delete><Object><Key>del/c</Key></Object></Delete>`
    const unsigned = (headers: Record<string, string>) =>
      signedRequest(t.node.s3Url, "POST", `/${B}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: "UNSIGNED-PAYLOAD", query: { delete: "" }, headers })
    const bare = await unsigned({})
    const refused = await send(bare.url, "POST", bare.headers, body)
    expect([refused.status, codeOf(refused)]).toEqual([400, "InvalidRequest"])
    expect(await getText("del/c")).toBe("c")
    const withMd5 = await unsigned({ "content-md5": createHash("md5").update(body).digest("base64") })
    expect((await send(withMd5.url, "POST", withMd5.headers, body)).status).toBe(200)
    expect((await errorOf(getText("del/c"))).name).toBe("NoSuchKey")
  })

  it("reports per-key errors for versions that do not exist", async () => {
    await put("del/v", "v")
    const r = await t.client.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: "del/v", VersionId: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY" }, { Key: "del/v", VersionId: "null" }] } }))
    expect(r.Errors!.map((e) => e.Code)).toEqual(["NoSuchVersion"])
    expect(r.Deleted!.map((d) => [d.Key, d.VersionId])).toEqual([["del/v", "null"]])
  })
})

describe("presigned URLs", () => {
  it("a presigned GET applies response-* overrides; a presigned PUT keeps its signed content type", async () => {
    const putUrl = await getSignedUrl(t.presigner, new PutObjectCommand({ Bucket: B, Key: "pre/typed", ContentType: "text/x-signed" }), { expiresIn: 60, signableHeaders: new Set(["content-type"]) })
    expect((await fetch(putUrl, { method: "PUT", body: "typed", headers: { "content-type": "text/x-signed" } })).status).toBe(200)
    const wrongType = await fetch(putUrl, { method: "PUT", body: "typed", headers: { "content-type": "text/other" } })
    expect(wrongType.status).toBe(403)
    expect(codeOf({ status: 403, headers: {}, body: await wrongType.text() })).toBe("SignatureDoesNotMatch")
    const getUrl = await getSignedUrl(t.client, new GetObjectCommand({ Bucket: B, Key: "pre/typed", ResponseContentDisposition: "attachment; filename=\"x.txt\"" }), { expiresIn: 60 })
    const got = await fetch(getUrl)
    expect(got.status).toBe(200)
    expect(got.headers.get("content-type")).toBe("text/x-signed")
    expect(got.headers.get("content-disposition")).toBe("attachment; filename=\"x.txt\"")
    // The same URL with another method is another request: its signature does not match.
    const asDelete = await fetch(getUrl, { method: "DELETE" })
    expect(asDelete.status).toBe(403)
    expect(await getText("pre/typed")).toBe("typed")
  })
  it("a presigned PUT applies the x-amz-* headers its URL carries as query parameters (metadata, tagging)", async () => {
    const url = await getSignedUrl(t.presigner, new PutObjectCommand({ Bucket: B, Key: "pre/meta", Metadata: { origin: "presigned" }, Tagging: "k=v" }), { expiresIn: 60 })
    // the SDK moves these headers into the signed query string
    expect(new URL(url).searchParams.get("x-amz-meta-origin")).toBe("presigned")
    expect((await fetch(url, { method: "PUT", body: "with meta" })).status).toBe(200)
    const head = await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "pre/meta" }))
    expect(head.Metadata).toEqual({ origin: "presigned" })
    expect(head.TagCount).toBe(1)
    // altering a carried header breaks the signature
    const altered = new URL(url)
    altered.searchParams.set("x-amz-meta-origin", "forged")
    expect((await fetch(altered, { method: "PUT", body: "forged" })).status).toBe(403)
    expect(await getText("pre/meta")).toBe("with meta")
  })
  it("a presigned URL refuses x-amz-* headers its signer did not sign (a copy source, metadata overriding the signed query's)", async () => {
    await t.client.send(new PutObjectCommand({ Bucket: B, Key: "pre/secret", Body: "secret" }))
    const url = await getSignedUrl(t.presigner, new PutObjectCommand({ Bucket: B, Key: "pre/upload", Metadata: { by: "alice" } }), { expiresIn: 60 })
    const copy = await fetch(url, { method: "PUT", body: "", headers: { "x-amz-copy-source": `/${B}/pre/secret` } })
    expect(copy.status).toBe(403)
    const body = await copy.text()
    expect(codeOf({ status: 403, headers: {}, body })).toBe("AccessDenied")
    expect(body).toContain("<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>")
    const override = await fetch(url, { method: "PUT", body: "mine", headers: { "x-amz-meta-by": "mallory" } })
    expect(override.status).toBe(403)
    expect(await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "pre/upload" })).catch((e: Error) => e.name)).toBe("NotFound")
    // the URL as signed still works
    expect((await fetch(url, { method: "PUT", body: "mine" })).status).toBe(200)
    expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "pre/upload" }))).Metadata).toEqual({ by: "alice" })
  })
  it("metadata carried in a presigned URL is stored as its UTF-8 bytes, as metadata botocore sends in a header", async () => {
    const url = await getSignedUrl(t.presigner, new PutObjectCommand({ Bucket: B, Key: "pre/utf8-query", Metadata: { m: "café €" } }), { expiresIn: 60 })
    expect((await fetch(url, { method: "PUT", body: "x" })).status).toBe(200)
    // Node reads header bytes as latin1 chars: the UTF-8 bytes come back one char each
    const viaQuery = await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "pre/utf8-query" }))
    expect(viaQuery.Metadata).toEqual({ m: Buffer.from("café €", "utf8").toString("latin1") })
    const bad = await getSignedUrl(t.presigner, new PutObjectCommand({ Bucket: B, Key: "pre/ctl", Metadata: { m: "a\u0001b" } }), { expiresIn: 60 })
    const refused = await fetch(bad, { method: "PUT", body: "x" })
    expect(refused.status).toBe(400)
    expect(codeOf({ status: 400, headers: {}, body: await refused.text() })).toBe("InvalidArgument")
  })
  it("a URL presigned with the SDK's default checksum (the CRC32 of an empty body) refuses a real body, as S3 does", async () => {
    const url = await getSignedUrl(t.client, new PutObjectCommand({ Bucket: B, Key: "pre/crc" }), { expiresIn: 60 })
    expect(new URL(url).searchParams.get("x-amz-checksum-crc32")).toBe("AAAAAA==")
    const r = await fetch(url, { method: "PUT", body: "not empty" })
    expect(r.status).toBe(400)
    expect(codeOf({ status: 400, headers: {}, body: await r.text() })).toBe("BadDigest")
    expect((await fetch(url, { method: "PUT", body: "" })).status).toBe(200)
  })
})

describe("conditional requests and ranges", () => {
  it("HEAD honours If-None-Match (304) and If-Match (412) like GET", async () => {
    const { ETag } = await put("cond/h", "head me")
    expect((await errorOf(t.client.send(new HeadObjectCommand({ Bucket: B, Key: "cond/h", IfNoneMatch: ETag })))).status).toBe(304)
    expect((await errorOf(t.client.send(new HeadObjectCommand({ Bucket: B, Key: "cond/h", IfMatch: '"nope"' })))).status).toBe(412)
    expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "cond/h", IfNoneMatch: `"other", ${ETag}x` }))).ContentLength).toBe(7)
    expect((await errorOf(t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/h", IfNoneMatch: `"other", ${ETag}` })))).status).toBe(304)
  })

  it("a precondition is checked before the range; unparsable and multiple ranges serve the whole object", async () => {
    const { ETag } = await put("cond/r", "0123456789")
    expect((await errorOf(t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/r", Range: "bytes=20-30", IfMatch: '"nope"' })))).status).toBe(412)
    const r = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/r", Range: "bytes=0-0", IfMatch: ETag }))
    expect(r.$metadata.httpStatusCode).toBe(206)
    expect(await r.Body!.transformToString()).toBe("0")
    expect(await errorOf(t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/r", PartNumber: 2 })))).toEqual({ name: "InvalidPartNumber", status: 416 })
    for (const Range of ["bytes=0-1,4-5", "items=0-1", "bytes=5-2"]) {
      const whole = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/r", Range }))
      expect(whole.$metadata.httpStatusCode).toBe(200)
      expect(await whole.Body!.transformToString()).toBe("0123456789")
    }
  })

  it("a 412 names the condition that failed", async () => {
    await put("cond/412", "x")
    for (const [headers, condition] of [[{ "if-match": '"nope"' }, "If-Match"], [{ "if-unmodified-since": "Sat, 29 Oct 1994 19:43:31 GMT" }, "If-Unmodified-Since"]] as const) {
      const req = await signedRequest(t.node.s3Url, "GET", `/${B}/cond/412`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(""), headers })
      const r = await send(req.url, "GET", req.headers)
      expect([r.status, codeOf(r), /<Condition>([^<]*)<\/Condition>/.exec(r.body)?.[1]]).toEqual([412, "PreconditionFailed", condition])
    }
  })

  it("a 416 names the object size in Content-Range; an empty object's suffix range serves it whole", async () => {
    await put("cond/416", "0123456789")
    const req = await signedRequest(t.node.s3Url, "GET", `/${B}/cond/416`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(""), headers: { range: "bytes=10-" } })
    const r = await send(req.url, "GET", req.headers)
    expect([r.status, codeOf(r), r.headers["content-range"]]).toEqual([416, "InvalidRange", "bytes */10"])
    await put("cond/empty", "")
    const tail = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/empty", Range: "bytes=-5" }))
    expect([tail.$metadata.httpStatusCode, tail.ContentRange, tail.ContentLength]).toEqual([200, undefined, 0])
    expect(await errorOf(t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/empty", Range: "bytes=0-" })))).toEqual({ name: "InvalidRange", status: 416 })
  })

  it("partNumber=1 of a single-part object is a ranged answer (206, Content-Range) without a parts count, as on AWS", async () => {
    await put("cond/p1", "0123456789")
    for (const r of [
      await t.client.send(new GetObjectCommand({ Bucket: B, Key: "cond/p1", PartNumber: 1 })),
      await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "cond/p1", PartNumber: 1 })),
    ]) expect([r.$metadata.httpStatusCode, r.ContentRange, r.ContentLength, r.PartsCount]).toEqual([206, "bytes 0-9/10", 10, undefined])
  })
})

describe("CopyObject and UploadPartCopy", () => {
  it("copies between buckets with URL-encoded source keys, canned ACLs and source conditions", async () => {
    await t.client.send(new CreateBucketCommand({ Bucket: "endpoints-dst" }))
    const src = await put("copy/ü ber+key", "copied bytes", { ContentType: "text/a", ACL: "bucket-owner-full-control" })
    const r = await t.client.send(new CopyObjectCommand({ Bucket: "endpoints-dst", Key: "x", CopySource: `${B}/${encodeURIComponent("copy/ü ber+key")}`, ACL: "private" }))
    expect(r.CopyObjectResult!.ETag).toBe(src.ETag)
    expect(await (await t.client.send(new GetObjectCommand({ Bucket: "endpoints-dst", Key: "x" }))).Body!.transformToString()).toBe("copied bytes")
    const source = `${B}/${encodeURIComponent("copy/ü ber+key")}`
    const future = new Date(Date.now() + 3600_000)
    expect((await errorOf(t.client.send(new CopyObjectCommand({ Bucket: B, Key: "copy/y", CopySource: source, CopySourceIfNoneMatch: src.ETag })))).status).toBe(412)
    expect((await errorOf(t.client.send(new CopyObjectCommand({ Bucket: B, Key: "copy/y", CopySource: source, CopySourceIfModifiedSince: future })))).status).toBe(412)
    // Replacing the metadata of an object in place is allowed.
    await t.client.send(new CopyObjectCommand({ Bucket: B, Key: "copy/ü ber+key", CopySource: source, MetadataDirective: "REPLACE", ContentType: "text/b" }))
    expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "copy/ü ber+key" }))).ContentType).toBe("text/b")
  })

  it("UploadPartCopy copies ranges that span the parts of a multipart source, with source conditions", async () => {
    const seed = "upc"
    const { UploadId: srcUpload } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "upc/src" }))
    const p1 = await t.client.send(new UploadPartCommand({ Bucket: B, Key: "upc/src", UploadId: srcUpload, PartNumber: 1, Body: deterministicBytes(seed, 0, 5 * MiB) }))
    const p2 = await t.client.send(new UploadPartCommand({ Bucket: B, Key: "upc/src", UploadId: srcUpload, PartNumber: 2, Body: deterministicBytes(seed, 5 * MiB, MiB) }))
    const src = await t.client.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: "upc/src", UploadId: srcUpload, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag! }, { PartNumber: 2, ETag: p2.ETag! }] } }))
    const { UploadId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "upc/dst" }))
    const first = 3 * MiB
    const last = 5 * MiB + 100
    const c = await t.client.send(new UploadPartCopyCommand({ Bucket: B, Key: "upc/dst", UploadId, PartNumber: 1, CopySource: `${B}/upc/src`, CopySourceRange: `bytes=${first}-${last}`, CopySourceIfMatch: src.ETag }))
    const expected = deterministicBytes(seed, first, last - first + 1 + 15).subarray(0, last - first + 1)
    expect(c.CopyPartResult!.ETag).toBe(`"${createHash("md5").update(expected).digest("hex")}"`)
    expect((await errorOf(t.client.send(new UploadPartCopyCommand({ Bucket: B, Key: "upc/dst", UploadId, PartNumber: 2, CopySource: `${B}/upc/src`, CopySourceIfMatch: '"nope"' })))).status).toBe(412)
    expect((await errorOf(t.client.send(new UploadPartCopyCommand({ Bucket: B, Key: "upc/dst", UploadId, PartNumber: 2, CopySource: `${B}/upc/src`, CopySourceRange: "bytes=5-" })))).name).toBe("InvalidArgument")
    await t.client.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: "upc/dst", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: c.CopyPartResult!.ETag! }] } }))
    const got = Buffer.from(await (await t.client.send(new GetObjectCommand({ Bucket: B, Key: "upc/dst" }))).Body!.transformToByteArray())
    expect(got.equals(expected)).toBe(true)
  })
})

describe("CompleteMultipartUpload", () => {
  it("decodes numeric character references in the XML (rclone writes ETag quotes as &#34;)", async () => {
    const { UploadId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "ncr" }))
    const { ETag } = await t.client.send(new UploadPartCommand({ Bucket: B, Key: "ncr", UploadId, PartNumber: 1, Body: "only part" }))
    const bare = ETag!.replace(/"/g, "")
    const body = `<CompleteMultipartUpload><Part><ETag>&#34;${bare}&#x22;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`
    const req = await signedRequest(t.node.s3Url, "POST", `/${B}/ncr`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), query: { uploadId: UploadId! } })
    const r = await send(req.url, "POST", req.headers, body)
    expect(r.status).toBe(200)
    expect(await getText("ncr")).toBe("only part")
  })
})

describe("listing versions and uploads", () => {
  it("ListObjectVersions pages with key markers and rolls up common prefixes", async () => {
    for (const k of ["ver/a", "ver/b", "ver/c", "ver/d/1", "ver/d/2", "ver/e"]) await put(k, k)
    const seen: string[] = []
    let KeyMarker: string | undefined
    let VersionIdMarker: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const r = await t.client.send(new ListObjectVersionsCommand({ Bucket: B, Prefix: "ver/", Delimiter: "/", MaxKeys: 2, KeyMarker, VersionIdMarker }))
      seen.push(...(r.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix!))
      if (r.IsTruncated !== true) break
      KeyMarker = r.NextKeyMarker
      VersionIdMarker = r.NextVersionIdMarker
    }
    expect(seen).toEqual(["ver/a@null", "ver/b@null", "ver/c@null", "ver/d/", "ver/e@null"])
  })

  it("ListMultipartUploads filters by prefix, rolls up by delimiter and pages, also after a common prefix", async () => {
    for (const k of ["mpu/a", "mpu/b", "mpu/dir/x", "mpu/dir/y", "mpu/z", "other"]) await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: k }))
    for (const MaxUploads of [1, 2, 3]) {
      const seen: string[] = []
      let KeyMarker: string | undefined
      let UploadIdMarker: string | undefined
      for (let pages = 0; pages < 10; pages++) {
        const r = await t.client.send(new ListMultipartUploadsCommand({ Bucket: B, Prefix: "mpu/", Delimiter: "/", MaxUploads, KeyMarker, UploadIdMarker }))
        const page = [...(r.Uploads ?? []).map((u) => u.Key!), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort()
        expect(page.length).toBeLessThanOrEqual(MaxUploads)
        seen.push(...page)
        if (r.IsTruncated !== true) break
        expect(r.NextKeyMarker).toBe(page[page.length - 1])
        KeyMarker = r.NextKeyMarker
        UploadIdMarker = r.NextUploadIdMarker
      }
      expect(seen).toEqual(["mpu/a", "mpu/b", "mpu/dir/", "mpu/z"])
    }
  })
})

describe("ACL endpoints", () => {
  it("accepts canned and owner-only ACLs, refuses grants to others with 501, and needs the object", async () => {
    await put("acl/o", "o", { ACL: "bucket-owner-full-control" })
    await t.client.send(new PutObjectAclCommand({ Bucket: B, Key: "acl/o", ACL: "private" }))
    await t.client.send(new PutObjectAclCommand({
      Bucket: B, Key: "acl/o",
      AccessControlPolicy: { Owner: { ID: t.key.id }, Grants: [{ Grantee: { Type: "CanonicalUser", ID: t.key.id }, Permission: "FULL_CONTROL" }] },
    }))
    expect(await errorOf(t.client.send(new PutObjectAclCommand({
      Bucket: B, Key: "acl/o",
      AccessControlPolicy: { Owner: { ID: t.key.id }, Grants: [{ Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" }] },
    })))).toEqual({ name: "NotImplemented", status: 501 })
    expect((await errorOf(t.client.send(new PutObjectAclCommand({ Bucket: B, Key: "acl/o", GrantRead: "uri=http://acs.amazonaws.com/groups/global/AllUsers" })))).status).toBe(501)
    const acl = await t.client.send(new GetObjectAclCommand({ Bucket: B, Key: "acl/o" }))
    expect(acl.Grants!.map((g) => [g.Grantee!.ID, g.Permission])).toEqual([[t.key.id, "FULL_CONTROL"]])
    expect((await errorOf(t.client.send(new GetObjectAclCommand({ Bucket: B, Key: "acl/missing" })))).name).toBe("NoSuchKey")
    expect((await errorOf(put("acl/bad", "x", { ACL: "everyone" as "private" }))).name).toBe("InvalidArgument")
  })
})

describe("CORS", () => {
  it("adds CORS headers to actual responses and refuses preflights outside the rules", async () => {
    await t.client.send(new PutBucketCorsCommand({
      Bucket: B,
      CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["https://app.test"], AllowedMethods: ["GET"], AllowedHeaders: ["x-amz-*"], ExposeHeaders: ["ETag"] }] },
    }))
    await put("cors/o", "cors")
    const { client } = recordHeaders()
    client.middlewareStack.add((next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers["origin"] = "https://app.test"
      return next(args)
    }, { step: "build" })
    const raw: Record<string, string | undefined> = {}
    client.middlewareStack.add((next) => async (args) => {
      const out = await next(args)
      const h = (out.response as { headers: Record<string, string> }).headers
      raw["acao"] = h["access-control-allow-origin"]
      raw["expose"] = h["access-control-expose-headers"]
      return out
    }, { step: "deserialize" })
    await client.send(new GetObjectCommand({ Bucket: B, Key: "cors/o" }))
    expect(raw).toEqual({ acao: "https://app.test", expose: "ETag" })
    const pre = (headers: Record<string, string>) => fetch(`${t.node.s3Url}/${B}/cors/o`, { method: "OPTIONS", headers })
    const ok = await pre({ origin: "https://app.test", "access-control-request-method": "GET", "access-control-request-headers": "x-amz-date, X-Amz-Content-Sha256" })
    expect(ok.status).toBe(200)
    expect(ok.headers.get("access-control-allow-methods")).toBe("GET")
    expect((await pre({ origin: "https://app.test", "access-control-request-method": "PUT" })).status).toBe(403)
    expect((await pre({ origin: "https://app.test", "access-control-request-method": "GET", "access-control-request-headers": "authorization" })).status).toBe(403)
    expect((await pre({ origin: "https://app.test.evil", "access-control-request-method": "GET" })).status).toBe(403)
    const noCors = await fetch(`${t.node.s3Url}/endpoints-dst/x`, { method: "OPTIONS", headers: { origin: "https://app.test", "access-control-request-method": "GET" } })
    expect(noCors.status).toBe(403)
    expect(codeOf({ status: 403, headers: {}, body: await noCors.text() })).toBe("AccessDenied")
  })
})

describe("service root", () => {
  it("answers writes to / (CreateBucket with an empty name) with 405 MethodNotAllowed, as AWS does", async () => {
    for (const method of ["PUT", "POST", "DELETE"]) {
      const req = await signedRequest(t.node.s3Url, method, "/", { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha("") })
      const r = await send(req.url, method, req.headers, "")
      expect([method, r.status, codeOf(r), r.headers.allow]).toEqual([method, 405, "MethodNotAllowed", "GET"])
      expect(r.body).toContain("<ResourceType>SERVICE</ResourceType>")
    }
  })
})

describe("configurations Pollen does not implement, read back as never set", () => {
  it("answers each GET as AWS does for a bucket without it, DELETE with 204, and an untagged object's tag set as empty", async () => {
    const absent: Array<[string, () => Promise<unknown>]> = [
      ["ServerSideEncryptionConfigurationNotFoundError", () => t.client.send(new GetBucketEncryptionCommand({ Bucket: B }))],
      ["NoSuchBucketPolicy", () => t.client.send(new GetBucketPolicyCommand({ Bucket: B }))],
      ["NoSuchTagSet", () => t.client.send(new GetBucketTaggingCommand({ Bucket: B }))],
      ["ReplicationConfigurationNotFoundError", () => t.client.send(new GetBucketReplicationCommand({ Bucket: B }))],
      ["ObjectLockConfigurationNotFoundError", () => t.client.send(new GetObjectLockConfigurationCommand({ Bucket: B }))],
      ["OwnershipControlsNotFoundError", () => t.client.send(new GetBucketOwnershipControlsCommand({ Bucket: B }))],
      ["NoSuchPublicAccessBlockConfiguration", () => t.client.send(new GetPublicAccessBlockCommand({ Bucket: B }))],
    ]
    for (const [code, c] of absent) expect(await errorOf(c())).toEqual({ name: code, status: 404 })
    const logging = await t.client.send(new GetBucketLoggingCommand({ Bucket: B }))
    expect([logging.$metadata.httpStatusCode, logging.LoggingEnabled]).toEqual([200, undefined])
    expect((await t.client.send(new GetBucketRequestPaymentCommand({ Bucket: B }))).Payer).toBe("BucketOwner")
    expect((await t.client.send(new GetBucketAccelerateConfigurationCommand({ Bucket: B }))).Status).toBeUndefined()
    expect((await t.client.send(new DeleteBucketPolicyCommand({ Bucket: B }))).$metadata.httpStatusCode).toBe(204)
    expect((await t.client.send(new DeleteBucketTaggingCommand({ Bucket: B }))).$metadata.httpStatusCode).toBe(204)
    await put("absent/o", "o")
    const tags = await t.client.send(new GetObjectTaggingCommand({ Bucket: B, Key: "absent/o" }))
    expect([tags.$metadata.httpStatusCode, tags.TagSet]).toEqual([200, []])
    expect((await errorOf(t.client.send(new GetObjectTaggingCommand({ Bucket: B, Key: "absent/none" })))).name).toBe("NoSuchKey")
    expect((await errorOf(t.client.send(new GetBucketPolicyCommand({ Bucket: "endpoints-no-such" })))).name).toBe("NoSuchBucket")
  })
})

describe("not implemented", () => {
  it("refuses encryption, object lock and other storage classes with 501 instead of ignoring them", async () => {
    const refused: Record<string, unknown>[] = [
      { ServerSideEncryption: "AES256" },
      { SSECustomerAlgorithm: "AES256", SSECustomerKey: "k".repeat(32) },
      { StorageClass: "GLACIER" },
      { ObjectLockMode: "COMPLIANCE", ObjectLockRetainUntilDate: new Date(Date.now() + 86400_000) },
    ]
    for (const extra of refused) expect(await errorOf(put("ni/refused", "x", extra))).toEqual({ name: "NotImplemented", status: 501 })
    expect((await errorOf(getText("ni/refused"))).name).toBe("NoSuchKey")
    await put("ni/standard", "x", { StorageClass: "STANDARD" })
    expect(await getText("ni/standard")).toBe("x")
    expect(await errorOf(t.client.send(new CreateBucketCommand({ Bucket: "endpoints-locked", ObjectLockEnabledForBucket: true })))).toEqual({ name: "NotImplemented", status: 501 })
  })

  it("answers 501 NotImplemented with S3 error XML, never a wrong success", async () => {
    await put("ni/o", "o")
    const cases: (() => Promise<unknown>)[] = [
      () => t.client.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } })),
      () => t.client.send(new PutBucketPolicyCommand({ Bucket: B, Policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) })),
      () => t.client.send(new PutBucketEncryptionCommand({ Bucket: B, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } })),
      // object lock (GetObjectAttributes, once here, is implemented: object-attributes.test.ts)
      () => t.client.send(new PutObjectRetentionCommand({ Bucket: B, Key: "ni/o", Retention: { Mode: "GOVERNANCE", RetainUntilDate: new Date(Date.now() + 86_400_000) } })),
      // Lifecycle rules Pollen cannot carry out (lifecycle.test.ts: the ones it can).
      () => t.client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: B, LifecycleConfiguration: { Rules: [{ ID: "r", Status: "Enabled", Filter: { Prefix: "" }, Transitions: [{ Days: 30, StorageClass: "GLACIER" }] }] } })),
    ]
    for (const c of cases) expect(await errorOf(c())).toEqual({ name: "NotImplemented", status: 501 })
    for (const [method, path, query] of [
      ["GET", `/${B}`, { constructor: "" }], // names of Object.prototype members are sub-resources like any other
      ["GET", `/${B}`, { toString: "" }],
      ["POST", `/${B}/ni/o`, { restore: "" }], ["POST", `/${B}/ni/o`, { select: "", "select-type": "2" }], ["PATCH", `/${B}/ni/o`, {}]] as const) {
      const req = await signedRequest(t.node.s3Url, method, path, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(""), query })
      const r = await send(req.url, method, req.headers, "")
      expect([method, path, r.status, codeOf(r)]).toEqual([method, path, 501, "NotImplemented"])
    }
    expect(await getText("ni/o")).toBe("o")
  })
})
