// fast-check fuzzing of the S3 surface: SigV4 headers and presigned queries, XML bodies,
// headers, raw paths, object keys and bucket names. Every case gets an S3 response (success or
// S3 error XML, never a 500), the node stays up, and a sentinel object never changes.
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3"
import { createHash } from "node:crypto"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, send, signedRequest, type RawResponse } from "./signing.ts"

let t: TestNode
let sentinelEtag: string
const SENTINEL = "keep/sentinel.txt"
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "fuzz-keep" }))
  await t.client.send(new CreateBucketCommand({ Bucket: "fuzz" }))
  sentinelEtag = (await t.client.send(new PutObjectCommand({ Bucket: "fuzz-keep", Key: SENTINEL, Body: "do not change" }))).ETag!
})
afterAll(async () => {
  // The node is still up and the sentinel is untouched.
  expect((await t.client.send(new ListBucketsCommand({}))).Buckets!.length).toBeGreaterThanOrEqual(2)
  const got = await t.client.send(new GetObjectCommand({ Bucket: "fuzz-keep", Key: SENTINEL }))
  expect(got.ETag).toBe(sentinelEtag)
  expect(await got.Body!.transformToString()).toBe("do not change")
  await t.stop()
})

/** An S3 answer: 2xx/3xx, or an error status with S3 error XML (no body for HEAD) — never 500. */
const wellFormed = (r: RawResponse, method = "GET"): boolean => {
  if (r.status === 500 || r.status === 0) return false
  if (r.status < 400) return true
  if (method === "HEAD") return true
  return codeOf(r) !== undefined && r.body.includes("<RequestId>")
}

const printable = fc.string({ unit: fc.constantFrom(..." !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"), maxLength: 200 })
const sha = (s: string) => createHash("sha256").update(s).digest("hex")

describe("fuzzing", () => {
  it("Authorization headers: arbitrary and mutated SigV4 headers get S3 errors", async () => {
    // The signed request writes a scratch key; a mutation may stay valid (e.g. extra spaces), but
    // then it must still carry the right signature.
    const valid = await signedRequest(t.node.s3Url, "PUT", "/fuzz/auth-target", { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha("evil") })
    const auth = valid.headers["authorization"]!
    const signature = /Signature=([0-9a-f]{64})/.exec(auth)![1]!
    const mutated = fc.tuple(fc.nat({ max: auth.length }), fc.nat({ max: 20 }), printable).map(([at, del, ins]) => auth.slice(0, at) + ins + auth.slice(at + del))
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, mutated, printable.map((s) => `AWS4-HMAC-SHA256 ${s}`)), async (authorization) => {
        const r = await send(valid.url, "PUT", { ...valid.headers, authorization: authorization.trim() === "" ? "x" : authorization }, "evil")
        expect(wellFormed(r)).toBe(true)
        if (r.status === 200) expect(authorization).toContain(signature)
      }),
      { numRuns: 150 },
    )
  })

  it("presigned query strings: arbitrary X-Amz-* values get S3 errors", async () => {
    const names = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"]
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...names), printable, { minKeys: 1 }), async (params) => {
        const r = await send(`${t.node.s3Url}/fuzz-keep/${SENTINEL}?${new URLSearchParams(params).toString()}`, "DELETE", {})
        expect(wellFormed(r)).toBe(true)
        expect(r.status).toBeGreaterThanOrEqual(400)
      }),
      { numRuns: 150 },
    )
  })

  it("XML bodies: DeleteObjects, CompleteMultipartUpload and PutBucketCors never fail with 500", async () => {
    const xmlish = fc.oneof(
      printable,
      fc.array(fc.constantFrom("<Delete>", "</Delete>", "<Object>", "</Object>", "<Key>", "</Key>", "a", "<Quiet>true</Quiet>", "<Part>", "</Part>", "<PartNumber>1</PartNumber>", "<ETag>\"x\"</ETag>", "<CORSConfiguration>", "<CORSRule>", "<AllowedOrigin>*</AllowedOrigin>", "<AllowedMethod>GET</AllowedMethod>", "</CORSRule>", "</CORSConfiguration>", "<!DOCTYPE x [<!ENTITY e \"e\">]>", "&e;", "<?xml version=\"1.0\"?>", "<CompleteMultipartUpload>", "</CompleteMultipartUpload>"), { maxLength: 30 }).map((a) => a.join("")),
    )
    const targets: { method: string; path: string; query: Record<string, string> }[] = [
      { method: "POST", path: "/fuzz/", query: { delete: "" } },
      { method: "PUT", path: "/fuzz/", query: { cors: "" } },
      { method: "POST", path: "/fuzz/obj", query: { uploadId: "0123456789abcdef0123456789abcdef" } },
      { method: "PUT", path: "/fuzz/", query: {} },
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), xmlish, async (target, body) => {
        const req = await signedRequest(t.node.s3Url, target.method, target.path, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), query: target.query })
        const r = await send(req.url, target.method, req.headers, body)
        expect(wellFormed(r)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it("request headers: conditional, range, checksum, copy and metadata headers never fail with 500", async () => {
    const headerNames = ["range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "content-md5", "x-amz-checksum-crc32", "x-amz-checksum-sha256", "x-amz-trailer", "x-amz-sdk-checksum-algorithm", "x-amz-copy-source", "x-amz-copy-source-range", "x-amz-metadata-directive", "x-amz-acl", "x-amz-meta-a", "content-type", "x-amz-checksum-mode", "x-amz-decoded-content-length"]
    const value = fc.oneof(printable, fc.constantFrom("bytes=0-1", "bytes=-5", "bytes=9999-", "*", "\"x\"", "fuzz-keep/keep/sentinel.txt", "/fuzz/none", "REPLACE", "COPY", "public-read", "AAAAAA==", "x-amz-checksum-crc32", "Wed, 21 Oct 2015 07:28:00 GMT"))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "PUT", "HEAD"),
        fc.dictionary(fc.constantFrom(...headerNames), value.filter((v) => v.trim() === v && v !== ""), { maxKeys: 5 }),
        fc.constantFrom(`/fuzz/target`, `/fuzz-keep/${SENTINEL}`),
        async (method, headers, path) => {
          // PUTs go to the scratch bucket only: writes to the sentinel are tested as "never succeeds" elsewhere.
          const p = method === "PUT" ? "/fuzz/target" : path
          const body = method === "PUT" ? "payload" : ""
          const req = await signedRequest(t.node.s3Url, method, p, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), headers })
          const r = await send(req.url, method, req.headers, method === "PUT" ? body : undefined)
          expect(wellFormed(r, method)).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it("raw paths and queries: any percent-encoding gets an S3 answer", async () => {
    const segment = fc.string({ unit: fc.constantFrom("%", "2", "F", "a", "/", "?", "&", "=", "x", "%C3", "%28", "..", "~", "%00", "%ZZ", "+"), maxLength: 30 })
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom("GET", "PUT", "DELETE", "HEAD", "POST", "OPTIONS"), async (path, method) => {
        const r = await send(`${t.node.s3Url}/${path}`, method, {})
        expect(wellFormed(r, method)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it("oversized bucket names, keys, prefixes and markers get S3 errors or empty results", async () => {
    const long = fc.tuple(fc.integer({ min: 200, max: 4000 }), fc.constantFrom("a", "é", "/", "%25")).map(([n, c]) => c.repeat(Math.ceil(n / c.length)))
    await fc.assert(
      fc.asyncProperty(
        long,
        fc.constantFrom("get-key", "put-key", "delete-key", "bucket", "prefix", "start-after", "marker", "copy-source"),
        async (big, where) => {
          const q: Record<string, string> = {}
          let path = "/fuzz/k"
          let method = "GET"
          const headers: Record<string, string> = {}
          if (where === "get-key") path = `/fuzz/${big}`
          if (where === "put-key") (path = `/fuzz/${big}`), (method = "PUT")
          if (where === "delete-key") (path = `/fuzz/${big}`), (method = "DELETE")
          if (where === "bucket") path = `/${big}/k`
          if (where === "prefix") (path = "/fuzz"), (q["list-type"] = "2"), (q["prefix"] = big)
          if (where === "start-after") (path = "/fuzz"), (q["list-type"] = "2"), (q["start-after"] = big)
          if (where === "marker") (path = "/fuzz"), (q["marker"] = big)
          if (where === "copy-source") (method = "PUT"), (path = "/fuzz/copy"), (headers["x-amz-copy-source"] = `/fuzz/${encodeURIComponent(big)}`)
          const req = await signedRequest(t.node.s3Url, method, path, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(""), query: q, headers })
          const r = await send(req.url, method, req.headers, method === "PUT" ? "" : undefined)
          expect(wellFormed(r, method)).toBe(true)
        },
      ),
      { numRuns: 60 },
    )
  })

  it("object keys: arbitrary Unicode keys round-trip or get an S3 error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }), async (key) => {
        try {
          await t.client.send(new PutObjectCommand({ Bucket: "fuzz", Key: key, Body: key }))
        } catch (e) {
          expect(e).toBeInstanceOf(S3ServiceException)
          expect((e as S3ServiceException).$metadata.httpStatusCode).not.toBe(500)
          return
        }
        const head = await t.client.send(new HeadObjectCommand({ Bucket: "fuzz", Key: key }))
        expect(head.ContentLength).toBe(Buffer.byteLength(key))
        expect(await (await t.client.send(new GetObjectCommand({ Bucket: "fuzz", Key: key }))).Body!.transformToString()).toBe(key)
      }),
      { numRuns: 100 },
    )
  })

  it("bucket names: valid names are created, invalid ones get InvalidBucketName", async () => {
    const valid = (n: string) =>
      n.length >= 3 && n.length <= 63 && /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(n) && !/\.\.|\.-|-\./.test(n) && !/^\d+\.\d+\.\d+\.\d+$/.test(n) && !/^(xn--|sthree-)/.test(n) && !/(-s3alias|--ol-s3)$/.test(n)
    const name = fc.oneof(fc.string({ unit: fc.constantFrom("a", "b", "0", "9", ".", "-", "A", "_", "x", "n"), minLength: 0, maxLength: 70 }), fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/))
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        // "." and ".." would be normalised away by URL parsing in the test client.
        fc.pre(n !== "fuzz" && n !== "fuzz-keep" && !n.includes("/") && n !== "" && n !== "." && n !== "..")
        const req = await signedRequest(t.node.s3Url, "PUT", `/${encodeURIComponent(n)}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha("") })
        const r = await send(req.url, "PUT", req.headers)
        expect(wellFormed(r)).toBe(true)
        if (valid(n)) expect([200, 409]).toContain(r.status)
        else expect(codeOf(r)).toBe("InvalidBucketName")
      }),
      { numRuns: 200 },
    )
  })
})
