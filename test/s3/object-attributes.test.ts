// GetObjectAttributes end to end with @aws-sdk/client-s3: the attributes asked for and no
// others, the unquoted ETag, the checksum, ObjectParts of multipart objects (paged; Part
// elements only for objects with a checksum, as AWS answers for general purpose buckets),
// and the errors for unknown attributes and missing keys.
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
} from "@aws-sdk/client-s3"
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, send, signedRequest } from "./signing.ts"

const B = "attributes"
const MiB = 1 << 20
let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: B }))
})
afterAll(async () => t.stop())

const multipart = async (Key: string, sizes: readonly number[], ChecksumAlgorithm?: ChecksumAlgorithm) => {
  const { UploadId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: B, Key, ChecksumAlgorithm }))
  const Parts = []
  for (const [i, size] of sizes.entries()) {
    const r = await t.client.send(new UploadPartCommand({ Bucket: B, Key, UploadId, PartNumber: i + 1, Body: Buffer.alloc(size, i + 1), ChecksumAlgorithm }))
    Parts.push({ PartNumber: i + 1, ETag: r.ETag!, ...(ChecksumAlgorithm === "SHA256" ? { ChecksumSHA256: r.ChecksumSHA256! } : {}) })
  }
  return t.client.send(new CompleteMultipartUploadCommand({ Bucket: B, Key, UploadId, MultipartUpload: { Parts } }))
}

describe("GetObjectAttributes", () => {
  it("answers the attributes asked for of a simple object", async () => {
    const Body = "hello attributes"
    const put = await t.client.send(new PutObjectCommand({ Bucket: B, Key: "simple", Body, ChecksumAlgorithm: "CRC32" }))
    const all = await t.client.send(
      new GetObjectAttributesCommand({ Bucket: B, Key: "simple", ObjectAttributes: ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"] }),
    )
    expect(all.ETag).toBe(createHash("md5").update(Body).digest("hex"))
    expect(`"${all.ETag}"`).toBe(put.ETag)
    expect(all.Checksum).toEqual({ ChecksumCRC32: put.ChecksumCRC32, ChecksumType: "FULL_OBJECT" })
    expect(all.ObjectParts).toBeUndefined() // not a multipart object
    expect([all.StorageClass, all.ObjectSize]).toEqual(["STANDARD", Buffer.byteLength(Body)])
    expect(all.LastModified).toBeInstanceOf(Date)
    const some = await t.client.send(new GetObjectAttributesCommand({ Bucket: B, Key: "simple", ObjectAttributes: ["ObjectSize"] }))
    expect([some.ETag, some.Checksum, some.StorageClass, some.ObjectSize]).toEqual([undefined, undefined, undefined, Buffer.byteLength(Body)])
  })

  it("pages the parts of a multipart object with a checksum, and counts those of one without", async () => {
    const done = await multipart("with-checksum", [5 * MiB, 5 * MiB, 1000], "SHA256")
    const first = await t.client.send(new GetObjectAttributesCommand({ Bucket: B, Key: "with-checksum", ObjectAttributes: ["ObjectParts", "Checksum", "ETag"], MaxParts: 2 }))
    expect(`"${first.ETag}"`).toBe(done.ETag)
    expect(first.Checksum).toEqual({ ChecksumSHA256: done.ChecksumSHA256, ChecksumType: "COMPOSITE" })
    expect(first.ObjectParts).toMatchObject({ TotalPartsCount: 3, MaxParts: 2, IsTruncated: true, NextPartNumberMarker: "2" })
    expect(first.ObjectParts!.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 5 * MiB], [2, 5 * MiB]])
    const rest = await t.client.send(
      new GetObjectAttributesCommand({ Bucket: B, Key: "with-checksum", ObjectAttributes: ["ObjectParts"], PartNumberMarker: "2" }),
    )
    expect(rest.ObjectParts).toMatchObject({ TotalPartsCount: 3, IsTruncated: false, PartNumberMarker: "2" })
    expect(rest.ObjectParts!.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[3, 1000]])

    await multipart("without-checksum", [5 * MiB, 10])
    const plain = await t.client.send(new GetObjectAttributesCommand({ Bucket: B, Key: "without-checksum", ObjectAttributes: ["ObjectParts", "ObjectSize"] }))
    expect(plain.ObjectParts).toEqual({ TotalPartsCount: 2 })
    expect(plain.ObjectSize).toBe(5 * MiB + 10)
  })

  it("refuses unknown attribute names and answers NoSuchKey for a missing key", async () => {
    for (const attributes of ["Bogus", "ETag,Size", ""]) {
      const req = await signedRequest(t.node.s3Url, "GET", `/${B}/simple`, {
        accessKeyId: t.key.id, secret: t.key.secret, payloadHash: createHash("sha256").update("").digest("hex"),
        query: { attributes: "" }, headers: { "x-amz-object-attributes": attributes },
      })
      const r = await send(req.url, "GET", req.headers)
      expect([attributes, r.status, codeOf(r)]).toEqual([attributes, 400, "InvalidArgument"])
    }
    expect(await errorOf(t.client.send(new GetObjectAttributesCommand({ Bucket: B, Key: "missing", ObjectAttributes: ["ETag"] })))).toEqual({ name: "NoSuchKey", status: 404 })
  })
})
