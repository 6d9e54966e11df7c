// PostObject: browser uploads with an HTML form and a SigV4-signed POST policy (AWS "POST
// Object", "POST Policy"). Forms are written by hand here (and once by Node's FormData, as a
// browser would), policies signed with a signing key derived by node:crypto independently of
// the server. Success answers (204, 200, 201 with PostResponse, 303 redirect), ${filename},
// stored headers, metadata, tags and checksums, every class of policy violation, signature and
// credential errors, malformed bodies (fuzzed), and that nothing is stored when a form fails.
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3"
import { XMLParser, XMLValidator } from "fast-xml-parser"
import fc from "fast-check"
import { createHash, createHmac } from "node:crypto"
import { crc32 as zlibCrc32 } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deterministicBytes } from "./deterministic-data.ts"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"
import { send, signedRequest, type RawResponse } from "./signing.ts"

const B = "post"
const ROOT = "s3.pollen.test"
let t: TestNode
beforeAll(async () => {
  t = await startTestNode({ rootDomain: ROOT })
  await t.client.send(new CreateBucketCommand({ Bucket: B }))
})
afterAll(async () => t.stop())

const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex")
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data).digest()
const xml = new XMLParser({ parseTagValue: false })

/** 20240102T030405Z for a date. */
const amzDateOf = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

type Part = readonly [name: string, value: string | Buffer, filename?: string]

const BOUNDARY = "----PollenFormBoundary7MA4YWxkTrZu0gW"

/** A multipart/form-data body as browsers write it. */
const multipart = (parts: readonly Part[], boundary = BOUNDARY): Buffer => {
  const out: Buffer[] = []
  for (const [name, value, filename] of parts) {
    const disposition = `form-data; name="${name}"${filename === undefined ? "" : `; filename="${filename}"`}`
    out.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${filename === undefined ? "" : "Content-Type: application/octet-stream\r\n"}\r\n`))
    out.push(Buffer.isBuffer(value) ? value : Buffer.from(value))
    out.push(Buffer.from("\r\n"))
  }
  out.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(out)
}

interface FormOptions {
  readonly key?: string
  /** Conditions besides the ones on bucket, key and the x-amz-* authentication fields. */
  readonly conditions?: readonly unknown[]
  /** Replaces the default conditions entirely. */
  readonly onlyConditions?: readonly unknown[]
  /** More form fields, written between the key and the policy. */
  readonly fields?: Readonly<Record<string, string>>
  readonly expiration?: string
  /** The whole policy document, instead of expiration and conditions. */
  readonly policyText?: string
  readonly accessKeyId?: string
  readonly secret?: string
  readonly region?: string
  readonly signRegion?: string
  readonly date?: Date
  readonly file?: string | Buffer
  readonly filename?: string
  readonly omit?: readonly string[]
  readonly signature?: string
  /** Parts after the file. */
  readonly after?: readonly Part[]
  readonly bucket?: string
}

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString()

const formParts = (o: FormOptions = {}): Part[] => {
  const date = o.date ?? new Date()
  const amzDate = amzDateOf(date)
  const day = amzDate.slice(0, 8)
  const region = o.region ?? "us-east-1"
  const id = o.accessKeyId ?? t.key.id
  const credential = `${id}/${day}/${region}/s3/aws4_request`
  const conditions = o.onlyConditions ?? [
    { bucket: o.bucket ?? B },
    ["starts-with", "$key", ""],
    { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
    { "x-amz-credential": credential },
    { "x-amz-date": amzDate },
    ...(o.conditions ?? []),
  ]
  const policyText = o.policyText ?? JSON.stringify({ expiration: o.expiration ?? inAnHour(), conditions })
  const policy = Buffer.from(policyText).toString("base64")
  const signRegion = o.signRegion ?? region
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${o.secret ?? t.key.secret}`, day), signRegion), "s3"), "aws4_request")
  const signature = o.signature ?? hmac(signingKey, policy).toString("hex")
  const parts: Part[] = [
    ["key", o.key ?? "k"],
    ...Object.entries(o.fields ?? {}),
    ["x-amz-algorithm", "AWS4-HMAC-SHA256"],
    ["x-amz-credential", credential],
    ["x-amz-date", amzDate],
    ["policy", policy],
    ["x-amz-signature", signature],
  ]
  const omitted = parts.filter(([name]) => !(o.omit ?? []).includes(name))
  if (!(o.omit ?? []).includes("file")) omitted.push(["file", o.file ?? "file content", o.filename ?? "upload.txt"])
  return [...omitted, ...(o.after ?? [])]
}

const post = (body: Buffer, headers: Record<string, string> = {}, bucket = B): Promise<RawResponse> =>
  send(`${t.node.s3Url}/${bucket}`, "POST", { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...headers }, body)

const postForm = (o: FormOptions = {}, headers: Record<string, string> = {}) => post(multipart(formParts(o)), headers, o.bucket ?? B)

const getText = async (key: string, bucket = B) => (await t.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()
const exists = async (key: string) => {
  try {
    await t.client.send(new HeadObjectCommand({ Bucket: B, Key: key }))
    return true
  } catch {
    return false
  }
}

/** An S3 error answer: its status, code and message. */
const errorAnswer = (r: RawResponse) => {
  expect(XMLValidator.validate(r.body)).toBe(true)
  const e = (xml.parse(r.body) as { Error: Record<string, string> }).Error
  return { status: r.status, code: e.Code, message: e.Message, error: e }
}

/** The form fails with this status, code and message (a substring), and stores nothing under its key. */
const refused = async (o: FormOptions, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
  const r = await postForm(o, headers)
  const e = errorAnswer(r)
  expect([e.status, e.code, e.message]).toEqual([status, code, expect.stringContaining(message)])
  if (o.key !== undefined && !o.key.includes("${filename}")) expect(await exists(o.key)).toBe(false)
  return e
}

describe("PostObject success", () => {
  it("stores the file of a browser form (Node's FormData) and answers 204 with ETag and Location", async () => {
    const fd = new FormData()
    for (const [name, value] of formParts({ key: "ok/browser.txt", omit: ["file"] })) fd.append(name, value.toString())
    fd.append("file", new Blob(["hello from a browser"]), "hello.txt")
    const r = await fetch(`${t.node.s3Url}/${B}`, { method: "POST", body: fd })
    expect(r.status).toBe(204)
    expect(r.headers.get("etag")).toBe(`"${md5("hello from a browser")}"`)
    expect(r.headers.get("location")).toBe(`${t.node.s3Url}/${B}/ok/browser.txt`)
    expect(await getText("ok/browser.txt")).toBe("hello from a browser")
    const head = await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "ok/browser.txt" }))
    expect(head.ContentType).toBe("binary/octet-stream")
    expect(head.ETag).toBe(`"${md5("hello from a browser")}"`)
  })

  it("answers success_action_status 201 with the PostResponse XML, 200 empty, anything else 204", async () => {
    const created = await postForm({ key: "ok/created a+b.txt", fields: { success_action_status: "201" }, conditions: [{ success_action_status: "201" }], file: "201" })
    expect(created.status).toBe(201)
    expect(created.headers["content-type"]).toBe("application/xml")
    const doc = (xml.parse(created.body) as { PostResponse: Record<string, string> }).PostResponse
    expect(doc).toEqual({
      Location: `${t.node.s3Url}/${B}/ok/created%20a%2Bb.txt`,
      Bucket: B,
      Key: "ok/created a+b.txt",
      ETag: `"${md5("201")}"`,
    })
    const ok = await postForm({ key: "ok/200", fields: { success_action_status: "200" }, conditions: [["eq", "$success_action_status", "200"]], file: "200" })
    expect([ok.status, ok.body]).toEqual([200, ""])
    for (const value of ["404", "toString", "__proto__"]) {
      const other = await postForm({ key: "ok/404", fields: { success_action_status: value }, conditions: [["starts-with", "$success_action_status", ""]], file: "404" })
      expect([value, other.status, other.body]).toEqual([value, 204, ""])
    }
    expect([await getText("ok/created a+b.txt"), await getText("ok/200"), await getText("ok/404")]).toEqual(["201", "200", "404"])
  })

  it("redirects to success_action_redirect with bucket, key and ETag (303), ignores a redirect that is no URL", async () => {
    const target = "https://app.example/done?from=form"
    const r = await postForm({ key: "ok/redirected", fields: { success_action_redirect: target }, conditions: [["starts-with", "$success_action_redirect", "https://app.example/"]], file: "r" })
    expect(r.status).toBe(303)
    const location = new URL(r.headers["location"] as string)
    expect(location.origin + location.pathname).toBe("https://app.example/done")
    expect([...location.searchParams]).toEqual([["from", "form"], ["bucket", B], ["key", "ok/redirected"], ["etag", `"${md5("r")}"`]])
    expect(await getText("ok/redirected")).toBe("r")
    const bad = await postForm({ key: "ok/not-redirected", fields: { success_action_redirect: "not a url", success_action_status: "201" }, conditions: [["starts-with", "$success_action_redirect", ""], ["starts-with", "$success_action_status", ""]], file: "n" })
    expect(bad.status).toBe(201)
  })

  it("substitutes ${filename} in the key before checking the policy", async () => {
    const r = await postForm({ key: "user/eric/${filename}", filename: "photo 1.jpg", file: "jpeg" })
    expect(r.status).toBe(204)
    expect(await getText("user/eric/photo 1.jpg")).toBe("jpeg")
    const prefixed = await postForm({
      key: "uploads/${filename}",
      filename: "a.txt",
      onlyConditions: [{ bucket: B }, ["starts-with", "$key", "uploads/a"], ["starts-with", "$x-amz-algorithm", ""], ["starts-with", "$x-amz-credential", ""], ["starts-with", "$x-amz-date", ""]],
      file: "a",
    })
    expect(prefixed.status).toBe(204)
    expect(await getText("uploads/a.txt")).toBe("a")
    // The policy sees the substituted key: a filename outside the allowed prefix is refused.
    const e = await refused({ key: "uploads/${filename}", filename: "b.txt", onlyConditions: [{ bucket: B }, ["starts-with", "$key", "uploads/a"], ["starts-with", "$x-amz-algorithm", ""], ["starts-with", "$x-amz-credential", ""], ["starts-with", "$x-amz-date", ""]] }, 403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"uploads/a\"]")
    expect(e.code).toBe("AccessDenied")
    expect(await exists("uploads/b.txt")).toBe(false)
  })

  it("stores Content-Type, other content headers, x-amz-meta-* (UTF-8), canned ACL, tags and a verified checksum", async () => {
    const content = "<html>hi</html>"
    const sha256 = createHash("sha256").update(content).digest("base64")
    const fields = {
      "Content-Type": "text/html",
      "Cache-Control": "max-age=60",
      "Content-Disposition": "inline",
      "x-amz-meta-colour": "bleu clair é",
      acl: "private",
      "x-amz-tagging": "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>",
      "x-amz-checksum-sha256": sha256,
      "x-ignore-tracking": "not in the policy",
    }
    const r = await postForm({
      key: "ok/page.html",
      fields,
      conditions: [
        ["starts-with", "$Content-Type", "text/"],
        { "cache-control": "max-age=60" },
        ["starts-with", "$content-disposition", ""],
        ["starts-with", "$x-amz-meta-colour", ""],
        { acl: "private" },
        ["starts-with", "$x-amz-tagging", ""],
        ["starts-with", "$x-amz-checksum-sha256", ""],
      ],
      file: content,
    })
    expect(r.status).toBe(204)
    expect(r.headers["x-amz-checksum-sha256"]).toBe(sha256)
    const got = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "ok/page.html", ChecksumMode: "ENABLED" }))
    expect(await got.Body!.transformToString()).toBe(content)
    expect([got.ContentType, got.CacheControl, got.ContentDisposition, got.Metadata, got.ChecksumSHA256, got.TagCount]).toEqual([
      "text/html", "max-age=60", "inline", { colour: Buffer.from("bleu clair é").toString("latin1") }, sha256, 1,
    ])
    expect((await t.client.send(new GetObjectTaggingCommand({ Bucket: B, Key: "ok/page.html" }))).TagSet).toEqual([{ Key: "team", Value: "web" }])
    // x-amz-checksum-algorithm alone: the checksum is computed and stored.
    const named = await postForm({ key: "ok/crc", fields: { "x-amz-checksum-algorithm": "CRC32" }, conditions: [["eq", "$x-amz-checksum-algorithm", "CRC32"]], file: content })
    const crc32 = Buffer.alloc(4)
    crc32.writeUInt32BE(zlibCrc32(Buffer.from(content)))
    expect([named.status, named.headers["x-amz-checksum-crc32"]]).toEqual([204, crc32.toString("base64")])
    expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "ok/crc", ChecksumMode: "ENABLED" }))).ChecksumCRC32).toBe(crc32.toString("base64"))
    // A checksum or Content-MD5 that does not match the file stores nothing.
    await refused({ key: "ok/bad-sum", fields: { "x-amz-checksum-sha256": sha256 }, conditions: [["starts-with", "$x-amz-checksum-sha256", ""]], file: "other" }, 400, "BadDigest", "did not match")
    await refused({ key: "ok/bad-md5", fields: { "Content-MD5": Buffer.from(md5("x"), "hex").toString("base64") }, conditions: [["starts-with", "$content-md5", ""]], file: "other" }, 400, "BadDigest", "Content-MD5")
    await refused({ key: "ok/bad-tags", fields: { "x-amz-tagging": "team=web" }, conditions: [["starts-with", "$x-amz-tagging", ""]] }, 400, "MalformedXML", "")
    await refused({ key: "ok/bad-acl", fields: { acl: "everyone-writes" }, conditions: [["starts-with", "$acl", ""]] }, 400, "InvalidArgument", "canned ACL")
    await refused({ key: "ok/sse", fields: { "x-amz-server-side-encryption": "AES256" }, conditions: [["starts-with", "$x-amz-server-side-encryption", ""]] }, 501, "NotImplemented", "server-side encryption")
    await refused({ key: "ok/crlf", fields: { "x-amz-meta-a": "one\r\ntwo" }, conditions: [["starts-with", "$x-amz-meta-a", ""]] }, 400, "InvalidArgument", "x-amz-meta-a")
  })

  it("stores the tags of a tagging field, AWS's name for it (ceph s3-tests test_post_object_tags_authenticated_request)", async () => {
    const tagging = "<Tagging><TagSet><Tag><Key>0</Key><Value>0</Value></Tag><Tag><Key>1</Key><Value>1</Value></Tag></TagSet></Tagging>"
    const r = await postForm({ key: "ok/tagged", fields: { tagging }, conditions: [["starts-with", "$tagging", ""]] })
    expect(r.status).toBe(204)
    expect((await t.client.send(new GetObjectTaggingCommand({ Bucket: B, Key: "ok/tagged" }))).TagSet).toEqual([
      { Key: "0", Value: "0" },
      { Key: "1", Value: "1" },
    ])
    await refused({ key: "ok/tagged-bad", fields: { tagging: "team=web" }, conditions: [["starts-with", "$tagging", ""]] }, 400, "MalformedXML", "")
  })

  it("streams a large file into blocks, with boundary-like bytes inside it, and ignores fields after the file", async () => {
    const base = deterministicBytes("post-object", 0, 3 * 1024 * 1024 + 11)
    // Prefixes of the delimiter throughout the file, so its search must not stop early.
    const trap = Buffer.from(`\r\n--${BOUNDARY.slice(0, -1)}`)
    for (let at = 0; at + trap.length < base.length; at += 65_521) trap.copy(base, at)
    const r = await postForm({ key: "big/file.bin", file: base, after: [["x-amz-meta-late", "ignored"], ["submit", "Upload"]] })
    expect(r.status).toBe(204)
    expect(r.headers["etag"]).toBe(`"${md5(base)}"`)
    const got = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "big/file.bin" }))
    const bytes = Buffer.from(await got.Body!.transformToByteArray())
    expect([bytes.length, md5(bytes), got.Metadata]).toEqual([base.length, md5(base), {}])
  })

  it("takes a virtual-host-style POST to <bucket>.<root_domain>/", async () => {
    const port = new URL(t.node.s3Url).port
    const host = `${B}.${ROOT}:${port}`
    const r = await send(`${t.node.s3Url}/`, "POST", { host, "content-type": `multipart/form-data; boundary=${BOUNDARY}` }, multipart(formParts({ key: "vhost/v.txt", fields: { success_action_status: "201" }, conditions: [["eq", "$success_action_status", "201"]], file: "v" })))
    expect(r.status).toBe(201)
    expect(r.body).toContain(`<Location>http://${host}/vhost/v.txt</Location>`)
    expect(await getText("vhost/v.txt")).toBe("v")
  })

  it("reads field names and condition operators without case, and accepts a key with write permission only", async () => {
    const r = await postForm({ key: "case/x", fields: { "CONTENT-TYPE": "text/plain" }, conditions: [["StArTs-WiTh", "$CoNtEnT-TyPe", "text/"]], file: "c" })
    expect(r.status).toBe(204)
    expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "case/x" }))).ContentType).toBe("text/plain")
    const writer = await t.node.keys.create("post-writer")
    await t.node.keys.setPermission(writer.id, (await t.node.store.bucketByName(B))!.id, { write: true })
    const w = await postForm({ key: "case/writer", accessKeyId: writer.id, secret: writer.secret, file: "w" })
    expect(w.status).toBe(204)
    expect(await getText("case/writer")).toBe("w")
  })
})

describe("PostObject policy violations", () => {
  it("refuses a field that fails an exact or starts-with condition, and a condition on a missing field", async () => {
    await refused({ key: "v/eq", fields: { acl: "public-read" }, conditions: [{ acl: "private" }] }, 403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$acl\", \"private\"]")
    await refused({ key: "v/eq2", fields: { "Content-Type": "text/plain" }, conditions: [["eq", "$Content-Type", "image/png"]] }, 403, "AccessDenied", "Policy Condition failed: [\"eq\", \"$content-type\", \"image/png\"]")
    await refused({ key: "v/starts", conditions: [["starts-with", "$key", "user/"]] }, 403, "AccessDenied", "Policy Condition failed: [\"starts-with\", \"$key\", \"user/\"]")
    await refused({ key: "v/missing", conditions: [{ "x-amz-meta-owner": "eric" }] }, 403, "AccessDenied", "Policy Condition failed: [\"eq\", \"$x-amz-meta-owner\", \"eric\"]")
    await refused({ key: "v/bucket", onlyConditions: [{ bucket: "another" }, ["starts-with", "$key", ""], ["starts-with", "$x-amz-algorithm", ""], ["starts-with", "$x-amz-credential", ""], ["starts-with", "$x-amz-date", ""]] }, 403, "AccessDenied", "Policy Condition failed: [\"eq\", \"$bucket\", \"another\"]")
  })

  it("refuses form fields no condition names (the bucket and the x-amz-* fields included), but not x-ignore-* ones", async () => {
    await refused({ key: "v/extra", fields: { "x-amz-meta-foo": "bar" } }, 403, "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-foo")
    await refused({ key: "v/extra-ct", fields: { "Content-Type": "text/plain" } }, 403, "AccessDenied", "Extra input fields: content-type")
    await refused({ key: "v/no-bucket", onlyConditions: [["starts-with", "$key", ""], ["starts-with", "$x-amz-algorithm", ""], ["starts-with", "$x-amz-credential", ""], ["starts-with", "$x-amz-date", ""]] }, 403, "AccessDenied", "Extra input fields: bucket")
    await refused({ key: "v/no-date", onlyConditions: [{ bucket: B }, ["starts-with", "$key", ""], ["starts-with", "$x-amz-algorithm", ""], ["starts-with", "$x-amz-credential", ""]] }, 403, "AccessDenied", "Extra input fields: x-amz-date")
    const ignored = await postForm({ key: "v/ignored", fields: { "x-ignore-me": "anything", "X-Ignore-Too": "x" }, file: "i" })
    expect(ignored.status).toBe(204)
  })

  it("enforces content-length-range on the streamed file: EntityTooLarge and EntityTooSmall store nothing", async () => {
    const range = [["content-length-range", 5, 10]]
    const large = await refused({ key: "v/large", conditions: range, file: "x".repeat(11) }, 400, "EntityTooLarge", "exceeds the maximum allowed size")
    expect(large.error["MaxSizeAllowed"]).toBe("10")
    const big = await refused({ key: "v/large-blocks", conditions: range, file: Buffer.alloc(2 * 1024 * 1024, 1) }, 400, "EntityTooLarge", "exceeds")
    expect(big.code).toBe("EntityTooLarge")
    const small = await refused({ key: "v/small", conditions: range, file: "1234" }, 400, "EntityTooSmall", "smaller than the minimum allowed size")
    expect([small.error["ProposedSize"], small.error["MinSizeAllowed"]]).toEqual(["4", "5"])
    for (const file of ["12345", "1234567890"]) expect((await postForm({ key: `v/range-${file.length}`, conditions: range, file })).status).toBe(204)
    // Two ranges both apply.
    await refused({ key: "v/two-ranges", conditions: [...range, ["content-length-range", 0, 6]], file: "1234567" }, 400, "EntityTooLarge", "exceeds")
  })

  it("refuses an expired policy", async () => {
    await refused({ key: "v/expired", expiration: new Date(Date.now() - 1000).toISOString() }, 403, "AccessDenied", "Invalid according to Policy: Policy expired.")
  })

  it("answers InvalidPolicyDocument for a policy that is not a valid document", async () => {
    const cases: [string, string][] = [
      ["{not json", "Invalid Policy: Invalid JSON."],
      [JSON.stringify({ conditions: [] }), "Policy missing expiration."],
      [JSON.stringify({ expiration: "tomorrow", conditions: [] }), "Invalid 'expiration' value"],
      [JSON.stringify({ expiration: "2099-13-01T00:00:00.000Z", conditions: [] }), "Invalid 'expiration' value"],
      [JSON.stringify({ expiration: inAnHour() }), "Policy missing conditions."],
      [JSON.stringify({ expiration: inAnHour(), conditions: {} }), "must be a List"],
      [JSON.stringify({ expiration: inAnHour(), conditions: [["ends-with", "$key", "x"]] }), "unknown operation"],
      [JSON.stringify({ expiration: inAnHour(), conditions: [{ acl: 1 }] }), "Invalid Simple-Condition"],
      [JSON.stringify({ expiration: inAnHour(), conditions: [["eq", "key", "x"]] }), "Invalid Condition"],
      [JSON.stringify({ expiration: inAnHour(), conditions: [["content-length-range", 10, 1]] }), "content-length-range"],
      [JSON.stringify({ expiration: inAnHour(), conditions: [["content-length-range", -1, 1]] }), "content-length-range"],
      [JSON.stringify({ expiration: inAnHour(), conditions: ["key"] }), "Invalid Condition"],
    ]
    for (const [policyText, message] of cases) await refused({ key: "v/invalid-policy", policyText }, 400, "InvalidPolicyDocument", message)
  })
})

describe("PostObject authentication", () => {
  it("refuses a wrong signature, another secret, an unknown key, another region and a bad algorithm", async () => {
    const parts = formParts({ key: "a/sig", signature: "0".repeat(64) })
    const wrong = errorAnswer(await post(multipart(parts)))
    expect([wrong.status, wrong.code, wrong.error["StringToSign"]]).toEqual([403, "SignatureDoesNotMatch", parts.find(([n]) => n === "policy")![1]])
    expect(await exists("a/sig")).toBe(false)
    await refused({ key: "a/secret", secret: "f".repeat(64) }, 403, "SignatureDoesNotMatch", "does not match")
    await refused({ key: "a/region-key", signRegion: "eu-west-1" }, 403, "SignatureDoesNotMatch", "does not match")
    await refused({ key: "a/unknown", accessKeyId: "GK000000000000000000000000" }, 403, "InvalidAccessKeyId", "does not exist")
    const region = await refused({ key: "a/region", region: "eu-west-1" }, 400, "InvalidArgument", "the region 'eu-west-1' is wrong; expecting 'us-east-1'")
    expect(region.error["Region"]).toBe("us-east-1")
    await refused({ key: "a/alg", fields: {}, omit: ["x-amz-algorithm"], after: [] }, 400, "InvalidArgument", "Bucket POST must contain a field named 'x-amz-algorithm'")
    const badAlg = multipart(formParts({ key: "a/alg2" }).map(([n, v, f]) => [n, n === "x-amz-algorithm" ? "AWS4-HMAC-SHA1" : v, f] as const))
    expect(errorAnswer(await post(badAlg)).message).toContain("X-Amz-Algorithm only supports")
  })

  it("needs every authentication field, the key and the file, and refuses Signature Version 2 and unsigned forms", async () => {
    for (const f of ["policy", "x-amz-credential", "x-amz-date", "x-amz-signature", "key"])
      await refused({ key: "a/missing", omit: [f] }, 400, "InvalidArgument", `Bucket POST must contain a field named '${f}'`)
    // A field after the file does not count.
    const late = formParts({ key: "a/late" })
    const policy = late.find(([n]) => n === "policy")!
    expect(errorAnswer(await post(multipart([...late.filter(([n]) => n !== "policy"), policy]))).message).toContain("field named 'policy'")
    await refused({ key: "a/no-file", omit: ["file"] }, 400, "InvalidArgument", "POST requires exactly one file upload per request.")
    const unsigned = await post(multipart([["key", "a/anon"], ["file", "x", "x.txt"]]))
    expect([unsigned.status, errorAnswer(unsigned).code, errorAnswer(unsigned).message]).toEqual([403, "AccessDenied", expect.stringContaining("sign the form's POST policy")])
    const v2 = await post(multipart([["key", "a/v2"], ["AWSAccessKeyId", t.key.id], ["policy", "e30="], ["signature", "c2ln"], ["file", "x", "x.txt"]]))
    expect(errorAnswer(v2).code).toBe("InvalidRequest")
    const v2only = await post(multipart([["key", "a/v2"], ["AWSAccessKeyId", t.key.id], ["signature", "c2ln"], ["file", "x", "x.txt"]]))
    expect([errorAnswer(v2only).code, errorAnswer(v2only).message]).toEqual(["InvalidRequest", expect.stringContaining("Signature Version 2")])
    expect(await exists("a/anon")).toBe(false)
  })

  it("needs write permission on the bucket for the key that signed the policy", async () => {
    const reader = await t.node.keys.create("post-reader")
    await t.node.keys.setPermission(reader.id, (await t.node.store.bucketByName(B))!.id, { read: true })
    await refused({ key: "a/reader", accessKeyId: reader.id, secret: reader.secret }, 403, "AccessDenied", "Access Denied")
    const other = await t.client.send(new CreateBucketCommand({ Bucket: "post-other" }))
    expect(other.$metadata.httpStatusCode).toBe(200)
    // The policy names one bucket, the form goes to another: the bucket condition fails.
    const r = await post(multipart(formParts({ key: "a/elsewhere" })), {}, "post-other")
    expect(errorAnswer(r).message).toContain("Policy Condition failed: [\"eq\", \"$bucket\", \"post\"]")
    expect((await t.client.send(new ListObjectsV2Command({ Bucket: "post-other" }))).KeyCount).toBe(0)
    const missing = await post(multipart(formParts({ key: "a/nobucket" })), {}, "post-no-such-bucket")
    expect(errorAnswer(missing).code).toBe("NoSuchBucket")
  })
})

describe("PostObject request form", () => {
  it("answers a POST that is not multipart/form-data with PreconditionFailed, signed or not", async () => {
    const form = await send(`${t.node.s3Url}/${B}`, "POST", { "content-type": "application/x-www-form-urlencoded" }, "key=a&file=b")
    expect([form.status, errorAnswer(form).code, errorAnswer(form).error["Condition"]]).toEqual([412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data"])
    const signed = await signedRequest(t.node.s3Url, "POST", `/${B}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: createHash("sha256").update("").digest("hex") })
    const s = await send(signed.url, "POST", signed.headers, "")
    expect([s.status, errorAnswer(s).code]).toEqual([412, "PreconditionFailed"])
  })

  it("refuses fields before the file beyond 20 KiB, duplicate fields and broken multipart bodies", async () => {
    const big = await postForm({ key: "f/big", fields: { "x-ignore-padding": "p".repeat(21 * 1024) } })
    expect([big.status, errorAnswer(big).code]).toEqual([400, "MaxPostPreDataLengthExceededError"])
    const dup = await post(multipart([["key", "f/a"], ...formParts({ key: "f/dup" })]))
    expect([dup.status, errorAnswer(dup).code, errorAnswer(dup).message]).toEqual([400, "InvalidArgument", expect.stringContaining("more than once")])
    const valid = multipart(formParts({ key: "f/truncated" }))
    for (const body of [
      valid.subarray(0, valid.length - 30), // the file never ends
      Buffer.concat([valid.subarray(0, valid.length - `--${BOUNDARY}--\r\n`.length), Buffer.from(`--${BOUNDARY}x--\r\n`)]), // a delimiter followed by neither "--" nor CRLF
      Buffer.from("no delimiter at all"),
      Buffer.from(`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), // no Content-Disposition
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: attachment; name="key"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`),
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="key\r\n\r\nx\r\n--${BOUNDARY}--\r\n`),
    ]) {
      const r = await post(body)
      expect([r.status, errorAnswer(r).code]).toEqual([400, "MalformedPOSTRequest"])
    }
    const noBoundary = await send(`${t.node.s3Url}/${B}`, "POST", { "content-type": "multipart/form-data" }, valid)
    expect(errorAnswer(noBoundary).code).toBe("MalformedPOSTRequest")
    expect(await exists("f/truncated")).toBe(false)
  })

  it("fuzz: signed forms with arbitrary fields and values are stored and served back, or get an S3 error", async () => {
    const names = [
      "Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires", "x-amz-website-redirect-location",
      "x-amz-meta-a", "X-Amz-Meta-B", "x-amz-meta-\u00e9", "x-amz-meta-a b", "acl", "x-amz-tagging", "success_action_status", "success_action_redirect", "redirect",
      "x-amz-checksum-crc32", "x-amz-checksum-algorithm", "Content-MD5", "x-amz-storage-class", "x-amz-server-side-encryption", "x-amz-trailer",
      "content-length", "__proto__", "constructor", "toString", "bucket", "x-ignore-x", "submit", "x-amz-security-token",
    ]
    const value = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "Z", "0", " ", "\t", "\r", "\n", "\u0000", "\u00e9", "\u20ac", "<", ">", "&", "=", "%", "/", ":", ".", "-", "\"", "'"), maxLength: 30 }),
      fc.constantFrom("201", "200", "204", "https://app.example/x", "private", "public-read", "STANDARD", "GLACIER", "AAAAAA==", "CRC32", "SHA1", "text/plain",
        "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>", "<Tagging><TagSet><Tag><Key>aws:x</Key><Value>b</Value></Tag></TagSet></Tagging>", "post", "toString", "__proto__"),
    )
    let stored = 0
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 6 }), fc.string({ maxLength: 40 }), async (fields, file) => {
        const conditions = Object.keys(fields).filter((n) => !n.toLowerCase().startsWith("x-ignore-")).map((n) => ["starts-with", `$${n}`, ""])
        const r = await postForm({ key: "fields/k", fields, conditions, file })
        expect(r.status).toBeGreaterThan(0)
        expect(r.status).not.toBe(500)
        if (r.status >= 400) {
          expect(errorAnswer(r).code).toBeTruthy()
          return
        }
        stored++
        // What was stored is served back: its headers are valid HTTP (read raw: the SDK itself
        // refuses an Expires header that is not a date).
        const get = await signedRequest(t.node.s3Url, "GET", `/${B}/fields/k`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: createHash("sha256").update("").digest("hex") })
        const got = await send(get.url, "GET", get.headers)
        expect([got.status, got.body]).toEqual([200, file])
      }),
      { numRuns: 200, examples: [[{ Expires: "" }, ""], [{ success_action_status: "toString" }, "x"]] },
    )
    expect(stored).toBeGreaterThan(10)
  })

  it("fuzz: mutated and arbitrary multipart bodies get an S3 answer, never a 500, and store only what the policy allows", async () => {
    const valid = multipart(formParts({ key: "fuzz/${filename}", filename: "f.txt", conditions: [["starts-with", "$key", "fuzz/"], ["content-length-range", 0, 64]], file: "fuzzed content" }))
    const keysOf = async () => (await t.client.send(new ListObjectsV2Command({ Bucket: B }))).Contents ?? []
    const before = new Set((await keysOf()).map((o) => o.Key))
    const control = await post(valid)
    expect(control.status).toBe(204)
    const visible = fc.string({ unit: fc.constantFrom("\r", "\n", "-", "\"", ";", "=", ":", "a", "Z", " ", "%", "\\", "\u00e9", BOUNDARY, "--", "\r\n", "name=", "Content-Disposition: form-data; ", "filename=\"x\"", "file", "key", "policy"), maxLength: 40 })
    const mutated = fc.tuple(fc.nat(), fc.nat({ max: 60 }), visible).map(([at, del, ins]) => {
      const i = at % (valid.length + 1)
      return Buffer.concat([valid.subarray(0, i), Buffer.from(ins), valid.subarray(i + del)])
    })
    const arbitrary = fc.oneof(
      { weight: 5, arbitrary: mutated },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n)) },
      { weight: 1, arbitrary: visible.map((s) => Buffer.from(`--${BOUNDARY}\r\n${s}`)) },
    )
    const boundary = fc.oneof(fc.constant(BOUNDARY), fc.constant(`"${BOUNDARY}"`), fc.string({ maxLength: 80 }))
    const codes = new Set<string>()
    await fc.assert(
      fc.asyncProperty(arbitrary, boundary, async (body, b) => {
        const r = await send(`${t.node.s3Url}/${B}`, "POST", { "content-type": `multipart/form-data; boundary=${b}` }, body)
        expect(r.status).not.toBe(500)
        expect(r.status).toBeGreaterThan(0)
        if (r.status >= 300) {
          const e = errorAnswer(r)
          expect(r.body).toContain("<RequestId>")
          codes.add(e.code!)
        }
      }),
      { numRuns: 250 },
    )
    // Every object stored meanwhile is one the policy allows.
    for (const o of (await keysOf()).filter((o) => !before.has(o.Key))) {
      expect(o.Key!.startsWith("fuzz/")).toBe(true)
      expect(o.Size!).toBeLessThanOrEqual(64)
    }
    expect(codes.has("MalformedPOSTRequest")).toBe(true)
    // The node still answers.
    expect((await post(valid)).status).toBe(204)
    expect(await getText("fuzz/f.txt")).toBe("fuzzed content")
    expect(await errorOf(t.client.send(new HeadObjectCommand({ Bucket: B, Key: "fuzz/none" })))).toEqual({ name: "NotFound", status: 404 })
  })
})
