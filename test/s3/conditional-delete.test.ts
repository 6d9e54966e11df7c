// Conditional deletes as AWS answers them on general purpose buckets: DeleteObject's If-Match
// and DeleteObjects' per-object ETag (ceph s3-tests test_delete_object_if_match; Pollen used to
// ignore both and delete whatever the current ETag).
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"

let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "cond-del" }))
})
afterAll(async () => t.stop())

const put = async (key: string) => (await t.client.send(new PutObjectCommand({ Bucket: "cond-del", Key: key, Body: key }))).ETag!
const exists = (key: string): Promise<boolean> =>
  t.client.send(new HeadObjectCommand({ Bucket: "cond-del", Key: key })).then(() => true, () => false)

describe("DeleteObject If-Match", () => {
  it("deletes only when the ETag matches; 412 otherwise, 404 NoSuchKey without an object", async () => {
    const etag = await put("a")
    expect(await errorOf(t.client.send(new DeleteObjectCommand({ Bucket: "cond-del", Key: "a", IfMatch: '"0123"' })))).toEqual({ name: "PreconditionFailed", status: 412 })
    expect(await exists("a")).toBe(true)
    await t.client.send(new DeleteObjectCommand({ Bucket: "cond-del", Key: "a", IfMatch: etag }))
    expect(await exists("a")).toBe(false)
    expect(await errorOf(t.client.send(new DeleteObjectCommand({ Bucket: "cond-del", Key: "a", IfMatch: "*" })))).toEqual({ name: "NoSuchKey", status: 404 })
    await put("a")
    await t.client.send(new DeleteObjectCommand({ Bucket: "cond-del", Key: "a", IfMatch: "*" }))
    expect(await exists("a")).toBe(false)
    // without a condition a missing key is still 204
    await t.client.send(new DeleteObjectCommand({ Bucket: "cond-del", Key: "a" }))
  })

  it("refuses the directory-bucket conditions rather than ignoring them", async () => {
    await put("b")
    expect((await errorOf(t.client.send(new DeleteObjectCommand({ Bucket: "cond-del", Key: "b", IfMatchSize: 1 })))).status).toBe(501)
    expect(await exists("b")).toBe(true)
  })
})

describe("DeleteObjects ETag", () => {
  it("reports PreconditionFailed and NoSuchKey per object and deletes the matching ones", async () => {
    const c = await put("c")
    await put("d")
    const r = await t.client.send(new DeleteObjectsCommand({
      Bucket: "cond-del",
      Delete: { Objects: [{ Key: "c", ETag: c }, { Key: "d", ETag: '"ffff"' }, { Key: "e", ETag: "*" }, { Key: "f" }] },
    }))
    expect(r.Deleted!.map((d) => d.Key).sort()).toEqual(["c", "f"])
    expect(r.Errors!.map((e) => [e.Key, e.Code]).sort()).toEqual([["d", "PreconditionFailed"], ["e", "NoSuchKey"]])
    expect(await exists("c")).toBe(false)
    expect(await exists("d")).toBe(true)
  })
})
