// Multipart uploads end to end: a checksum-verified 3 × 5 MiB upload, UploadPartCopy with
// ranges, listing uploads and parts, the InvalidPart / InvalidPartOrder / EntityTooSmall /
// NoSuchUpload errors, and a repeated completion.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3"
import { createHash, randomBytes } from "node:crypto"
import zlib from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNode, type TestNode } from "./helpers.ts"

let t: TestNode
const MiB = 1024 * 1024
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "mpu" }))
})
afterAll(async () => t.stop())

const errorName = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (e) {
    if (e instanceof S3ServiceException) return e.name
    throw e
  }
  return "no error"
}

const create = async (key: string, checksum = false) =>
  (await t.client.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: key, ...(checksum ? { ChecksumAlgorithm: "CRC32" } : {}) }))).UploadId!

describe("multipart", () => {
  it("uploads 3 × 5 MiB parts with CRC32 checksums and reads back the same bytes", async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(2 * MiB + 123)]
    const uploadId = await create("large.bin", true)
    const done = []
    for (const [i, body] of parts.entries()) {
      const r = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "large.bin", UploadId: uploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: "CRC32" }))
      expect(r.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`)
      expect(r.ChecksumCRC32).toBeDefined()
      done.push({ PartNumber: i + 1, ETag: r.ETag!, ChecksumCRC32: r.ChecksumCRC32! })
    }
    const listed = await t.client.send(new ListPartsCommand({ Bucket: "mpu", Key: "large.bin", UploadId: uploadId }))
    expect(listed.Parts!.map((p) => p.Size)).toEqual(parts.map((p) => p.length))
    const uploads = await t.client.send(new ListMultipartUploadsCommand({ Bucket: "mpu" }))
    expect(uploads.Uploads!.map((u) => u.UploadId)).toContain(uploadId)
    const complete = await t.client.send(new CompleteMultipartUploadCommand({ Bucket: "mpu", Key: "large.bin", UploadId: uploadId, MultipartUpload: { Parts: done } }))
    const md5s = Buffer.concat(parts.map((p) => createHash("md5").update(p).digest()))
    expect(complete.ETag).toBe(`"${createHash("md5").update(md5s).digest("hex")}-3"`)
    const head = await t.client.send(new HeadObjectCommand({ Bucket: "mpu", Key: "large.bin", ChecksumMode: "ENABLED" }))
    expect(head.ContentLength).toBe(12 * MiB + 123)
    expect(head.ChecksumCRC32).toMatch(/-3$/)
    const got = await t.client.send(new GetObjectCommand({ Bucket: "mpu", Key: "large.bin" }))
    const hash = createHash("sha256")
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) hash.update(chunk)
    expect(hash.digest("hex")).toBe(createHash("sha256").update(Buffer.concat(parts)).digest("hex"))
    const part2 = await t.client.send(new GetObjectCommand({ Bucket: "mpu", Key: "large.bin", PartNumber: 2 }))
    expect(part2.ContentLength).toBe(5 * MiB)
    expect(part2.PartsCount).toBe(3)
    expect((await t.client.send(new ListMultipartUploadsCommand({ Bucket: "mpu" }))).Uploads ?? []).toEqual([])
  })

  it("CompleteMultipartUpload's x-amz-checksum-* names the object's checksum (composite, -N), not the XML body's", async () => {
    // ceph s3-tests test_multipart_checksum_sha256: AWS checks the header against the object's
    // composite checksum (BadDigest when it differs); Pollen checked it against the request body.
    const sha = (b: Buffer) => createHash("sha256").update(b).digest()
    const body = Buffer.alloc(1024, "A")
    const composite = `${sha(sha(body)).toString("base64")}-1`
    expect(composite).toBe("Ok6Cs5b96ux6+MWQkJO7UBT5sKPBeXBLwvj/hK89smg=-1")
    const uploadId = (await t.client.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: "sum", ChecksumAlgorithm: "SHA256" }))).UploadId!
    const part = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "sum", UploadId: uploadId, PartNumber: 1, Body: body, ChecksumAlgorithm: "SHA256" }))
    const complete = (extra: Record<string, string>) =>
      t.client.send(new CompleteMultipartUploadCommand({
        Bucket: "mpu", Key: "sum", UploadId: uploadId, ...extra,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag!, ChecksumSHA256: part.ChecksumSHA256! }] },
      }))
    expect(await errorName(complete({ ChecksumSHA256: `${sha(Buffer.from("other")).toString("base64")}-1` }))).toBe("BadDigest")
    expect(await errorName(complete({ ChecksumSHA256: `${composite.slice(0, -2)}-2` }))).toBe("BadDigest")
    expect(await errorName(complete({ ChecksumSHA256: "bad" }))).toBe("InvalidRequest")
    expect(await errorName(complete({ ChecksumCRC32: "AAAAAA==" }))).toBe("InvalidRequest")
    // An upload created with an algorithm needs every part's checksum in the completion, as on AWS.
    const withoutPartChecksum = await t.client.send(new CompleteMultipartUploadCommand({
      Bucket: "mpu", Key: "sum", UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
    })).catch((e: S3ServiceException) => e)
    expect(withoutPartChecksum).toBeInstanceOf(S3ServiceException)
    expect([(withoutPartChecksum as S3ServiceException).name, (withoutPartChecksum as S3ServiceException).message]).toEqual([
      "InvalidRequest", "The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.",
    ])
    const done = await complete({ ChecksumSHA256: composite })
    expect(done.ChecksumSHA256).toBe(composite)
    expect((await t.client.send(new HeadObjectCommand({ Bucket: "mpu", Key: "sum", ChecksumMode: "ENABLED" }))).ChecksumSHA256).toBe(composite)
    // The digest without the part count is accepted too.
    const again = (await t.client.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: "sum2", ChecksumAlgorithm: "SHA256" }))).UploadId!
    const p2 = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "sum2", UploadId: again, PartNumber: 1, Body: body, ChecksumAlgorithm: "SHA256" }))
    const done2 = await t.client.send(new CompleteMultipartUploadCommand({
      Bucket: "mpu", Key: "sum2", UploadId: again, ChecksumSHA256: composite.slice(0, -2),
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p2.ETag!, ChecksumSHA256: p2.ChecksumSHA256! }] },
    }))
    expect(done2.ChecksumSHA256).toBe(composite)
  })

  it("x-amz-checksum-type FULL_OBJECT: CRC32 / CRC32C of the whole object, combined from the parts' CRCs", async () => {
    // ceph s3-tests test_multipart_use_cksum_helper_crc32 / _crc32c: 3 × 5 MiB of A, B, C.
    // Pollen used to ignore the header and make a COMPOSITE checksum.
    const bodies = ["A", "B", "C"].map((c) => Buffer.alloc(5 * MiB, c))
    const whole = zlib.crc32(Buffer.concat(bodies)) >>> 0
    for (const [algorithm, expected] of [["CRC32", "WgDhBQ=="], ["CRC32C", "xU+Krw=="]] as const) {
      if (algorithm === "CRC32") expect(Buffer.from(expected, "base64").readUInt32BE(0)).toBe(whole)
      const key = `full-${algorithm}`
      const created = await t.client.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: key, ChecksumAlgorithm: algorithm, ChecksumType: "FULL_OBJECT" }))
      expect(created.ChecksumType).toBe("FULL_OBJECT")
      const parts: { PartNumber: number; ETag: string }[] = []
      for (const [i, body] of bodies.entries()) {
        const r = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: key, UploadId: created.UploadId!, PartNumber: i + 1, Body: body, ChecksumAlgorithm: algorithm }))
        parts.push({ PartNumber: i + 1, ETag: r.ETag! })
      }
      const complete = (extra: Record<string, string>) =>
        t.client.send(new CompleteMultipartUploadCommand({ Bucket: "mpu", Key: key, UploadId: created.UploadId!, MultipartUpload: { Parts: parts }, ...extra }))
      expect(await errorName(complete({ ChecksumType: "COMPOSITE" }))).toBe("InvalidRequest")
      expect(await errorName(complete({ [`Checksum${algorithm}`]: "AAAAAA==" }))).toBe("BadDigest")
      // Part checksums may be left out of a FULL_OBJECT completion.
      const done = await complete({ [`Checksum${algorithm}`]: expected, ChecksumType: "FULL_OBJECT" })
      expect([done[`Checksum${algorithm}`], done.ChecksumType]).toEqual([expected, "FULL_OBJECT"])
      const head = await t.client.send(new HeadObjectCommand({ Bucket: "mpu", Key: key, ChecksumMode: "ENABLED" }))
      expect([head[`Checksum${algorithm}`], head.ChecksumType]).toEqual([expected, "FULL_OBJECT"])
    }
    expect(await errorName(t.client.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: "full-sha", ChecksumAlgorithm: "SHA256", ChecksumType: "FULL_OBJECT" })))).toBe("InvalidRequest")
  })

  it("copies parts with x-amz-copy-source-range", async () => {
    const source = randomBytes(6 * MiB)
    await t.client.send(new PutObjectCommand({ Bucket: "mpu", Key: "source", Body: source }))
    const uploadId = await create("copied")
    const p1 = await t.client.send(new UploadPartCopyCommand({ Bucket: "mpu", Key: "copied", UploadId: uploadId, PartNumber: 1, CopySource: "mpu/source", CopySourceRange: `bytes=0-${5 * MiB - 1}` }))
    const p2 = await t.client.send(new UploadPartCopyCommand({ Bucket: "mpu", Key: "copied", UploadId: uploadId, PartNumber: 2, CopySource: "mpu/source", CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}` }))
    await t.client.send(new CompleteMultipartUploadCommand({
      Bucket: "mpu", Key: "copied", UploadId: uploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag! }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! }] },
    }))
    const got = Buffer.from(await (await t.client.send(new GetObjectCommand({ Bucket: "mpu", Key: "copied" }))).Body!.transformToByteArray())
    expect(got.equals(source)).toBe(true)
    expect(await errorName(t.client.send(new UploadPartCopyCommand({ Bucket: "mpu", Key: "c2", UploadId: await create("c2"), PartNumber: 1, CopySource: "mpu/source", CopySourceRange: `bytes=0-${7 * MiB}` })))).toBe("InvalidRange")
  })

  it("refuses bad completions and unknown uploads", async () => {
    const uploadId = await create("bad")
    const small = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "bad", UploadId: uploadId, PartNumber: 1, Body: "tiny" }))
    const last = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "bad", UploadId: uploadId, PartNumber: 2, Body: "end" }))
    const complete = (parts: { PartNumber: number; ETag: string }[]) =>
      t.client.send(new CompleteMultipartUploadCommand({ Bucket: "mpu", Key: "bad", UploadId: uploadId, MultipartUpload: { Parts: parts } }))
    expect(await errorName(complete([{ PartNumber: 1, ETag: small.ETag! }, { PartNumber: 2, ETag: last.ETag! }]))).toBe("EntityTooSmall")
    expect(await errorName(complete([{ PartNumber: 2, ETag: last.ETag! }, { PartNumber: 1, ETag: small.ETag! }]))).toBe("InvalidPartOrder")
    expect(await errorName(complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]))).toBe("InvalidPart")
    expect(await errorName(complete([{ PartNumber: 3, ETag: last.ETag! }]))).toBe("InvalidPart")
    // A single small part is a valid (last) part.
    await complete([{ PartNumber: 2, ETag: last.ETag! }])
    expect(await (await t.client.send(new GetObjectCommand({ Bucket: "mpu", Key: "bad" }))).Body!.transformToString()).toBe("end")
    // Repeating the completion (a retry after a lost answer) succeeds again, as on AWS (ceph
    // s3-tests test_multipart_upload_small); other parts, another key or an aborted upload do not.
    const again = await complete([{ PartNumber: 2, ETag: last.ETag! }])
    expect([again.ETag, again.Key]).toEqual([(await t.client.send(new HeadObjectCommand({ Bucket: "mpu", Key: "bad" }))).ETag, "bad"])
    expect(await errorName(complete([{ PartNumber: 1, ETag: small.ETag! }]))).toBe("NoSuchUpload")
    expect(await errorName(t.client.send(new CompleteMultipartUploadCommand({ Bucket: "mpu", Key: "other", UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: last.ETag! }] } })))).toBe("NoSuchUpload")
    const aborted = await create("aborted")
    const abortedPart = await t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "aborted", UploadId: aborted, PartNumber: 1, Body: "x" }))
    await t.client.send(new AbortMultipartUploadCommand({ Bucket: "mpu", Key: "aborted", UploadId: aborted }))
    expect(await errorName(t.client.send(new CompleteMultipartUploadCommand({ Bucket: "mpu", Key: "aborted", UploadId: aborted, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: abortedPart.ETag! }] } })))).toBe("NoSuchUpload")
    expect(await errorName(t.client.send(new UploadPartCommand({ Bucket: "mpu", Key: "aborted", UploadId: aborted, PartNumber: 1, Body: "x" })))).toBe("NoSuchUpload")
    expect(await errorName(t.client.send(new ListPartsCommand({ Bucket: "mpu", Key: "aborted", UploadId: "nonsense" })))).toBe("NoSuchUpload")
  })
})
