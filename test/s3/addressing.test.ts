// Virtual-host-style addressing (`<bucket>.<root_domain>`) next to path-style.
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3"
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNode, type TestNode } from "./helpers.ts"
import { send, signedRequest } from "./signing.ts"

let t: TestNode
beforeAll(async () => {
  t = await startTestNode({ rootDomain: "s3.pollen.test" })
  await t.client.send(new CreateBucketCommand({ Bucket: "vhost" }))
  await t.client.send(new PutObjectCommand({ Bucket: "vhost", Key: "dir/file.txt", Body: "virtual" }))
})
afterAll(async () => t.stop())

describe("addressing", () => {
  it("serves <bucket>.<root_domain>/<key> and lists the bucket at its root", async () => {
    const port = new URL(t.node.s3Url).port
    const host = `vhost.s3.pollen.test:${port}`
    const empty = createHash("sha256").update("").digest("hex")
    const get = await signedRequest(t.node.s3Url, "GET", "/dir/file.txt", { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: empty, headers: { host } })
    const r = await send(get.url, "GET", get.headers)
    expect(r.status).toBe(200)
    expect(r.body).toBe("virtual")
    const list = await signedRequest(t.node.s3Url, "GET", "/", { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: empty, headers: { host }, query: { "list-type": "2" } })
    const l = await send(list.url, "GET", list.headers)
    expect(l.status).toBe(200)
    expect(l.body).toContain("<Key>dir/file.txt</Key>")
  })
})
