// SigV4 with the request time in the Date header (RFC 7231) instead of x-amz-date, as botocore
// signs any request that carries a Date (ceph s3-tests test_object_create_date_and_amz_date got
// AccessDenied "requires a valid Date or x-amz-date header"). Signed by hand here: the SDKs
// always add x-amz-date.
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3"
import { createHash, createHmac } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { codeOf, send } from "./signing.ts"
import { startTestNode, type TestNode } from "./helpers.ts"

let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "dated" }))
})
afterAll(async () => t.stop())

const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data).digest()
const sha = (data: string): string => createHash("sha256").update(data).digest("hex")

/** PUT /dated/<key> signed over host, date and x-amz-content-sha256, the time given as `when`. */
const putWithDate = (key: string, body: string, when: Date, dateHeader = when.toUTCString()) => {
  const url = new URL(`/dated/${key}`, t.node.s3Url)
  const iso = when.toISOString().replace(/[-:]|\.\d{3}/g, "")
  const headers: Record<string, string> = { host: url.host, date: dateHeader, "x-amz-content-sha256": sha(body) }
  const signed = "date;host;x-amz-content-sha256"
  const canonical = ["PUT", url.pathname, "", `date:${dateHeader}`, `host:${url.host}`, `x-amz-content-sha256:${headers["x-amz-content-sha256"]}`, "", signed, headers["x-amz-content-sha256"]].join("\n")
  const scope = `${iso.slice(0, 8)}/us-east-1/s3/aws4_request`
  const toSign = ["AWS4-HMAC-SHA256", iso, scope, sha(canonical)].join("\n")
  const key4 = ["us-east-1", "s3", "aws4_request"].reduce((k, part) => hmac(k, part), hmac(`AWS4${t.key.secret}`, iso.slice(0, 8)))
  const signature = createHmac("sha256", key4).update(toSign).digest("hex")
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${t.key.id}/${scope}, SignedHeaders=${signed}, Signature=${signature}`
  return send(url.toString(), "PUT", headers, body)
}

describe("SigV4 request time from the Date header", () => {
  it("accepts a request dated by Date alone and stores the object", async () => {
    const r = await putWithDate("a", "dated body", new Date(Math.floor(Date.now() / 1000) * 1000))
    expect(r.status).toBe(200)
    const got = await t.client.send(new GetObjectCommand({ Bucket: "dated", Key: "a" }))
    expect(await got.Body!.transformToString()).toBe("dated body")
  })

  it("takes the RFC 5322 form botocore sends (Python's formatdate: a -0000 zone)", async () => {
    const when = new Date(Math.floor(Date.now() / 1000) * 1000)
    const r = await putWithDate("d", "x", when, when.toUTCString().replace("GMT", "-0000"))
    expect(r.status).toBe(200)
  })

  it("still checks the skew and the format of that time", async () => {
    expect(codeOf(await putWithDate("b", "x", new Date(Date.now() - 3600_000)))).toBe("RequestTimeTooSkewed")
    expect(codeOf(await putWithDate("c", "x", new Date(), "not a date"))).toBe("AccessDenied")
  })
})
