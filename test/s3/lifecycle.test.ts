// Bucket lifecycle configuration end to end with @aws-sdk/client-s3: Put/Get/DeleteBucket-
// LifecycleConfiguration (every filter form read back as put, owner permission, integrity
// header), the validation errors AWS answers and the 501 for what Pollen cannot do, and the
// lifecycle worker driven by a fake clock: expiry at AWS's next-midnight boundary (Days) or
// on a Date, prefix / size / And filters, disabled rules, aborted old uploads, blocks freed,
// nothing done twice; the [lifecycle] interval setting; passes run by the node's own timer.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3"
import { createHash, randomBytes } from "node:crypto"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { ConfigError, configFrom } from "../../src/node/config.ts"
import { DAY_MS, expirationOf, nextMidnightUtc, uploadAbortOf } from "../../src/node/lifecycle.ts"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, send, signedRequest } from "./signing.ts"

const sha = (s: string) => createHash("sha256").update(s).digest("hex")
const utc = (iso: string) => Date.parse(iso)

describe("lifecycle times, as AWS computes them", () => {
  it("rounds Last-Modified + Days up to the next midnight UTC (AWS's example: 1/15 10:30 + 3 days is 1/19 00:00)", () => {
    const rule = { enabled: true, filterForm: "filter" as const, filter: {}, expirationDays: 3 }
    expect(expirationOf(rule, { key: "k", size: 1, lastModified: utc("2014-01-15T10:30:00Z") })).toBe(utc("2014-01-19T00:00:00Z"))
    expect(expirationOf(rule, { key: "k", size: 1, lastModified: utc("2014-01-15T00:00:00Z") })).toBe(utc("2014-01-19T00:00:00Z"))
    expect(expirationOf(rule, { key: "k", size: 1, lastModified: utc("2014-01-15T23:59:59.999Z") })).toBe(utc("2014-01-19T00:00:00Z"))
    expect(nextMidnightUtc(utc("2014-01-15T00:00:00Z"))).toBe(utc("2014-01-16T00:00:00Z"))
    const upload = { enabled: true, filterForm: "filter" as const, filter: { prefix: "u/" }, abortIncompleteUploadDays: 7 }
    expect(uploadAbortOf(upload, "u/x", utc("2014-01-01T12:00:00Z"))).toBe(utc("2014-01-09T00:00:00Z"))
    expect(uploadAbortOf(upload, "v/x", utc("2014-01-01T12:00:00Z"))).toBeUndefined()
    expect(uploadAbortOf({ ...upload, enabled: false }, "u/x", 0)).toBeUndefined()
  })

  it("a Tag filter matches objects carrying every tag it names, key and value", () => {
    const rule = { enabled: true, filterForm: "and" as const, filter: { prefix: "a/", tags: [{ key: "k", value: "v" }, { key: "x", value: "" }] }, expirationDays: 1 }
    const at = (tags: { key: string; value: string }[] | undefined) => expirationOf(rule, { key: "a/o", size: 1, lastModified: 0, tags })
    expect(at([{ key: "k", value: "v" }, { key: "x", value: "" }, { key: "other", value: "1" }])).toBe(2 * DAY_MS)
    expect([at([{ key: "k", value: "v" }]), at([{ key: "k", value: "w" }, { key: "x", value: "" }]), at(undefined)]).toEqual([undefined, undefined, undefined])
  })

  it("applies a Date to every matching object and the size bounds strictly", () => {
    const date = utc("2030-01-01T00:00:00Z")
    const rule = { enabled: true, filterForm: "and" as const, filter: { prefix: "a/", sizeGreaterThan: 10, sizeLessThan: 20 }, expirationDate: date }
    const at = (key: string, size: number) => expirationOf(rule, { key, size, lastModified: utc("2031-06-01T00:00:00Z") })
    expect([at("a/x", 15), at("a/x", 10), at("a/x", 20), at("b/x", 15)]).toEqual([date, undefined, undefined, undefined])
  })
})

describe("the [lifecycle] setting", () => {
  it("defaults to a pass a day and refuses intervals under an hour", () => {
    expect(configFrom("test", {}, "/tmp").lifecycle.intervalSecs).toBe(86400)
    expect(configFrom("test", { lifecycle: { interval_secs: 3600 } }, "/tmp").lifecycle.intervalSecs).toBe(3600)
    expect(() => configFrom("test", { lifecycle: { interval_secs: 60 } }, "/tmp")).toThrow(ConfigError)
    expect(() => configFrom("test", { lifecycle: { every: 60 } }, "/tmp")).toThrow(ConfigError)
  })
})

let t: TestNode
/** The lifecycle worker's clock (the S3 API keeps the real one: signatures stay valid). */
let clock = Date.now()
beforeAll(async () => {
  t = await startTestNode({ lifecycle: { now: () => clock } })
})
afterAll(async () => t.stop())

const putLifecycle = (Bucket: string, Rules: LifecycleRule[]) => t.client.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }))
const getRules = async (Bucket: string) => (await t.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules

/** A PUT ?lifecycle with a hand-written body (signed payload, so no Content-MD5 is needed). */
const rawPut = async (bucket: string, body: string) => {
  const req = await signedRequest(t.node.s3Url, "PUT", `/${bucket}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: sha(body), query: { lifecycle: "" } })
  const r = await send(req.url, "PUT", req.headers, body)
  return { status: r.status, code: codeOf(r), body: r.body }
}
const doc = (...rules: string[]) => `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules.join("")}</LifecycleConfiguration>`
const rule = (inner: string, status = "Enabled") => `<Rule><Status>${status}</Status>${inner}</Rule>`

describe("Put/Get/DeleteBucketLifecycleConfiguration", () => {
  const B = "lifecycle-config"
  beforeAll(async () => {
    await t.client.send(new CreateBucketCommand({ Bucket: B }))
  })
  // The worker's tests below count the buckets with rules.
  afterAll(async () => {
    for (const Bucket of [B, "lifecycle-perm"]) await t.client.send(new DeleteBucketLifecycleCommand({ Bucket }))
  })

  it("answers NoSuchLifecycleConfiguration without one, reads back every filter form as put, replaces and deletes", async () => {
    expect(await errorOf(getRules(B))).toEqual({ name: "NoSuchLifecycleConfiguration", status: 404 })
    const rules: LifecycleRule[] = [
      { ID: "logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } },
      { ID: "legacy", Status: "Enabled", Prefix: "old/", Expiration: { Days: 1 } },
      { ID: "all", Status: "Disabled", Filter: {}, Expiration: { Days: 365 } },
      { ID: "big", Status: "Enabled", Filter: { ObjectSizeGreaterThan: 1048576 }, Expiration: { Days: 7 } },
      { ID: "small-tmp", Status: "Enabled", Filter: { And: { Prefix: "tmp/", ObjectSizeGreaterThan: 0, ObjectSizeLessThan: 4096 } }, Expiration: { Days: 2 } },
      { ID: "dated", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Date: new Date("2031-02-03T00:00:00.000Z") } },
      { ID: "uploads", Status: "Enabled", Filter: { Prefix: "uploads/" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } },
      { ID: "both", Status: "Enabled", Prefix: "", Expiration: { Days: 10 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { Status: "Enabled", Filter: { ObjectSizeLessThan: 10 }, Expiration: { Days: 5 } },
    ]
    const put = await putLifecycle(B, rules)
    expect(put.$metadata.httpStatusCode).toBe(200)
    // The rule put without an ID comes back with the one it was given (see below).
    const got = await getRules(B)
    expect(got).toEqual(rules.map((r) => ({ ...r, ID: r.ID ?? got!.at(-1)!.ID })))
    // Every node reads it from the bucket row.
    expect((await t.node.store.bucketByName(B))!.lifecycle).toHaveLength(rules.length)
    // The whole configuration is replaced.
    await putLifecycle(B, [{ ID: "only", Status: "Enabled", Filter: { Prefix: "x/" }, Expiration: { Days: 3 } }])
    expect(await getRules(B)).toEqual([{ ID: "only", Status: "Enabled", Filter: { Prefix: "x/" }, Expiration: { Days: 3 } }])
    const del = await t.client.send(new DeleteBucketLifecycleCommand({ Bucket: B }))
    expect(del.$metadata.httpStatusCode).toBe(204)
    expect(await errorOf(getRules(B))).toEqual({ name: "NoSuchLifecycleConfiguration", status: 404 })
    expect((await t.client.send(new DeleteBucketLifecycleCommand({ Bucket: B }))).$metadata.httpStatusCode).toBe(204)
  })

  it("takes 1000 rules, the XML forms clients write (empty Filter, ISO date without milliseconds), and refuses 1001", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ ID: `r${i}`, Status: "Enabled" as const, Filter: { Prefix: `p${i}/` }, Expiration: { Days: i + 1 } }))
    await putLifecycle(B, many)
    expect(await getRules(B)).toHaveLength(1000)
    const tooMany = await rawPut(B, doc(...Array.from({ length: 1001 }, (_, i) => rule(`<ID>r${i}</ID><Filter/><Expiration><Days>1</Days></Expiration>`))))
    expect([tooMany.status, tooMany.code]).toEqual([400, "MalformedXML"])
    const ok = await rawPut(
      B,
      doc(
        `\n  <Rule>\n    <ID>pretty</ID>\n    <Filter>\n    </Filter>\n    <Status>Enabled</Status>\n    <Expiration>\n      <Date>2032-01-01T00:00:00Z</Date>\n    </Expiration>\n  </Rule>\n`,
        rule(`<ID>plus-offset</ID><Prefix></Prefix><Expiration><Date>2032-01-01T01:00:00+01:00</Date></Expiration>`),
      ),
    )
    expect([ok.status, ok.code]).toEqual([200, undefined])
    expect(await getRules(B)).toEqual([
      { ID: "pretty", Status: "Enabled", Filter: {}, Expiration: { Date: new Date("2032-01-01T00:00:00Z") } },
      { ID: "plus-offset", Status: "Enabled", Prefix: "", Expiration: { Date: new Date("2032-01-01T00:00:00Z") } },
    ])
  })

  it("gives a rule put without an ID a random one, as AWS does (ceph s3-tests test_lifecycle_get_no_id)", async () => {
    await putLifecycle(B, [
      { Status: "Enabled", Prefix: "test1/", Expiration: { Days: 31 } },
      { Status: "Enabled", Prefix: "test2/", Expiration: { Days: 120 } },
      { ID: "named", Status: "Enabled", Prefix: "test3/", Expiration: { Days: 1 } },
    ])
    const ids = (await getRules(B))!.map((r) => r.ID)
    expect(ids[0]).toMatch(/^[A-Za-z0-9+/]{48}$/)
    expect(ids[1]).toMatch(/^[A-Za-z0-9+/]{48}$/)
    expect(ids[0]).not.toBe(ids[1])
    expect(ids[2]).toBe("named")
    // Stored once: every read answers the same IDs.
    expect((await getRules(B))!.map((r) => r.ID)).toEqual(ids)
  })

  it("refuses what AWS refuses with AWS's error, and what Pollen cannot do with 501, storing nothing", async () => {
    const kept: LifecycleRule[] = [{ ID: "kept", Status: "Enabled", Filter: { Prefix: "k/" }, Expiration: { Days: 9 } }]
    await putLifecycle(B, kept)
    const days = (d: string) => `<Expiration><Days>${d}</Days></Expiration>`
    const cases: Array<[string, number, string]> = [
      // Not schema-valid.
      ["MalformedXML", 400, "<Other/>"],
      ["MalformedXML", 400, doc()],
      ["MalformedXML", 400, doc(rule(`<Filter/>${days("1")}`, "enabled"))],
      ["MalformedXML", 400, doc(rule(`<Filter/>${days("1")}`, ""))],
      ["MalformedXML", 400, doc(`<Rule><Filter/>${days("1")}</Rule>`)],
      ["MalformedXML", 400, doc(rule(days("1")))],
      ["MalformedXML", 400, doc(rule(`<Prefix>a</Prefix><Filter/>${days("1")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter><Prefix>a</Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter>${days("1")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter><And/></Filter>${days("1")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter><Prefix>a</Prefix><And><Prefix>b</Prefix></And></Filter>${days("1")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter/>${days("one")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter/>${days("1.5")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><Expiration/>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><Expiration><Date>next tuesday</Date></Expiration>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/>${days("1")}<Unknown/>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/>${days("1")}${days("2")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><AbortIncompleteMultipartUpload/>`))],
      // A Transition Pollen would refuse with 501 is still checked as AWS checks it first.
      ["MalformedXML", 400, doc(rule(`<Filter/><Expiration><Date>2023-09-27</Date></Expiration><Transition><Date>20220927</Date><StorageClass>GLACIER</StorageClass></Transition>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><Transition><Days>thirty</Days><StorageClass>GLACIER</StorageClass></Transition>`))],
      ["MalformedXML", 400, doc(rule(`<Filter/><Transition><Days>30</Days><Color>blue</Color></Transition>`))],
      // Valid XML, invalid values.
      ["InvalidArgument", 400, doc(rule(`<ID>${"i".repeat(256)}</ID><Filter/>${days("1")}`))],
      ["InvalidArgument", 400, doc(rule(`<ID>same</ID><Filter/>${days("1")}`), rule(`<ID>same</ID><Filter/>${days("2")}`))],
      ["InvalidArgument", 400, doc(rule(`<Filter/>${days("0")}`))],
      ["InvalidArgument", 400, doc(rule(`<Filter/>${days("-3")}`))],
      ["InvalidArgument", 400, doc(rule(`<Filter/><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>`))],
      ["InvalidArgument", 400, doc(rule(`<Filter/><Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>`))],
      // What boto3 sends for ceph s3-tests test_lifecycle_transition_set_invalid_date (it reads
      // the Date '20220927' as seconds since the epoch).
      ["InvalidArgument", 400, doc(rule(`<Prefix>test1/</Prefix><Expiration><Date>2023-09-27T00:00:00Z</Date></Expiration><Transition><Date>1970-08-23T00:55:27Z</Date><StorageClass>GLACIER</StorageClass></Transition>`))],
      ["InvalidArgument", 400, doc(rule(`<Filter><ObjectSizeLessThan>0</ObjectSizeLessThan></Filter>${days("1")}`))],
      ["InvalidArgument", 400, doc(rule(`<Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter>${days("1")}`))],
      ["InvalidArgument", 400, doc(rule(`<Filter><And><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter>${days("1")}`))],
      ["InvalidRequest", 400, doc(rule(`<ID>no-action</ID><Filter/>`))],
      ["InvalidRequest", 400, doc(rule(`<Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>`))],
      // Accepted by AWS, not carried out by Pollen.
      ["NotImplemented", 501, doc(rule(`<Filter/><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>`))],
      ["NotImplemented", 501, doc(rule(`<Filter/>${days("30")}<Transition><Days>1</Days><StorageClass>STANDARD_IA</StorageClass></Transition>`))],
      ["NotImplemented", 501, doc(rule(`<Filter/><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>`))],
      ["NotImplemented", 501, doc(rule(`<Filter/><NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>`))],
      ["NotImplemented", 501, doc(rule(`<Filter/><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`))],
      ["InvalidArgument", 400, doc(rule(`<Filter><And><Tag><Key>a</Key><Value>b</Value></Tag><Tag><Key>a</Key><Value>c</Value></Tag></And></Filter>${days("1")}`))],
      ["MalformedXML", 400, doc(rule(`<Filter><Prefix>p/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></Filter>${days("1")}`))],
      ["InvalidRequest", 400, doc(rule(`<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>`))],
    ]
    for (const [code, status, body] of cases) {
      const r = await rawPut(B, body)
      expect([body.slice(0, 400), r.status, r.code]).toEqual([body.slice(0, 400), status, code])
    }
    expect(await getRules(B)).toEqual(kept)
  })

  it("needs Content-MD5, a checksum or a signed payload, like AWS", async () => {
    const body = doc(rule(`<ID>md5</ID><Filter/><Expiration><Days>4</Days></Expiration>`))
    const unsigned = (headers: Record<string, string>) =>
      signedRequest(t.node.s3Url, "PUT", `/${B}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: "UNSIGNED-PAYLOAD", query: { lifecycle: "" }, headers })
    const bare = await unsigned({})
    const refused = await send(bare.url, "PUT", bare.headers, body)
    expect([refused.status, codeOf(refused)]).toEqual([400, "InvalidRequest"])
    const withMd5 = await unsigned({ "content-md5": createHash("md5").update(body).digest("base64") })
    expect((await send(withMd5.url, "PUT", withMd5.headers, body)).status).toBe(200)
    expect((await getRules(B))!.map((r) => r.ID)).toEqual(["md5"])
  })

  it("needs the owner permission to change it, read permission to read it", async () => {
    const bucket = "lifecycle-perm"
    await t.client.send(new CreateBucketCommand({ Bucket: bucket }))
    const rules: LifecycleRule[] = [{ ID: "r", Status: "Enabled", Filter: { Prefix: "a/" }, Expiration: { Days: 1 } }]
    await putLifecycle(bucket, rules)
    const id = (await t.node.store.bucketByName(bucket))!.id
    const other = await t.node.keys.create("lifecycle-writer")
    await t.node.keys.setPermission(other.id, id, { read: true, write: true })
    const c = t.clientFor(other.id, other.secret)
    expect((await c.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual(rules)
    expect(await errorOf(c.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [] } })))).toEqual({ name: "AccessDenied", status: 403 })
    expect(await errorOf(c.send(new DeleteBucketLifecycleCommand({ Bucket: bucket })))).toEqual({ name: "AccessDenied", status: 403 })
    expect(await getRules(bucket)).toEqual(rules)
  })
})

describe("x-amz-expiration", () => {
  const B = "lifecycle-expiration-header"
  beforeAll(async () => {
    await t.client.send(new CreateBucketCommand({ Bucket: B }))
  })
  // The worker's tests below count the buckets with rules.
  afterAll(async () => {
    await t.client.send(new DeleteBucketLifecycleCommand({ Bucket: B }))
  })

  it("names the earliest expiry and its rule on PutObject, CopyObject, GetObject and HeadObject, as AWS does", async () => {
    const dated = "2099-01-01T00:00:00.000Z"
    await putLifecycle(B, [
      { ID: "logs rule/1", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 3 } },
      { ID: "logs-later", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } },
      { ID: "dated", Status: "Enabled", Filter: { Prefix: "dated/" }, Expiration: { Date: new Date(dated) } },
      { ID: "off", Status: "Disabled", Filter: { Prefix: "off/" }, Expiration: { Days: 1 } },
      { ID: "uploads", Status: "Enabled", Filter: { Prefix: "keep/" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ])
    const expected = (lastModified: number, days: number) => new Date(nextMidnightUtc(lastModified + days * DAY_MS)).toUTCString()

    const put = await t.client.send(new PutObjectCommand({ Bucket: B, Key: "logs/a", Body: "a" }))
    const head = await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "logs/a" }))
    const at = expected(head.LastModified!.getTime(), 3)
    // The rule ID is URL-encoded, as AWS documents.
    expect(put.Expiration).toBe(`expiry-date="${at}", rule-id="logs%20rule%2F1"`)
    expect(head.Expiration).toBe(put.Expiration)
    const get = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "logs/a" }))
    await get.Body!.transformToString()
    expect(get.Expiration).toBe(put.Expiration)
    const ranged = await t.client.send(new GetObjectCommand({ Bucket: B, Key: "logs/a", Range: "bytes=0-0" }))
    await ranged.Body!.transformToString()
    expect(ranged.Expiration).toBe(put.Expiration)

    const copy = await t.client.send(new CopyObjectCommand({ Bucket: B, Key: "dated/b", CopySource: `${B}/logs/a` }))
    expect(copy.Expiration).toBe(`expiry-date="${new Date(dated).toUTCString()}", rule-id="dated"`)

    for (const Key of ["off/c", "keep/d", "other/e"]) {
      expect((await t.client.send(new PutObjectCommand({ Bucket: B, Key, Body: "x" }))).Expiration).toBeUndefined()
      expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key }))).Expiration).toBeUndefined()
    }

    // multipart: CreateMultipartUpload names the abort date of an AbortIncompleteMultipartUpload
    // rule, CompleteMultipartUpload the object's expiry
    const before = Date.now()
    const kept = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "keep/mpu" }))
    expect(kept.AbortRuleId).toBe("uploads")
    const abortAt = kept.AbortDate!.getTime()
    expect([nextMidnightUtc(before + DAY_MS), nextMidnightUtc(Date.now() + DAY_MS)]).toContain(abortAt)
    // ListParts answers the same two headers
    const keptParts = await t.client.send(new ListPartsCommand({ Bucket: B, Key: "keep/mpu", UploadId: kept.UploadId! }))
    expect(keptParts.AbortRuleId).toBe("uploads")
    expect(keptParts.AbortDate!.getTime()).toBe(abortAt)
    const logs = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "logs/mpu" }))
    expect(logs.AbortDate).toBeUndefined()
    expect((await t.client.send(new ListPartsCommand({ Bucket: B, Key: "logs/mpu", UploadId: logs.UploadId! }))).AbortDate).toBeUndefined()
    const part = await t.client.send(new UploadPartCommand({ Bucket: B, Key: "logs/mpu", UploadId: logs.UploadId!, PartNumber: 1, Body: "p" }))
    const done = await t.client.send(
      new CompleteMultipartUploadCommand({ Bucket: B, Key: "logs/mpu", UploadId: logs.UploadId!, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }),
    )
    const mpuHead = await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "logs/mpu" }))
    expect(done.Expiration).toBe(mpuHead.Expiration)
    expect(done.Expiration).toMatch(/rule-id="logs%20rule%2F1"$/)
    await t.client.send(new DeleteBucketLifecycleCommand({ Bucket: B }))
    expect((await t.client.send(new HeadObjectCommand({ Bucket: B, Key: "logs/a" }))).Expiration).toBeUndefined()
  })
})

describe("the lifecycle worker", () => {
  const B = "lifecycle-worker"
  const head = (Key: string) => t.client.send(new HeadObjectCommand({ Bucket: B, Key }))
  const exists = async (Key: string) => (await head(Key).then(() => true, (e: unknown) => ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 ? false : Promise.reject(e))))
  const present = async (keys: readonly string[]) => Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await exists(k)] as const)))
  const put = (Key: string, Body: string | Uint8Array) => t.client.send(new PutObjectCommand({ Bucket: B, Key, Body }))
  const lastModified = async (key: string) => (await t.node.store.getObject((await t.node.store.bucketByName(B))!.id, key))!.lastModified
  const uploads = async () => ((await t.client.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? []).map((u) => u.Key).sort()
  const countBlocks = async () => {
    let n = 0
    const dir = join(t.dir, "blocks")
    for (const a of await readdir(dir)) if (a !== "tmp") for (const b of await readdir(join(dir, a))) n += (await readdir(join(dir, a, b))).length
    return n
  }
  const keys = ["logs/a", "logs/b", "size/small", "size/mid", "size/big", "tmp/blocks", "keep/x", "dated/x"]

  beforeAll(async () => {
    await t.client.send(new CreateBucketCommand({ Bucket: B }))
    for (const k of keys.filter((k) => k !== "size/small" && k !== "size/mid" && k !== "size/big" && k !== "tmp/blocks")) await put(k, k)
    await put("size/small", "s".repeat(10))
    await put("size/mid", "m".repeat(500))
    await put("size/big", "b".repeat(2000))
    await put("tmp/blocks", randomBytes(1536 * 1024)) // two blocks of 1 MiB
    for (const Key of ["uploads/old", "other/old"]) {
      const mpu = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key }))
      await t.client.send(new UploadPartCommand({ Bucket: B, Key, UploadId: mpu.UploadId!, PartNumber: 1, Body: "part" }))
    }
  })

  it("expires matching objects at the next midnight UTC after Last-Modified + Days, aborts old uploads, leaves the rest", async () => {
    const dated = nextMidnightUtc(Date.now()) + 10 * DAY_MS
    await putLifecycle(B, [
      { ID: "logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 1 } },
      { ID: "mid-size", Status: "Enabled", Filter: { And: { Prefix: "size/", ObjectSizeGreaterThan: 100, ObjectSizeLessThan: 1000 } }, Expiration: { Days: 1 } },
      { ID: "tmp", Status: "Enabled", Prefix: "tmp/", Expiration: { Days: 2 } },
      { ID: "disabled", Status: "Disabled", Filter: {}, Expiration: { Days: 1 } },
      { ID: "uploads", Status: "Enabled", Filter: { Prefix: "uploads/" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { ID: "dated", Status: "Enabled", Filter: { Prefix: "dated/" }, Expiration: { Date: new Date(dated) } },
    ])
    const blocksBefore = await countBlocks()
    expect(blocksBefore).toBeGreaterThanOrEqual(2)

    // Now: everything is young.
    clock = Date.now()
    const first = await t.node.lifecycle.runOnce()
    expect([first.buckets, first.expired, first.aborted, first.failures, first.complete]).toEqual([1, 0, 0, 0, true])
    expect(first.rows).toBeGreaterThanOrEqual(keys.length + 2)

    // One millisecond before logs/a's expiry (its Last-Modified + 1 day, rounded up to midnight UTC): kept.
    const logsDue = nextMidnightUtc((await lastModified("logs/a")) + DAY_MS)
    expect(logsDue).toBe(nextMidnightUtc(await lastModified("logs/b")) + DAY_MS) // written the same day (else the test straddled midnight)
    clock = logsDue - 1
    expect((await t.node.lifecycle.runOnce()).expired).toBe(0)
    expect(await present(["logs/a", "logs/b"])).toEqual({ "logs/a": true, "logs/b": true })

    // At that midnight: both logs and the mid-sized object go; the rest stays.
    clock = logsDue
    const second = await t.node.lifecycle.runOnce()
    expect([second.expired, second.aborted, second.failures]).toEqual([3, 1, 0])
    expect(await present(keys)).toEqual({
      "logs/a": false, "logs/b": false, "size/small": true, "size/mid": false, "size/big": true, "tmp/blocks": true, "keep/x": true, "dated/x": true,
    })
    expect(await uploads()).toEqual(["other/old"])

    // A day later the two-day rule takes the block-stored object, and its blocks are freed as for DeleteObject.
    clock = logsDue + DAY_MS
    expect((await t.node.lifecycle.runOnce()).expired).toBe(1)
    expect(await exists("tmp/blocks")).toBe(false)
    await vi.waitFor(async () => expect(await countBlocks()).toBe(blocksBefore - 2), { timeout: 10_000, interval: 50 })

    // The Date rule: nothing before it, everything matching from it on.
    clock = dated - 1
    expect((await t.node.lifecycle.runOnce()).expired).toBe(0)
    clock = dated
    expect((await t.node.lifecycle.runOnce()).expired).toBe(1)
    expect(await present(keys)).toEqual({
      "logs/a": false, "logs/b": false, "size/small": true, "size/mid": false, "size/big": true, "tmp/blocks": false, "keep/x": true, "dated/x": false,
    })

    // A repeated pass finds nothing left to do; an object written again is young again.
    await put("logs/a", "again")
    const again = await t.node.lifecycle.runOnce()
    expect([again.expired, again.aborted, again.failures]).toEqual([1, 0, 0]) // the clock is 10 days ahead: "again" is old to it
    clock = Date.now()
    await put("logs/a", "fresh")
    expect((await t.node.lifecycle.runOnce()).expired).toBe(0)
    expect(await exists("logs/a")).toBe(true)
    expect(await uploads()).toEqual(["other/old"])
  })

  it("deletes only a version the rule still expires when it reads the key again (a newer one is kept)", async () => {
    const id = (await t.node.store.bucketByName(B))!.id
    await put("recheck/x", "x")
    expect(await t.node.store.deleteObject(id, "recheck/x", (cur) => cur.lastModified < 0)).toBe(false)
    expect(await exists("recheck/x")).toBe(true)
    expect(await t.node.store.deleteObject(id, "recheck/x", (cur) => cur.key === "recheck/x" && cur.size === 1)).toBe(true)
    expect(await exists("recheck/x")).toBe(false)
  })

  it("expires only the objects carrying every tag of a Tag filter, and reads the filter back as put", async () => {
    await t.client.send(new PutObjectCommand({ Bucket: B, Key: "tagged/yes", Body: "y", Tagging: "expire=yes&team=a" }))
    await t.client.send(new PutObjectCommand({ Bucket: B, Key: "tagged/other", Body: "o", Tagging: "expire=no" }))
    await put("tagged/none", "n")
    const rules: LifecycleRule[] = [
      { ID: "by-tag", Status: "Enabled", Filter: { And: { Prefix: "tagged/", Tags: [{ Key: "expire", Value: "yes" }, { Key: "team", Value: "a" }] } }, Expiration: { Days: 1 } },
    ]
    await putLifecycle(B, rules)
    expect(await getRules(B)).toEqual(rules)
    clock = Date.now() + 3 * DAY_MS
    await t.node.lifecycle.runOnce()
    expect(await present(["tagged/yes", "tagged/other", "tagged/none"])).toEqual({ "tagged/yes": false, "tagged/other": true, "tagged/none": true })
  })

  it("does nothing after DeleteBucketLifecycle", async () => {
    await put("logs/after-delete", "x")
    await t.client.send(new DeleteBucketLifecycleCommand({ Bucket: B }))
    clock = Date.now() + 400 * DAY_MS
    const r = await t.node.lifecycle.runOnce()
    expect([r.buckets, r.expired, r.aborted]).toEqual([0, 0, 0])
    expect(await exists("logs/after-delete")).toBe(true)
    expect(await uploads()).toEqual(["other/old"])
  })
})

describe("the node's own schedule", () => {
  it("runs passes by itself at the configured interval", async () => {
    const n = await startTestNode({ lifecycle: { now: () => Date.now() + 3 * DAY_MS, startDelayMs: 0, intervalMs: 200 } })
    try {
      await n.client.send(new CreateBucketCommand({ Bucket: "scheduled" }))
      await n.client.send(new PutObjectCommand({ Bucket: "scheduled", Key: "old", Body: "o" }))
      await n.client.send(new PutBucketLifecycleConfigurationCommand({
        Bucket: "scheduled",
        LifecycleConfiguration: { Rules: [{ ID: "r", Status: "Enabled", Filter: {}, Expiration: { Days: 1 } }] },
      }))
      await vi.waitFor(async () => expect((await errorOf(n.client.send(new HeadObjectCommand({ Bucket: "scheduled", Key: "old" })))).status).toBe(404), { timeout: 10_000, interval: 100 })
    } finally {
      await n.stop()
    }
  })
})
