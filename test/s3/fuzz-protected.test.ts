// fast-check fuzzing against a bucket of protected objects: mutated SigV4 Authorization headers
// and presigned query strings for requests that would delete them, XML bodies (DeleteObjects,
// CompleteMultipartUpload, CORS), arbitrary headers on conditional writes and raw object keys
// (bucket names: fuzz.test.ts). Every case gets well-formed S3 error XML (or the correct success for valid
// input), the node keeps answering, and a snapshot of the stored data is unchanged.
import { CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetBucketCorsCommand, ListBucketsCommand, PutBucketCorsCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3"
import { getSignedUrl } from "@aws-sdk/s3-request-presigner"
import { XMLParser, XMLValidator } from "fast-xml-parser"
import fc from "fast-check"
import { createHash, randomBytes } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startTestNode, type TestNode } from "./helpers.ts"
import { crc32 } from "../../src/api/s3/checksums.ts"
import { seedOf, send, signedRequest, streamingSignedBody, type RawResponse } from "./signing.ts"
import { storeSnapshot } from "./store-snapshot.ts"

const P = "protected"
const SCRATCH = "scratch"
/** Stored objects (p/multipart.bin is only an open upload). */
const PROTECTED_KEYS = ["p/inline.txt", "p/blocks.bin", "p/meta.txt"]
let t: TestNode
let before: unknown
let uploadId: string
let partEtag: string

const snapshot = () => storeSnapshot(t.node.store, [P])

beforeAll(async () => {
  t = await startTestNode()
  const c = t.client
  await c.send(new CreateBucketCommand({ Bucket: P }))
  await c.send(new CreateBucketCommand({ Bucket: SCRATCH }))
  await c.send(new PutObjectCommand({ Bucket: P, Key: "p/inline.txt", Body: "small" }))
  await c.send(new PutObjectCommand({ Bucket: P, Key: "p/blocks.bin", Body: randomBytes(2 * 1024 * 1024 + 7) }))
  await c.send(new PutObjectCommand({ Bucket: P, Key: "p/meta.txt", Body: "m", Metadata: { colour: "blue" }, ContentType: "text/x-m", ChecksumAlgorithm: "SHA256" }))
  const mpu = await c.send(new CreateMultipartUploadCommand({ Bucket: P, Key: "p/multipart.bin" }))
  uploadId = mpu.UploadId!
  partEtag = (await c.send(new UploadPartCommand({ Bucket: P, Key: "p/multipart.bin", UploadId: uploadId, PartNumber: 1, Body: "only part" }))).ETag!
  await c.send(new PutBucketCorsCommand({ Bucket: P, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["https://p.test"], AllowedMethods: ["GET"] }] } }))
  before = await snapshot()
}, 60_000)

afterEach(async () => {
  // The node answers and nothing stored changed.
  expect((await t.client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual(expect.arrayContaining([P, SCRATCH]))
  expect(await snapshot()).toEqual(before)
})
afterAll(async () => t.stop())

const KNOWN_STATUS: Record<string, number> = {
  AccessDenied: 403, SignatureDoesNotMatch: 403, InvalidAccessKeyId: 403, RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400, AuthorizationQueryParametersError: 400, InvalidRequest: 400, InvalidArgument: 400,
  MalformedXML: 400, InvalidPart: 400, InvalidPartOrder: 400, EntityTooSmall: 400, NoSuchUpload: 404, NoSuchKey: 404,
  NoSuchBucket: 404, InvalidBucketName: 400, PreconditionFailed: 412, NotImplemented: 501, BadDigest: 400, InvalidDigest: 400,
  InvalidRange: 416, XAmzContentSHA256Mismatch: 400, IncompleteBody: 400, InvalidURI: 400, KeyTooLongError: 400,
  InvalidTag: 400, BadRequest: 400,
}
const xml = new XMLParser({ parseTagValue: false })

/** An S3 error: status >= 400 (never 500), a well-formed <Error> with Code, Message and the request id of the header. */
const expectS3Error = (r: RawResponse, method = "GET"): string => {
  expect(r.status).toBeGreaterThanOrEqual(400)
  expect(r.status).not.toBe(500)
  const requestId = r.headers["x-amz-request-id"]
  expect(requestId).toMatch(/^[0-9A-F]{16}$/)
  if (method === "HEAD") return ""
  expect(XMLValidator.validate(r.body)).toBe(true)
  const doc = xml.parse(r.body) as { Error?: { Code?: string; Message?: string; RequestId?: string } }
  const code = doc.Error?.Code
  expect(typeof code).toBe("string")
  expect(typeof doc.Error?.Message).toBe("string")
  expect(doc.Error?.RequestId).toBe(requestId)
  if (code !== undefined && KNOWN_STATUS[code] !== undefined) expect([code, r.status]).toEqual([code, KNOWN_STATUS[code]])
  return code ?? ""
}

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex")
const visible = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 })
/** A string edited at a random place: characters deleted and others inserted. */
const edit = (s: string) =>
  fc.tuple(fc.nat({ max: s.length }), fc.nat({ max: 12 }), visible).map(([at, del, ins]) => s.slice(0, at) + ins + s.slice(at + del))
const squash = (s: string) => s.replace(/\s+/g, "")

describe("fuzzing with protected data", () => {
  it("mutated Authorization headers on a DELETE of a protected object never succeed", async () => {
    const valid = await signedRequest(t.node.s3Url, "DELETE", `/${P}/p/inline.txt`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha("") })
    const auth = valid.headers["authorization"]!
    const fields = auth.slice("AWS4-HMAC-SHA256 ".length).split(/,\s*/)
    const arbitrary = fc.oneof(
      { weight: 4, arbitrary: edit(auth) },
      { weight: 2, arbitrary: fc.shuffledSubarray(fields).map((f) => `AWS4-HMAC-SHA256 ${f.join(",")}`) },
      { weight: 1, arbitrary: visible.map((s) => `AWS4-HMAC-SHA256 ${s}`) },
      { weight: 1, arbitrary: visible },
    )
    await fc.assert(
      fc.asyncProperty(arbitrary, async (authorization) => {
        fc.pre(squash(authorization) !== squash(auth) && authorization.trim() !== "")
        // Reordering the three fields keeps a request valid; keep only real changes.
        fc.pre(!(fields.every((f) => authorization.includes(f)) && authorization.startsWith("AWS4-HMAC-SHA256 ") && authorization.split(",").length === 3))
        const r = await send(valid.url, "DELETE", { ...valid.headers, authorization }, "")
        expectS3Error(r)
      }),
      { numRuns: 150 },
    )
  })

  it("mutated presigned query strings on a DELETE of a protected object never succeed", async () => {
    const url = new URL(await getSignedUrl(t.client, new DeleteObjectCommand({ Bucket: P, Key: "p/meta.txt" }), { expiresIn: 300 }))
    const pairs = [...url.searchParams.entries()]
    const mutatedQuery = fc.oneof(
      edit(url.search.slice(1)),
      fc.tuple(fc.nat({ max: pairs.length - 1 }), visible).map(([i, v]) => pairs.map(([k, old], j) => `${encodeURIComponent(k)}=${encodeURIComponent(j === i ? v : old)}`).join("&")),
      fc.shuffledSubarray(pairs, { minLength: 0, maxLength: pairs.length - 1 }).map((ps) => ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")),
      fc.tuple(fc.nat({ max: pairs.length - 1 }), visible).map(([i, v]) => `${url.search.slice(1)}&${encodeURIComponent(pairs[i]![0])}=${encodeURIComponent(v)}`),
    )
    await fc.assert(
      fc.asyncProperty(mutatedQuery, async (query) => {
        // What reaches the server is the URL as http.request parses it (leading and trailing
        // spaces dropped, for one): a mutation the parser undoes is no mutation.
        const same = new URL(`${url.origin}${url.pathname}?${query}`).searchParams
        fc.pre(!(pairs.length === [...same.keys()].length && pairs.every(([k, v]) => same.getAll(k).length === 1 && same.get(k) === v)))
        const r = await send(`${url.origin}${url.pathname}?${query}`, "DELETE", {})
        expectS3Error(r)
      }),
      { numRuns: 150 },
    )
  })

  const tag = (name: string, inner: fc.Arbitrary<string>) => inner.map((s) => `<${name}>${s}</${name}>`)
  const ghostKey = fc.oneof(fc.constantFrom("ghost", "ghost/a", "p", "p/", "p/inline.txt/x", "&amp;", "é"), visible.map((s) => `ghost-${s.replace(/[<&]/g, "_")}`))
  const xmlGarbage = fc.constantFrom("<", ">", "&", "&e;", "<!DOCTYPE x [<!ENTITY e \"e\">]>", "<?xml version=\"1.0\"?>", "<![CDATA[x]]>", "<!-- c -->", "</", "\u0000", "é")
  const mutateXml = (doc: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 3, arbitrary: doc }, { weight: 2, arbitrary: fc.tuple(doc, fc.nat(), fc.nat({ max: 8 }), fc.oneof(xmlGarbage, visible)).map(([d, at, del, ins]) => d.slice(0, at % (d.length + 1)) + ins + d.slice((at % (d.length + 1)) + del)) })

  const signedXml = async (method: string, path: string, query: Record<string, string>, body: string) => {
    const req = await signedRequest(t.node.s3Url, method, path, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), query })
    return send(req.url, method, req.headers, body)
  }

  it("DeleteObjects bodies: deletes exactly the named (absent) keys or answers an S3 error", async () => {
    const objectXml = fc.tuple(ghostKey, fc.option(fc.constantFrom("null", "v1", ""), { nil: undefined })).map(([k, v]) => `<Object><Key>${k}</Key>${v === undefined ? "" : `<VersionId>${v}</VersionId>`}</Object>`)
    const doc = fc.tuple(fc.array(objectXml, { maxLength: 6 }), fc.option(fc.constantFrom("true", "false", "TRUE", "x"), { nil: undefined }), fc.boolean())
      .map(([objs, quiet, ns]) => `<Delete${ns ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : ""}>${quiet === undefined ? "" : `<Quiet>${quiet}</Quiet>`}${objs.join("")}</Delete>`)
    await fc.assert(
      fc.asyncProperty(mutateXml(doc), async (body) => {
        const r = await signedXml("POST", `/${P}`, { delete: "" }, body)
        if (r.status === 200) {
          expect(XMLValidator.validate(r.body)).toBe(true)
          expect(r.body).toContain("<DeleteResult")
        } else expectS3Error(r)
      }),
      { numRuns: 150 },
    )
  })

  it("CompleteMultipartUpload bodies for a protected upload with wrong or malformed parts answer S3 errors", async () => {
    const etag = fc.constantFrom('"00000000000000000000000000000000"', "x", "", partEtag.replace(/.$/, 'x"'))
    const part = fc.tuple(fc.oneof(fc.integer({ min: -2, max: 10001 }).map(String), visible), etag).map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`)
    const doc = fc.array(part, { maxLength: 4 }).map((ps) => `<CompleteMultipartUpload>${ps.join("")}</CompleteMultipartUpload>`)
    await fc.assert(
      fc.asyncProperty(mutateXml(doc), fc.constantFrom(uploadId, uploadId.replace(/.$/, "0"), "x"), async (body, id) => {
        const r = await signedXml("POST", `/${P}/p/multipart.bin`, { uploadId: id }, body)
        expectS3Error(r)
      }),
      { numRuns: 150 },
    )
  })

  it("CORS bodies: valid rules round-trip on a scratch bucket, the rest answer S3 errors", async () => {
    const rule = fc.record({
      origins: fc.array(fc.constantFrom("*", "https://a.test", "https://*.b.test", "http://c"), { minLength: 1, maxLength: 3 }),
      methods: fc.uniqueArray(fc.constantFrom("GET", "PUT", "POST", "DELETE", "HEAD"), { minLength: 1, maxLength: 5 }),
      headers: fc.array(fc.constantFrom("*", "x-amz-*", "content-type"), { maxLength: 2 }),
      maxAge: fc.option(fc.nat({ max: 86400 }), { nil: undefined }),
    })
    const ruleXml = (r: { origins: string[]; methods: string[]; headers: string[]; maxAge: number | undefined }) =>
      `<CORSRule>${r.origins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`).join("")}${r.methods.map((m) => `<AllowedMethod>${m}</AllowedMethod>`).join("")}${r.headers.map((h) => `<AllowedHeader>${h}</AllowedHeader>`).join("")}${r.maxAge === undefined ? "" : `<MaxAgeSeconds>${r.maxAge}</MaxAgeSeconds>`}</CORSRule>`
    const rules = fc.array(rule, { minLength: 1, maxLength: 3 })
    await fc.assert(
      fc.asyncProperty(rules, fc.boolean(), fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.oneof(xmlGarbage, visible, fc.constantFrom("<AllowedMethod>PATCH</AllowedMethod>", "<CORSRule></CORSRule>", "<MaxAgeSeconds>-1</MaxAgeSeconds>"))), async (rs, mutate, [at, del, ins]) => {
        let body = `<CORSConfiguration>${rs.map(ruleXml).join("")}</CORSConfiguration>`
        if (mutate) body = body.slice(0, at % (body.length + 1)) + ins + body.slice((at % (body.length + 1)) + del)
        // Valid rules must round-trip; a mutated body may still be valid, so both go to the scratch bucket.
        if (!mutate) {
          const r = await signedXml("PUT", `/${SCRATCH}`, { cors: "" }, body)
          expect(r.status).toBe(200)
          const got = await t.client.send(new GetBucketCorsCommand({ Bucket: SCRATCH }))
          expect(got.CORSRules!.map((g) => [g.AllowedOrigins, g.AllowedMethods, g.AllowedHeaders ?? [], g.MaxAgeSeconds])).toEqual(rs.map((x) => [x.origins, x.methods, x.headers, x.maxAge]))
        } else {
          const r = await signedXml("PUT", `/${SCRATCH}`, { cors: "" }, body)
          if (r.status !== 200) expectS3Error(r)
        }
      }),
      { numRuns: 120 },
    )
  })

  it("arbitrary headers on conditional writes, reads and copies of protected objects never change them", async () => {
    const names = ["range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "content-md5", "content-type", "content-encoding",
      "x-amz-checksum-crc32", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme", "x-amz-trailer", "x-amz-sdk-checksum-algorithm", "x-amz-copy-source",
      "x-amz-copy-source-range", "x-amz-metadata-directive", "x-amz-acl", "x-amz-meta-a", "x-amz-checksum-mode", "x-amz-decoded-content-length",
      "x-amz-storage-class", "x-amz-server-side-encryption", "x-amz-tagging", "x-amz-grant-read", "expect", "x-amz-date", "x-amz-content-sha256"]
    const value = fc.oneof(visible, fc.constantFrom("bytes=0-1", "bytes=-5", "*", '"x"', `${P}/p/inline.txt`, `/${P}/p/blocks.bin`, "REPLACE", "COPY", "public-read", "AAAAAA==", "Wed, 21 Oct 2015 07:28:00 GMT", "100-continue", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "UNSIGNED-PAYLOAD"))
    const randomName = fc.stringMatching(/^x-amz-[a-z-]{1,20}$/)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "HEAD", "PUT"),
        fc.constantFrom(...PROTECTED_KEYS),
        fc.dictionary(fc.oneof(fc.constantFrom(...names), randomName), value.map((v) => v.trim()).filter((v) => v !== ""), { maxKeys: 6 }),
        async (method, key, extra) => {
          // Writes always carry If-None-Match: *, so they may only succeed on a key that does not exist.
          const headers = method === "PUT" ? { ...extra, "if-none-match": "*" } : extra
          delete headers["x-amz-content-sha256"]
          delete headers["x-amz-date"]
          const body = method === "PUT" ? "overwrite" : ""
          const req = await signedRequest(t.node.s3Url, method, `/${P}/${key}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), headers })
          const r = await send(req.url, method, req.headers, method === "PUT" ? body : undefined)
          if (method === "PUT" || r.status >= 400) expectS3Error(r, method)
        },
      ),
      { numRuns: 200 },
    )
  })

  it("mutated aws-chunked bodies (signed chunks and unsigned with a trailer) answer S3 errors", async () => {
    const chunks = [Buffer.alloc(9000, "a"), Buffer.alloc(100, "b")]
    const total = chunks.reduce((a, c) => a + c.length, 0)
    const date = new Date()
    const amzDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
    const signed = await signedRequest(t.node.s3Url, "PUT", `/${P}/p/inline.txt`, {
      accessKeyId: t.key.id, secret: t.key.secret, date, payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(total), "if-none-match": "*" },
    })
    const signedBody = streamingSignedBody(chunks, seedOf(signed.headers["authorization"]!), { secret: t.key.secret, amzDate })
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(Buffer.concat(chunks)))
    const trailer = await signedRequest(t.node.s3Url, "PUT", `/${P}/p/blocks.bin`, {
      accessKeyId: t.key.id, secret: t.key.secret, date, payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(total), "x-amz-trailer": "x-amz-checksum-crc32", "if-none-match": "*" },
    })
    const trailerBody = Buffer.from(`${chunks.map((c) => `${c.length.toString(16)}\r\n${c.toString("latin1")}\r\n`).join("")}0\r\nx-amz-checksum-crc32:${crc.toString("base64")}\r\n\r\n`, "latin1")
    const cases = [{ req: signed, body: signedBody }, { req: trailer, body: trailerBody }]
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1 }), fc.nat(), fc.nat({ max: 40 }), fc.oneof(visible, fc.constantFrom("\r\n", "0\r\n\r\n", ";chunk-signature=", "ffffffff\r\n")), async (which, at, del, ins) => {
        const { req, body } = cases[which]!
        const i = at % (body.length + 1)
        const mutated = Buffer.concat([body.subarray(0, i), Buffer.from(ins, "latin1"), body.subarray(i + del)])
        const r = await send(req.url, "PUT", { ...req.headers, "content-length": String(mutated.length) }, mutated)
        // Unmutated bodies are valid and then fail If-None-Match (412); nothing may be written.
        expectS3Error(r)
      }),
      { numRuns: 120 },
    )
  })

  it("raw object keys: unsigned requests on any path get S3 errors, signed writes to a scratch bucket round-trip", async () => {
    const raw = fc.string({ unit: fc.constantFrom("%", "2", "F", "a", "/", "?", "&", "=", "x", "%C3", "%A9", "%28", "..", "~", "%00", "%ZZ", "+", "p", "%2F", "%FF", " "), maxLength: 24 })
    await fc.assert(
      fc.asyncProperty(raw, fc.constantFrom("GET", "HEAD", "DELETE", "POST", "PUT"), async (path, method) => {
        // Unsigned: every request is anonymous and must be refused, whatever the path.
        const r = await send(`${t.node.s3Url}/${P}/${path}`, method, {}, method === "PUT" || method === "POST" ? "x" : undefined)
        expectS3Error(r, method)
      }),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }), async (key) => {
        const put = await signedRequest(t.node.s3Url, "PUT", `/${SCRATCH}/${key.split("/").map(encodeURIComponent).join("/")}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(key) })
        const r = await send(put.url, "PUT", put.headers, key)
        if (r.status !== 200) return void expectS3Error(r)
        const get = await signedRequest(t.node.s3Url, "GET", `/${SCRATCH}/${key.split("/").map(encodeURIComponent).join("/")}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha("") })
        const g = await send(get.url, "GET", get.headers)
        expect([g.status, g.body]).toEqual([200, key])
      }),
      { numRuns: 100 },
    )
  })
})
