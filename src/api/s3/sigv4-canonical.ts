// SigV4 canonicalisation (AWS "Create a canonical request"): URI encoding, canonical query
// string, canonical headers, string to sign and the derived signing key.
import { createHash, createHmac } from "node:crypto"

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** RFC 3986 encoding as SigV4 wants it: every byte except unreserved characters, upper-case hex. */
export const uriEncode = (value: string, keepSlash: boolean): string => {
  let out = ""
  for (const ch of value) {
    if (UNRESERVED.test(ch) || (keepSlash && ch === "/")) out += ch
    else for (const byte of Buffer.from(ch, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return out
}

export const canonicalQuery = (params: ReadonlyArray<readonly [string, string]>): string =>
  params
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&")

/**
 * Header values by lower-case name, repeated headers joined with ',' (from rawHeaders).
 * Node gives each header byte as one latin1 character; only ASCII spaces and tabs are
 * trimmed and collapsed (SigV4), since `\s` would also eat the A0 byte of UTF-8 "à".
 */
export const headerValues = (rawHeaders: readonly string[]): Map<string, string> => {
  const out = new Map<string, string>()
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase()
    const value = rawHeaders[i + 1]!.replace(/^[ \t]+|[ \t]+$/g, "").replace(/[ \t]+/g, " ")
    const prev = out.get(name)
    out.set(name, prev === undefined ? value : `${prev},${value}`)
  }
  return out
}

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex")
export const EMPTY_SHA256 = sha256Hex("")

export const canonicalRequest = (
  method: string,
  canonicalUri: string,
  query: string,
  headers: ReadonlyMap<string, string>,
  signedHeaders: readonly string[],
  payloadHash: string,
): string =>
  [
    method,
    canonicalUri,
    query,
    signedHeaders.map((h) => `${h}:${headers.get(h) ?? ""}\n`).join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n")

// The canonical request is ASCII but for header values, which hold the request's bytes as
// latin1 characters (above): hashing it as latin1 hashes the bytes the client signed, e.g.
// UTF-8 x-amz-meta-* values.
export const stringToSign = (amzDate: string, scope: string, canonical: string): string =>
  ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(Buffer.from(canonical, "latin1"))].join("\n")

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest()

const keyCache = new Map<string, Buffer>()

export const signingKey = (secret: string, date: string, region: string, service: string): Buffer => {
  const id = `${secret}\n${date}\n${region}\n${service}`
  const cached = keyCache.get(id)
  if (cached !== undefined) return cached
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request")
  if (keyCache.size > 1000) keyCache.clear()
  keyCache.set(id, key)
  return key
}

export const sign = (key: Buffer, data: string): string => createHmac("sha256", key).update(data).digest("hex")
