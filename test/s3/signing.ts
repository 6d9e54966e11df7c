// Hand-made signed requests for cases the SDK does not produce (streaming signed payloads,
// bad signatures, other regions), signed by @smithy/signature-v4, an implementation
// independent of the server's.
import { SignatureV4 } from "@smithy/signature-v4"
import { createHash, createHmac } from "node:crypto"
import { request } from "node:http"

class Sha256 {
  private readonly h
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === "string" ? secret : ArrayBuffer.isView(secret) ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength) : Buffer.from(secret)
    this.h = key === undefined ? createHash("sha256") : createHmac("sha256", key)
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === "string" ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest())
  }
  reset(): void {}
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export const send = (url: string, method: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = []
      res.on("data", (c: Buffer) => parts.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }))
    })
    req.on("error", reject)
    req.end(body)
  })

export const codeOf = (r: RawResponse): string | undefined => /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1]

export interface SignOptions {
  readonly accessKeyId: string
  readonly secret: string
  readonly region?: string
  readonly date?: Date
}

export const signedRequest = async (
  base: string,
  method: string,
  path: string,
  opts: SignOptions & { headers?: Record<string, string>; payloadHash: string; query?: Record<string, string> },
) => {
  const url = new URL(path, base)
  const signer = new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secret },
    region: opts.region ?? "us-east-1",
    service: "s3",
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  })
  const signed = await signer.sign(
    {
      method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: opts.query ?? {},
      headers: { host: url.host, "x-amz-content-sha256": opts.payloadHash, ...(opts.headers ?? {}) },
    },
    { signingDate: opts.date ?? new Date() },
  )
  const qs = new URLSearchParams(opts.query ?? {}).toString()
  return { url: `${base}${url.pathname}${qs === "" ? "" : `?${qs}`}`, headers: signed.headers as Record<string, string> }
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data).digest()
const hex = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex")

/** An aws-chunked body with chunk signatures (AWS "Signature calculations for streaming uploads"). */
export const streamingSignedBody = (
  chunks: readonly Buffer[],
  seedSignature: string,
  opts: { secret: string; amzDate: string; region?: string; trailer?: readonly [string, string] },
): Buffer => {
  const date = opts.amzDate.slice(0, 8)
  const region = opts.region ?? "us-east-1"
  const scope = `${date}/${region}/s3/aws4_request`
  const key = hmac(hmac(hmac(hmac(`AWS4${opts.secret}`, date), region), "s3"), "aws4_request")
  let previous = seedSignature
  const out: Buffer[] = []
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", opts.amzDate, scope, previous, hex(""), hex(chunk)].join("\n")
    const sig = hmac(key, toSign).toString("hex")
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk)
    if (chunk.length > 0 || opts.trailer === undefined) out.push(Buffer.from("\r\n"))
    previous = sig
  }
  if (opts.trailer !== undefined) {
    const [name, value] = opts.trailer
    const toSign = ["AWS4-HMAC-SHA256-TRAILER", opts.amzDate, scope, previous, hex(`${name}:${value}\n`)].join("\n")
    out.push(Buffer.from(`${name}:${value}\r\nx-amz-trailer-signature:${hmac(key, toSign).toString("hex")}\r\n\r\n`))
  }
  return Buffer.concat(out)
}

export const seedOf = (authorization: string): string => /Signature=([0-9a-f]{64})/.exec(authorization)![1]!
