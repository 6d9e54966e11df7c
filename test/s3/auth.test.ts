// Authentication: presigned URLs, streaming signed uploads, payload hashes, and the precise
// errors for wrong secrets, unknown keys, clock skew, other regions and anonymous requests.
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3"
import { getSignedUrl } from "@aws-sdk/s3-request-presigner"
import { createHash, randomBytes } from "node:crypto"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, seedOf, send, signedRequest, streamingSignedBody } from "./signing.ts"

let t: TestNode
let clockOffset = 0
beforeAll(async () => {
  t = await startTestNode({ now: () => Date.now() + clockOffset })
  await t.client.send(new CreateBucketCommand({ Bucket: "auth" }))
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

const getText = async (key: string) =>
  (await t.client.send(new GetObjectCommand({ Bucket: "auth", Key: key }))).Body!.transformToString()

describe("presigned URLs", () => {
  it("GET and PUT through presigned URLs", async () => {
    const putUrl = await getSignedUrl(t.presigner, new PutObjectCommand({ Bucket: "auth", Key: "pre/signed.txt" }), { expiresIn: 300 })
    const put = await fetch(putUrl, { method: "PUT", body: "via presigned put" })
    expect(put.status).toBe(200)
    const getUrl = await getSignedUrl(t.client, new GetObjectCommand({ Bucket: "auth", Key: "pre/signed.txt" }), { expiresIn: 300 })
    const got = await fetch(getUrl)
    expect(got.status).toBe(200)
    expect(await got.text()).toBe("via presigned put")
  })

  it("refuses tampered, expired and over-long presigned URLs", async () => {
    const url = await getSignedUrl(t.client, new GetObjectCommand({ Bucket: "auth", Key: "pre/signed.txt" }), { expiresIn: 60 })
    const tampered = await fetch(url.replace("pre/signed.txt", "pre/other.txt"))
    expect(tampered.status).toBe(403)
    expect(codeOf({ status: 0, headers: {}, body: await tampered.text() })).toBe("SignatureDoesNotMatch")
    const v2 = await fetch(`${t.node.s3Url}/auth/pre/signed.txt?AWSAccessKeyId=${t.key.id}&Signature=abc&Expires=9999999999`)
    expect(codeOf({ status: 0, headers: {}, body: await v2.text() })).toBe("InvalidRequest")
    const tooLong = await fetch(url.replace(/X-Amz-Expires=\d+/, "X-Amz-Expires=604801"))
    expect(codeOf({ status: 0, headers: {}, body: await tooLong.text() })).toBe("AuthorizationQueryParametersError")
    const negative = await fetch(url.replace(/X-Amz-Expires=\d+/, "X-Amz-Expires=-1"))
    expect(negative.status).toBe(400)
    expect(await negative.text()).toContain("X-Amz-Expires must be non-negative")
    clockOffset = 120_000
    try {
      const expired = await fetch(url)
      expect(expired.status).toBe(403)
      expect(await expired.text()).toContain("Request has expired")
    } finally {
      clockOffset = 0
    }
  })
})

describe("payloads", () => {
  it("accepts a streaming signed (aws-chunked) upload and verifies every chunk signature", async () => {
    const chunks = [randomBytes(65536), randomBytes(65536), randomBytes(1000)]
    const total = chunks.reduce((a, c) => a + c.length, 0)
    const date = new Date()
    const amzDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
    const make = async (key: string, tamper: boolean) => {
      const req = await signedRequest(t.node.s3Url, "PUT", `/auth/${key}`, {
        accessKeyId: t.key.id,
        secret: t.key.secret,
        date,
        payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(total) },
      })
      const body = streamingSignedBody(chunks, seedOf(req.headers["authorization"]!), { secret: t.key.secret, amzDate })
      if (tamper) body[body.length - 200] = body[body.length - 200]! ^ 1
      return send(req.url, "PUT", { ...req.headers, "content-length": String(body.length) }, body)
    }
    const ok = await make("streamed", false)
    expect(ok.status).toBe(200)
    const got = Buffer.from(await (await t.client.send(new GetObjectCommand({ Bucket: "auth", Key: "streamed" }))).Body!.transformToByteArray())
    expect(got.equals(Buffer.concat(chunks))).toBe(true)
    const bad = await make("tampered", true)
    expect(codeOf(bad)).toBe("SignatureDoesNotMatch")
    expect(await errorName(getText("tampered"))).toBe("NoSuchKey")
  })

  it("accepts a streaming signed upload with a signed CRC32 trailer, and refuses a wrong trailer", async () => {
    const { crc32 } = await import("../../src/api/s3/checksums.ts")
    const data = randomBytes(70_000)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(data))
    const date = new Date()
    const amzDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
    const put = async (key: string, value: string) => {
      const req = await signedRequest(t.node.s3Url, "PUT", `/auth/${key}`, {
        accessKeyId: t.key.id, secret: t.key.secret, date,
        payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(data.length), "x-amz-trailer": "x-amz-checksum-crc32" },
      })
      const body = streamingSignedBody([data.subarray(0, 65536), data.subarray(65536)], seedOf(req.headers["authorization"]!), {
        secret: t.key.secret, amzDate, trailer: ["x-amz-checksum-crc32", value],
      })
      return send(req.url, "PUT", { ...req.headers, "content-length": String(body.length) }, body)
    }
    const ok = await put("trailer-ok", crc.toString("base64"))
    expect(ok.status).toBe(200)
    expect(ok.headers["x-amz-checksum-crc32"]).toBe(crc.toString("base64"))
    const bad = await put("trailer-bad", "AAAAAA==")
    expect(codeOf(bad)).toBe("BadDigest")
    expect(await errorName(getText("trailer-bad"))).toBe("NoSuchKey")
  })

  it("accepts the SDK's default upload (unsigned payload with CRC32 trailer) for a stream of unknown length", async () => {
    const { Readable } = await import("node:stream")
    const body = Readable.from([Buffer.from("streamed "), Buffer.from("body")])
    const client = t.clientFor(t.key.id, t.key.secret)
    const seen: string[] = []
    client.middlewareStack.add(
      (next) => async (args) => {
        const h = (args.request as { headers: Record<string, string> }).headers
        seen.push(`${h["x-amz-content-sha256"]} ${h["x-amz-trailer"]}`)
        return next(args)
      },
      { step: "finalizeRequest", priority: "low" },
    )
    await client.send(new PutObjectCommand({ Bucket: "auth", Key: "sdk-stream", Body: body, ContentLength: 13 }))
    expect(seen).toEqual(["STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32"])
    expect(await getText("sdk-stream")).toBe("streamed body")
  })

  it("checks a signed payload hash against the body", async () => {
    const body = "actual body"
    const req = await signedRequest(t.node.s3Url, "PUT", "/auth/hashed", {
      accessKeyId: t.key.id, secret: t.key.secret, payloadHash: createHash("sha256").update("another body").digest("hex"),
    })
    const r = await send(req.url, "PUT", req.headers, body)
    expect(r.status).toBe(400)
    expect(codeOf(r)).toBe("XAmzContentSHA256Mismatch")
    expect(await errorName(getText("hashed"))).toBe("NoSuchKey")
    const good = await signedRequest(t.node.s3Url, "PUT", "/auth/hashed", {
      accessKeyId: t.key.id, secret: t.key.secret, payloadHash: createHash("sha256").update(body).digest("hex"),
    })
    expect((await send(good.url, "PUT", good.headers, body)).status).toBe(200)
    expect(await getText("hashed")).toBe(body)
  })
  it("verifies a signature over UTF-8 header values (as botocore sends x-amz-meta-*) and keeps their bytes", async () => {
    // "à" is C3 A0: Node reads header bytes as latin1, where A0 is a no-break space
    const value = "voilà café"
    const req = await signedRequest(t.node.s3Url, "PUT", "/auth/utf8-meta", {
      accessKeyId: t.key.id, secret: t.key.secret, payloadHash: createHash("sha256").update("x").digest("hex"),
      headers: { "x-amz-meta-note": value },
    })
    // a raw request: node's http client would not put the UTF-8 bytes on the wire as they are
    const { connect } = await import("node:net")
    const url = new URL(req.url)
    const head = Object.entries({ ...req.headers, "content-length": "1", connection: "close" })
      .map(([k, v]) => `${k}: ${v}\r\n`).join("")
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(url.port), url.hostname, () =>
        sock.write(Buffer.concat([Buffer.from(`PUT ${url.pathname} HTTP/1.1\r\n${head}\r\n`, "utf8"), Buffer.from("x")])))
      const parts: Buffer[] = []
      sock.on("data", (c: Buffer) => parts.push(c))
      sock.on("end", () => resolve(Buffer.concat(parts).toString("utf8")))
      sock.on("error", reject)
    })
    expect(answer.split("\r\n")[0], answer).toBe("HTTP/1.1 200 OK")
    const got = await t.client.send(new GetObjectCommand({ Bucket: "auth", Key: "utf8-meta" }))
    expect(Buffer.from(got.Metadata?.["note"] ?? "", "latin1").toString("utf8")).toBe(value)
  })
})

describe("broken connections", () => {
  it("an upload cut off mid-body stores nothing and the node keeps serving", async () => {
    const { connect } = await import("node:net")
    const req = await signedRequest(t.node.s3Url, "PUT", "/auth/cut", { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: "UNSIGNED-PAYLOAD" })
    const url = new URL(req.url)
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        const head = Object.entries({ ...req.headers, "content-length": "2000000" }).map(([k, v]) => `${k}: ${v}`).join("\r\n")
        socket.write(`PUT ${url.pathname} HTTP/1.1\r\n${head}\r\n\r\n`)
        socket.write(Buffer.alloc(1_500_000, 1), () => {
          socket.destroy()
          setTimeout(resolve, 200)
        })
      })
      socket.on("error", () => resolve())
    })
    expect(await errorName(getText("cut"))).toBe("NoSuchKey")
  })
})

describe("errors", () => {
  it("wrong secret → SignatureDoesNotMatch; unknown key → InvalidAccessKeyId", async () => {
    expect(await errorName(t.clientFor(t.key.id, "0".repeat(64)).send(new ListBucketsCommand({})))).toBe("SignatureDoesNotMatch")
    expect(await errorName(t.clientFor("GK000000000000000000000000", "0".repeat(64)).send(new ListBucketsCommand({})))).toBe("InvalidAccessKeyId")
  })

  it("skew over 15 minutes → RequestTimeTooSkewed", async () => {
    clockOffset = 16 * 60_000
    try {
      expect(await errorName(t.client.send(new ListBucketsCommand({})))).toBe("RequestTimeTooSkewed")
    } finally {
      clockOffset = 0
    }
    clockOffset = 14 * 60_000
    try {
      expect((await t.client.send(new ListBucketsCommand({}))).Buckets!.length).toBeGreaterThan(0)
    } finally {
      clockOffset = 0
    }
  })

  it("a request signed for another region → AuthorizationHeaderMalformed naming the expected region", async () => {
    const req = await signedRequest(t.node.s3Url, "GET", "/", { accessKeyId: t.key.id, secret: t.key.secret, region: "eu-west-3", payloadHash: createHash("sha256").update("").digest("hex") })
    const r = await send(req.url, "GET", req.headers)
    expect(r.status).toBe(400)
    expect(codeOf(r)).toBe("AuthorizationHeaderMalformed")
    expect(r.body).toContain("<Region>us-east-1</Region>")
  })

  it("Expect: 100-continue: a request refused on its headers gets its error, not 100; an accepted one gets 100 before its body", async () => {
    // Sends the head only and returns the first response the server writes without the body.
    const firstAnswer = (head: string, body?: Buffer): Promise<string> =>
      new Promise((resolve, reject) => {
        const url = new URL(t.node.s3Url)
        const socket = connect(Number(url.port), url.hostname, () => socket.write(head))
        let got = ""
        socket.on("data", (d: Buffer) => {
          got += d.toString("latin1")
          if (got.startsWith("HTTP/1.1 100") && body !== undefined && got.endsWith("\r\n\r\n")) {
            socket.write(body)
            body = undefined
          } else if (!got.startsWith("HTTP/1.1 100") || got.includes("\r\n\r\nHTTP/1.1 ")) {
            socket.destroy()
            resolve(got)
          }
        })
        socket.on("error", reject)
        socket.setTimeout(5000, () => {
          socket.destroy()
          resolve(got)
        })
      })
    // ceph s3-tests test_100_continue: an unsigned PUT answers 403 without asking for the body.
    const anonymous = await firstAnswer(`PUT /auth/continue.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 123\r\nExpect: 100-continue\r\n\r\n`)
    expect(anonymous).toMatch(/^HTTP\/1.1 403 /)
    expect(anonymous).toContain("<Code>AccessDenied</Code>")
    const body = Buffer.from("continued")
    const hash = createHash("sha256").update(body).digest("hex")
    for (const [path, status] of [["/auth/continue.txt", 200], ["/no-such-bucket-continue/x", 404]] as const) {
      const req = await signedRequest(t.node.s3Url, "PUT", path, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash: hash, headers: { "content-length": String(body.length), expect: "100-continue" } })
      const head = `PUT ${path} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`
      const answer = await firstAnswer(head, body)
      if (status === 200) expect(answer).toMatch(/^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 /)
      else expect(answer).toMatch(/^HTTP\/1.1 404 /)
    }
    expect(await getText("continue.txt")).toBe("continued")
  })

  it("anonymous requests → AccessDenied, with a request id and S3 error XML", async () => {
    const r = await fetch(`${t.node.s3Url}/auth/pre/signed.txt`)
    expect(r.status).toBe(403)
    expect(r.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/)
    const body = await r.text()
    expect(body).toMatch(/<Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><Resource>\/auth\/pre\/signed.txt<\/Resource><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>/)
  })
})
