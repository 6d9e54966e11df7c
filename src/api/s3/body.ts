// Request bodies as verified byte streams: plain bodies checked against a signed SHA256,
// and aws-chunked bodies (signed chunks, unsigned chunks with trailing checksums). Errors
// surface as S3Errors thrown by the iterator, so a write never commits an unverified body.
import { BufferedSource } from "./buffered-source.ts"
import { createHash } from "node:crypto"
import { s3Error } from "./errors.ts"
import type { PayloadMode } from "./sigv4.ts"
import { EMPTY_SHA256, sha256Hex, sign } from "./sigv4-canonical.ts"

export interface RequestBody {
  /** The decoded payload; iterate once. Throws an S3Error when verification fails. */
  readonly chunks: AsyncIterable<Buffer>
  /** Trailing headers of aws-chunked bodies (lower-case names), filled once chunks end. */
  readonly trailers: Map<string, string>
  /** The payload is covered by the signature (a signed SHA256 or signed chunks). */
  readonly signed: boolean
}

const MAX_LINE = 4096

class ByteReader extends BufferedSource {
  async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf("\r\n")
      if (i >= 0) {
        const line = this.buf.subarray(0, i).toString("latin1")
        this.buf = this.buf.subarray(i + 2)
        return line
      }
      if (this.buf.length > MAX_LINE) throw s3Error("IncompleteBody", "An aws-chunked chunk header is too long.")
      if (!(await this.fill())) throw s3Error("IncompleteBody", "The request body ended inside an aws-chunked header.")
    }
  }
  async *exact(n: number): AsyncGenerator<Buffer> {
    let left = n
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill()))
        throw s3Error("IncompleteBody", "The request body ended inside an aws-chunked chunk.")
      const take = Math.min(left, this.buf.length)
      const out = this.buf.subarray(0, take)
      this.buf = this.buf.subarray(take)
      left -= take
      yield out
    }
  }
  async atEnd(): Promise<boolean> {
    while (this.buf.length === 0) if (!(await this.fill())) return true
    return false
  }
}

const CHUNK_RE = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/

async function* decodeAwsChunked(
  source: AsyncIterable<Buffer>,
  mode: Extract<PayloadMode, { kind: "streaming-signed" | "streaming-unsigned-trailer" }>,
  trailers: Map<string, string>,
  decodedLength: number | undefined,
): AsyncGenerator<Buffer> {
  const reader = new ByteReader(source)
  const signed = mode.kind === "streaming-signed"
  let previous = signed ? mode.seedSignature : ""
  let total = 0
  for (;;) {
    const header = await reader.line()
    const m = CHUNK_RE.exec(header)
    if (m === null) throw s3Error("IncompleteBody", "Malformed aws-chunked chunk header.")
    const size = parseInt(m[1]!, 16)
    const signature = m[2]
    if (signed && signature === undefined) throw s3Error("SignatureDoesNotMatch", "A chunk of a signed aws-chunked body has no chunk-signature.")
    const hash = signed ? createHash("sha256") : undefined
    for await (const piece of reader.exact(size)) {
      hash?.update(piece)
      total += piece.length
      if (decodedLength !== undefined && total > decodedLength)
        throw s3Error("IncompleteBody", "The body is longer than x-amz-decoded-content-length.")
      yield piece
    }
    if (signed && signature !== undefined) {
      const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", mode.amzDate, mode.scope, previous, EMPTY_SHA256, hash!.digest("hex")].join("\n")
      if (sign(mode.key, toSign) !== signature)
        throw s3Error("SignatureDoesNotMatch", "The chunk signature we calculated does not match the signature you provided.")
      previous = signature
    }
    if (size === 0) break
    if ((await reader.line()) !== "") throw s3Error("IncompleteBody", "An aws-chunked chunk is not followed by CRLF.")
  }
  const hasTrailer = mode.kind === "streaming-unsigned-trailer" || mode.trailer
  if (hasTrailer) {
    const lines: string[] = []
    let trailerSignature: string | undefined
    for (;;) {
      if (await reader.atEnd()) break
      const line = await reader.line()
      // Some clients end the zero-size chunk with an empty line before the trailers.
      if (line === "" && lines.length === 0 && trailerSignature === undefined && !(await reader.atEnd())) continue
      if (line === "") break
      const colon = line.indexOf(":")
      if (colon <= 0) throw s3Error("IncompleteBody", "Malformed trailing header.")
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === "x-amz-trailer-signature") trailerSignature = value
      else {
        trailers.set(name, value)
        lines.push(`${name}:${value}\n`)
      }
      if (trailers.size > 16) throw s3Error("IncompleteBody", "Too many trailing headers.")
    }
    if (signed) {
      const toSign = ["AWS4-HMAC-SHA256-TRAILER", mode.amzDate, mode.scope, previous, sha256Hex(lines.join(""))].join("\n")
      if (trailerSignature === undefined || sign(mode.key, toSign) !== trailerSignature)
        throw s3Error("SignatureDoesNotMatch", "The trailer signature we calculated does not match the signature you provided.")
    }
  } else if ((await reader.line()) !== "") throw s3Error("IncompleteBody", "The final aws-chunked chunk is not followed by CRLF.")
  if (decodedLength !== undefined && total !== decodedLength)
    throw s3Error("IncompleteBody", "The body is shorter than x-amz-decoded-content-length.")
}

async function* verifySha256(source: AsyncIterable<Buffer>, expected: string): AsyncGenerator<Buffer> {
  const hash = createHash("sha256")
  for await (const chunk of source) {
    hash.update(chunk)
    yield chunk
  }
  if (hash.digest("hex") !== expected)
    throw s3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
}

export const requestBody = (
  source: AsyncIterable<Buffer>,
  mode: PayloadMode,
  headers: ReadonlyMap<string, string>,
): RequestBody => {
  const trailers = new Map<string, string>()
  switch (mode.kind) {
    case "unsigned":
      return { chunks: source, trailers, signed: false }
    case "sha256":
      return { chunks: verifySha256(source, mode.hash), trailers, signed: true }
    default: {
      const raw = headers.get("x-amz-decoded-content-length")
      const decoded = raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined
      return { chunks: decodeAwsChunked(source, mode, trailers, decoded), trailers, signed: mode.kind === "streaming-signed" }
    }
  }
}

/** Reads a small body (XML configuration) entirely, refusing more than `limit` bytes. */
export const readAll = async (body: RequestBody, limit: number): Promise<Buffer> => {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of body.chunks) {
    size += chunk.length
    if (size > limit) throw s3Error("EntityTooLarge", `The request body is larger than ${limit} bytes.`)
    parts.push(chunk)
  }
  return Buffer.concat(parts)
}
