// SigV4 verification for S3 requests: the Authorization header form and presigned URLs.
// Returns who signed the request and how its body must be checked (see body.ts).
import { timingSafeEqual } from "node:crypto"
import { s3Error } from "./errors.ts"
import {
  canonicalQuery,
  canonicalRequest,
  sign,
  signingKey,
  stringToSign,
  uriEncode,
} from "./sigv4-canonical.ts"

export const MAX_SKEW_MS = 15 * 60 * 1000
export const MAX_PRESIGNED_EXPIRES = 604_800

export type PayloadMode =
  | { readonly kind: "unsigned" }
  | { readonly kind: "sha256"; readonly hash: string }
  | {
      readonly kind: "streaming-signed"
      readonly trailer: boolean
      readonly seedSignature: string
      readonly key: Buffer
      readonly amzDate: string
      readonly scope: string
    }
  | { readonly kind: "streaming-unsigned-trailer" }

export interface Authenticated {
  readonly accessKeyId: string
  readonly payload: PayloadMode
}

export interface SignedRequest {
  readonly method: string
  /** The decoded request path, e.g. `/bucket/a b`. */
  readonly path: string
  /** Decoded query parameters in order. */
  readonly query: ReadonlyArray<readonly [string, string]>
  /** Lower-case header name to value (repeats joined by ','). */
  readonly headers: ReadonlyMap<string, string>
}

export interface SigV4Options {
  readonly region: string
  readonly now: number
  readonly secretOf: (accessKeyId: string) => string | undefined
}

const CRED_RE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/([^/]+)$/
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

const parseAmzDate = (value: string): number | undefined => {
  const m = AMZ_DATE_RE.exec(value)
  if (m === null) return undefined
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  return Number.isFinite(t) ? t : undefined
}

// "GMT", or the RFC 5322 UTC zones botocore writes (Python's formatdate gives "-0000").
const HTTP_DATE_RE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]0000)$/

/**
 * The time of a header-signed request: `x-amz-date`, else the `Date` header (RFC 7231
 * IMF-fixdate, or RFC 5322 with a UTC offset), which SigV4 allows and botocore signs with
 * whenever a request carries a Date. The string to sign then holds it in ISO 8601 basic form.
 */
const requestTime = (headers: ReadonlyMap<string, string>): { amzDate: string; time: number } | undefined => {
  const amzDate = headers.get("x-amz-date")
  if (amzDate !== undefined) {
    const time = parseAmzDate(amzDate)
    return time === undefined ? undefined : { amzDate, time }
  }
  const date = headers.get("date")
  if (date === undefined || !HTTP_DATE_RE.test(date.trim())) return undefined
  const time = Date.parse(date)
  if (Number.isNaN(time)) return undefined
  return { amzDate: new Date(time).toISOString().replace(/[-:]|\.\d{3}/g, ""), time }
}

const equalHex = (a: string, b: string): boolean => {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

interface Credential {
  readonly accessKeyId: string
  readonly date: string
  readonly region: string
  readonly scope: string
}

const parseCredential = (value: string, opts: SigV4Options, malformed: string): Credential => {
  const m = CRED_RE.exec(value)
  if (m === null) throw s3Error(malformed, "The credential is malformed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
  const [, accessKeyId, date, region, service, terminal] = m
  if (region !== opts.region)
    throw s3Error(malformed, `The authorization header is malformed; the region '${region}' is wrong; expecting '${opts.region}'`, {
      Region: opts.region,
    })
  if (service !== "s3") throw s3Error(malformed, `The authorization header is malformed; incorrect service '${service}'. This endpoint belongs to 's3'.`)
  if (terminal !== "aws4_request") throw s3Error(malformed, "The authorization header is malformed; incorrect terminal. This endpoint uses 'aws4_request'.")
  return { accessKeyId: accessKeyId!, date: date!, region: region!, scope: `${date}/${region}/s3/aws4_request` }
}

/** Splits `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export const parseAuthorizationHeader = (
  value: string,
): { credential: string; signedHeaders: string[]; signature: string } => {
  const malformed = () => s3Error("AuthorizationHeaderMalformed", "The authorization header is malformed.")
  const space = value.indexOf(" ")
  if (space < 0) throw malformed()
  const algorithm = value.slice(0, space)
  if (algorithm !== "AWS4-HMAC-SHA256") {
    if (algorithm === "AWS") throw s3Error("InvalidRequest", "Signature Version 2 is not supported; use AWS4-HMAC-SHA256.")
    throw s3Error("AuthorizationHeaderMalformed", `Unsupported authorization algorithm '${algorithm.slice(0, 40)}'.`)
  }
  const fields = new Map<string, string>()
  for (const part of value.slice(space + 1).split(",")) {
    const p = part.trim()
    const eq = p.indexOf("=")
    if (eq <= 0) throw malformed()
    fields.set(p.slice(0, eq), p.slice(eq + 1))
  }
  const credential = fields.get("Credential")
  const signedHeaders = fields.get("SignedHeaders")
  const signature = fields.get("Signature")
  if (credential === undefined || signedHeaders === undefined || signature === undefined) throw malformed()
  if (!/^[0-9a-f]{64}$/.test(signature)) throw malformed()
  return { credential, signedHeaders: signedHeaders.split(";"), signature }
}

const checkSignedHeaders = (signed: readonly string[], headers: ReadonlyMap<string, string>, errorCode: string): void => {
  if (!signed.includes("host")) throw s3Error(errorCode, "The host header must be signed.")
  const sorted = [...signed].sort()
  if (signed.some((h, i) => h !== sorted[i] || h === "" || h !== h.toLowerCase()))
    throw s3Error(errorCode, "SignedHeaders must be lower-case and sorted.")
  for (const h of signed)
    if (!headers.has(h)) throw s3Error(errorCode, `The signed header '${h.slice(0, 64)}' is missing from the request.`)
}

const keyOrThrow = (opts: SigV4Options, accessKeyId: string): string => {
  const secret = opts.secretOf(accessKeyId)
  if (secret === undefined)
    throw s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
      AWSAccessKeyId: accessKeyId.slice(0, 128),
    })
  return secret
}

const payloadMode = (
  value: string | undefined,
  seed: { signature: string; key: Buffer; amzDate: string; scope: string },
): PayloadMode => {
  if (value === undefined)
    throw s3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
  switch (value) {
    case "UNSIGNED-PAYLOAD":
      return { kind: "unsigned" }
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
      return {
        kind: "streaming-signed",
        trailer: value.endsWith("TRAILER"),
        seedSignature: seed.signature,
        key: seed.key,
        amzDate: seed.amzDate,
        scope: seed.scope,
      }
    case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
      return { kind: "streaming-unsigned-trailer" }
    default:
      if (/^[0-9a-f]{64}$/.test(value)) return { kind: "sha256", hash: value }
      throw s3Error("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA256 hex digest.")
  }
}

const verifyHeaderAuth = (req: SignedRequest, authorization: string, opts: SigV4Options): Authenticated => {
  const parsed = parseAuthorizationHeader(authorization)
  const cred = parseCredential(parsed.credential, opts, "AuthorizationHeaderMalformed")
  checkSignedHeaders(parsed.signedHeaders, req.headers, "AuthorizationHeaderMalformed")
  const when = requestTime(req.headers)
  if (when === undefined) throw s3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
  const { amzDate, time } = when
  if (amzDate.slice(0, 8) !== cred.date)
    throw s3Error("AuthorizationHeaderMalformed", `Invalid credential date "${cred.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`)
  if (Math.abs(opts.now - time) > MAX_SKEW_MS)
    throw s3Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
      RequestTime: amzDate,
      ServerTime: new Date(opts.now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    })
  const secret = keyOrThrow(opts, cred.accessKeyId)
  const contentSha = req.headers.get("x-amz-content-sha256")
  if (contentSha === undefined)
    throw s3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
  const canonical = canonicalRequest(
    req.method,
    uriEncode(req.path, true),
    canonicalQuery(req.query),
    req.headers,
    parsed.signedHeaders,
    contentSha,
  )
  const key = signingKey(secret, cred.date, cred.region, "s3")
  const toSign = stringToSign(amzDate, cred.scope, canonical)
  if (!equalHex(sign(key, toSign), parsed.signature))
    throw s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
      AWSAccessKeyId: cred.accessKeyId,
      StringToSign: toSign,
      CanonicalRequest: canonical,
    })
  return {
    accessKeyId: cred.accessKeyId,
    payload: payloadMode(contentSha, { signature: parsed.signature, key, amzDate, scope: cred.scope }),
  }
}

const verifyPresigned = (req: SignedRequest, opts: SigV4Options): Authenticated => {
  const q = new Map(req.query)
  const E = "AuthorizationQueryParametersError"
  const algorithm = q.get("X-Amz-Algorithm")
  if (algorithm !== "AWS4-HMAC-SHA256") throw s3Error(E, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
  const credential = q.get("X-Amz-Credential")
  const amzDate = q.get("X-Amz-Date")
  const expires = q.get("X-Amz-Expires")
  const signedHeaders = q.get("X-Amz-SignedHeaders")
  const signature = q.get("X-Amz-Signature")
  if (credential === undefined || amzDate === undefined || expires === undefined || signedHeaders === undefined || signature === undefined)
    throw s3Error(E, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
  const cred = parseCredential(credential, opts, E)
  const time = parseAmzDate(amzDate)
  if (time === undefined) throw s3Error(E, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
  if (amzDate.slice(0, 8) !== cred.date) throw s3Error(E, "The credential date does not match X-Amz-Date.")
  if (/^-\d+$/.test(expires)) throw s3Error(E, "X-Amz-Expires must be non-negative")
  if (!/^\d{1,7}$/.test(expires)) throw s3Error(E, "X-Amz-Expires should be a number")
  const seconds = Number(expires)
  if (seconds > MAX_PRESIGNED_EXPIRES) throw s3Error(E, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
  if (time - opts.now > MAX_SKEW_MS) throw s3Error("AccessDenied", "Request is not valid yet")
  if (opts.now > time + seconds * 1000) throw s3Error("AccessDenied", "Request has expired", { Expires: new Date(time + seconds * 1000).toISOString() })
  const signed = signedHeaders.split(";")
  checkSignedHeaders(signed, req.headers, E)
  // Whoever holds a presigned URL is not its signer: an x-amz-* header it adds (a copy
  // source, metadata overriding the signed query's) must be refused, as S3 refuses it.
  const unsigned = [...req.headers.keys()].filter((h) => h.startsWith("x-amz-") && !signed.includes(h))
  if (unsigned.length > 0)
    throw s3Error("AccessDenied", "There were headers present in the request which were not signed", { HeadersNotSigned: unsigned.join(", ").slice(0, 256) })
  const secret = keyOrThrow(opts, cred.accessKeyId)
  const contentSha = req.headers.get("x-amz-content-sha256") ?? q.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD"
  const canonical = canonicalRequest(
    req.method,
    uriEncode(req.path, true),
    canonicalQuery(req.query.filter(([k]) => k !== "X-Amz-Signature")),
    req.headers,
    signed,
    contentSha,
  )
  const key = signingKey(secret, cred.date, cred.region, "s3")
  const toSign = stringToSign(amzDate, cred.scope, canonical)
  if (!equalHex(sign(key, toSign), signature))
    throw s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
      AWSAccessKeyId: cred.accessKeyId,
      StringToSign: toSign,
      CanonicalRequest: canonical,
    })
  const payload: PayloadMode =
    contentSha === "UNSIGNED-PAYLOAD" || contentSha.startsWith("STREAMING-")
      ? { kind: "unsigned" }
      : /^[0-9a-f]{64}$/.test(contentSha)
        ? { kind: "sha256", hash: contentSha }
        : { kind: "unsigned" }
  return { accessKeyId: cred.accessKeyId, payload }
}

/** Verifies the request's signature; throws the precise S3 error; `undefined` = anonymous. */
export const authenticate = (req: SignedRequest, opts: SigV4Options): Authenticated | undefined => {
  const authorization = req.headers.get("authorization")
  if (authorization !== undefined) return verifyHeaderAuth(req, authorization, opts)
  if (req.query.some(([k]) => k === "X-Amz-Signature" || k === "X-Amz-Credential" || k === "X-Amz-Algorithm"))
    return verifyPresigned(req, opts)
  if (req.query.some(([k]) => k === "AWSAccessKeyId") && req.query.some(([k]) => k === "Signature"))
    throw s3Error("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256 (Signature Version 2 presigned URLs are not supported).")
  return undefined
}

// Query parameters of a presigned URL that are its authentication, not request headers.
const PRESIGN_PARAMS = new Set([
  "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders", "x-amz-signature",
  "x-amz-security-token", "x-amz-content-sha256",
])

/**
 * The headers of a presigned request with the `x-amz-*` headers its URL carries as query
 * parameters (the JS SDK v3 presigner moves `x-amz-meta-*`, `x-amz-tagging`, `x-amz-acl`,
 * checksums... into the query string, and S3 applies them as headers). The query string is
 * covered by the signature; a request header of the same name must have been signed
 * (verifyPresigned) and must agree. Values are decoded from the URL as UTF-8 and kept as
 * their bytes in a latin1 string, as Node gives header values, so metadata reads back the
 * same however it was written; control characters are refused.
 */
export const withPresignedHeaders = (headers: ReadonlyMap<string, string>, query: ReadonlyArray<readonly [string, string]>): ReadonlyMap<string, string> => {
  let out: Map<string, string> | undefined
  for (const [k, decoded] of query) {
    const name = k.toLowerCase()
    if (!name.startsWith("x-amz-") || PRESIGN_PARAMS.has(name) || out?.has(name) === true) continue
    const v = Buffer.from(decoded, "utf8").toString("latin1")
    if (/[^\t\x20-\x7e\x80-\xff]/.test(v)) throw s3Error("InvalidArgument", `The query parameter ${name.slice(0, 64)} has a character a header cannot carry.`)
    const sent = headers.get(name)
    if (sent !== undefined) {
      if (sent !== v) throw s3Error("InvalidArgument", `The header ${name.slice(0, 64)} and the query parameter of the same name differ.`)
      continue
    }
    out ??= new Map(headers)
    out.set(name, v)
  }
  return out ?? headers
}

/**
 * The access key id a request claims, before anything is verified (so that a node can fetch
 * a key it holds no copy of); undefined when there is none to read.
 */
export const claimedAccessKeyId = (headers: { get(name: string): string | undefined }, query: ReadonlyArray<readonly [string, string]>): string | undefined => {
  const credential = /Credential=([^/,\s]{1,128})\//.exec(headers.get("authorization") ?? "")?.[1] ?? query.find(([k]) => k === "X-Amz-Credential")?.[1]?.split("/")[0]
  return credential === undefined || credential.length === 0 || credential.length > 128 ? undefined : credential
}
