// A 64 MiB multipart upload end to end with @aws-sdk/client-s3: eight 8 MiB parts streamed
// from a deterministic generator (the SDK sends them aws-chunked with a CRC32 trailer), read
// back as a stream and compared by SHA-256, plus ranges across part boundaries and partNumber.
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3"
import { createHash } from "node:crypto"
import { Readable } from "node:stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deterministicBytes, deterministicSha256, deterministicStream } from "./deterministic-data.ts"
import { startTestNode, type TestNode } from "./helpers.ts"

const MiB = 1024 * 1024
const PART = 8 * MiB
const PARTS = 8
const SIZE = PART * PARTS
const SEED = "large-multipart-64MiB"

let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "large" }))
})
afterAll(async () => t.stop())

describe("64 MiB multipart upload", () => {
  it("streams 8 × 8 MiB parts and reads back the same SHA-256, ranges and parts", async () => {
    const { UploadId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: "large", Key: "big.bin", ChecksumAlgorithm: "CRC32" }))
    const seenModes = new Set<string>()
    const uploadPart = async (n: number) => {
      const r = await t.client.send(
        new UploadPartCommand({
          Bucket: "large", Key: "big.bin", UploadId, PartNumber: n, ContentLength: PART, ChecksumAlgorithm: "CRC32",
          Body: Readable.from(deterministicStream(SEED, (n - 1) * PART, PART)),
        }),
      )
      return { PartNumber: n, ETag: r.ETag!, ChecksumCRC32: r.ChecksumCRC32! }
    }
    t.client.middlewareStack.add(
      (next) => async (args) => {
        seenModes.add(String((args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"]))
        return next(args)
      },
      { step: "finalizeRequest", priority: "low", name: "recordPayloadMode" },
    )
    const parts = []
    // Two parts at a time: enough to overlap, little memory.
    for (let n = 1; n <= PARTS; n += 2) parts.push(...(await Promise.all([uploadPart(n), uploadPart(n + 1)])))
    t.client.middlewareStack.remove("recordPayloadMode")
    expect(seenModes).toContain("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    for (const p of parts) expect(p.ETag).toBe(`"${createHash("md5").update(deterministicBytes(SEED, (p.PartNumber - 1) * PART, PART)).digest("hex")}"`)

    const done = await t.client.send(new CompleteMultipartUploadCommand({ Bucket: "large", Key: "big.bin", UploadId, MultipartUpload: { Parts: parts } }))
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-8"$/)
    const head = await t.client.send(new HeadObjectCommand({ Bucket: "large", Key: "big.bin", ChecksumMode: "ENABLED" }))
    expect(head.ContentLength).toBe(SIZE)
    expect(head.ETag).toBe(done.ETag)
    expect(head.ChecksumCRC32).toMatch(/-8$/)

    const got = await t.client.send(new GetObjectCommand({ Bucket: "large", Key: "big.bin" }))
    const hash = createHash("sha256")
    let received = 0
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) {
      hash.update(chunk)
      received += chunk.length
    }
    expect(received).toBe(SIZE)
    expect(hash.digest("hex")).toBe(deterministicSha256(SEED, SIZE))

    // A range across the boundary of parts 3 and 4, and the last bytes.
    const start = 3 * PART - 4096
    const across = await t.client.send(new GetObjectCommand({ Bucket: "large", Key: "big.bin", Range: `bytes=${start}-${start + 8191}` }))
    expect(across.ContentRange).toBe(`bytes ${start}-${start + 8191}/${SIZE}`)
    expect(Buffer.from(await across.Body!.transformToByteArray()).equals(deterministicBytes(SEED, start, 8192))).toBe(true)
    const tail = await t.client.send(new GetObjectCommand({ Bucket: "large", Key: "big.bin", Range: "bytes=-16" }))
    expect(Buffer.from(await tail.Body!.transformToByteArray()).equals(deterministicBytes(SEED, SIZE - 16, 16))).toBe(true)
    const part5 = await t.client.send(new GetObjectCommand({ Bucket: "large", Key: "big.bin", PartNumber: 5 }))
    expect(part5.PartsCount).toBe(PARTS)
    expect(part5.ContentRange).toBe(`bytes ${4 * PART}-${5 * PART - 1}/${SIZE}`)
    const h5 = createHash("sha256")
    for await (const chunk of part5.Body as AsyncIterable<Uint8Array>) h5.update(chunk)
    expect(h5.digest("hex")).toBe(createHash("sha256").update(deterministicBytes(SEED, 4 * PART, PART)).digest("hex"))
  })
})
