// Object headers clients set on writes (Content-Type, Cache-Control, x-amz-meta-*, checksums,
// Content-MD5, canned ACLs) and how they come back on GET/HEAD.
import type { ObjectHeaders, ObjectMeta } from "../../node/object-store.ts"
import { checksumAlgorithms, digestLength, headerName, parseAlgorithm, type ChecksumAlgorithm } from "./checksums.ts"
import { s3Error } from "./errors.ts"

const STORED = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires", "x-amz-website-redirect-location"]
const MAX_USER_META = 2048

export const CANNED_ACLS = new Set([
  "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
  "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
])

/** Canned ACLs that grant no one but the owner: the only ACLs this store has. */
export const OWNER_ONLY_ACLS = new Set(["private", "bucket-owner-full-control", "bucket-owner-read"])

/**
 * An unknown canned ACL is 400 InvalidArgument. A known one that grants others access is
 * accepted on writes (PutObject, CopyObject, CreateMultipartUpload, CreateBucket, PostObject),
 * as Garage does and issue 7 asks: `aws s3 sync --acl public-read` deploys of websites keep
 * working, and GetObjectAcl then reports the owner's full control only. Put*Acl, whose only
 * effect would be that ACL, refuses it with 501 (`refuseGrantsToOthers`).
 */
export const checkCannedAcl = (headers: ReadonlyMap<string, string>, refuseGrantsToOthers = false): void => {
  const acl = headers.get("x-amz-acl")
  if (acl === undefined) return
  if (!CANNED_ACLS.has(acl)) throw s3Error("InvalidArgument", `Invalid canned ACL '${acl.slice(0, 64)}'.`)
  if (refuseGrantsToOthers && !OWNER_ONLY_ACLS.has(acl))
    throw s3Error("NotImplemented", `Canned ACL '${acl}' would grant access to others; only owner-only ACLs are supported.`)
}

/**
 * Content-Encoding without `aws-chunked`, which names the transfer of this request's body, not
 * the object: AWS stores "gzip, aws-chunked" as "gzip" and a bare "aws-chunked" as nothing.
 */
const storedContentEncoding = (value: string): string | undefined => {
  const kept = value.split(",").map((c) => c.trim()).filter((c) => c !== "" && c.toLowerCase() !== "aws-chunked")
  return kept.length === 0 ? undefined : kept.join(", ")
}

/** A website redirect is a path on the same site or an http(s) URL, as AWS requires (it becomes a Location). */
const checkRedirectLocation = (headers: ReadonlyMap<string, string>): void => {
  const v = headers.get("x-amz-website-redirect-location")
  if (v === undefined) return
  if (!/^(\/|https?:\/\/)/.test(v) || Buffer.byteLength(v) > 2048)
    throw s3Error("InvalidRedirectLocation", "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.")
}

export const objectHeadersFrom = (headers: ReadonlyMap<string, string>): ObjectHeaders => {
  checkCannedAcl(headers)
  checkRedirectLocation(headers)
  const stored: Record<string, string> = {}
  for (const name of STORED) {
    const raw = headers.get(name)
    const v = raw !== undefined && name === "content-encoding" ? storedContentEncoding(raw) : raw
    if (v !== undefined) stored[name] = v
  }
  const userMeta: Record<string, string> = {}
  let size = 0
  for (const [name, value] of headers)
    if (name.startsWith("x-amz-meta-")) {
      const short = name.slice("x-amz-meta-".length)
      userMeta[short] = value
      size += short.length + value.length
    }
  if (size > MAX_USER_META) throw s3Error("MetadataTooLarge", `Your metadata headers exceed the maximum allowed metadata size (${MAX_USER_META} bytes).`)
  return { contentType: headers.get("content-type") ?? "binary/octet-stream", headers: stored, userMeta }
}

export const responseHeadersOf = (meta: ObjectMeta): Record<string, string> => {
  const out: Record<string, string> = {
    "content-type": meta.contentType,
    etag: meta.etag,
    "last-modified": new Date(meta.lastModified).toUTCString(),
    "accept-ranges": "bytes",
    ...meta.headers,
  }
  for (const [k, v] of Object.entries(meta.userMeta)) out[`x-amz-meta-${k}`] = v
  // GetObject and HeadObject name the number of tags, if any.
  if (meta.tags !== undefined && meta.tags.length > 0) out["x-amz-tagging-count"] = String(meta.tags.length)
  return out
}

/** Content-MD5 as raw bytes (base64 of 16 bytes), or InvalidDigest. */
export const contentMd5 = (headers: ReadonlyMap<string, string>): Buffer | undefined => {
  const v = headers.get("content-md5")
  if (v === undefined) return undefined
  const raw = Buffer.from(v, "base64")
  if (raw.length !== 16 || raw.toString("base64") !== v) throw s3Error("InvalidDigest", "The Content-MD5 you specified was invalid.")
  return raw
}

export interface ChecksumRequest {
  readonly algorithm: ChecksumAlgorithm
  /** The value given in a header; undefined when it comes in a trailer (or only the algorithm was named). */
  readonly expected: string | undefined
  readonly inTrailer: boolean
}

/** Which checksum the client asks us to verify: a header, a declared trailer, or an algorithm only. */
const CHECKSUM_CONTROL = new Set(["x-amz-checksum-mode", "x-amz-checksum-type", "x-amz-checksum-algorithm"])

export const checksumRequest = (headers: ReadonlyMap<string, string>): ChecksumRequest | undefined => {
  for (const name of headers.keys())
    if (name.startsWith("x-amz-checksum-") && !CHECKSUM_CONTROL.has(name) && parseAlgorithm(name.slice("x-amz-checksum-".length)) === undefined)
      throw s3Error("InvalidRequest", `${name.slice(0, 64)} is not supported; use CRC32, CRC32C, SHA1 or SHA256.`)
  const given = checksumAlgorithms.filter((a) => headers.has(headerName(a)))
  if (given.length > 1) throw s3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
  const [algorithm] = given
  if (algorithm !== undefined) {
    const expected = headers.get(headerName(algorithm))!
    if (Buffer.from(expected, "base64").length !== digestLength[algorithm])
      throw s3Error("InvalidRequest", `Value for ${headerName(algorithm)} header is invalid.`)
    return { algorithm, expected, inTrailer: false }
  }
  const trailer = headers.get("x-amz-trailer")
  if (trailer !== undefined) {
    const name = trailer.trim().toLowerCase()
    const algo = name.startsWith("x-amz-checksum-") ? parseAlgorithm(name.slice("x-amz-checksum-".length)) : undefined
    if (algo === undefined) throw s3Error("InvalidRequest", `The value specified in the x-amz-trailer header is not supported: ${trailer.slice(0, 64)}`)
    return { algorithm: algo, expected: undefined, inTrailer: true }
  }
  const sdk = headers.get("x-amz-sdk-checksum-algorithm")
  if (sdk !== undefined) {
    const algo = parseAlgorithm(sdk)
    if (algo === undefined) throw s3Error("InvalidRequest", `Checksum algorithm ${sdk.slice(0, 32)} is not supported.`)
    return { algorithm: algo, expected: undefined, inTrailer: false }
  }
  return undefined
}

export const validateKey = (key: string): void => {
  if (Buffer.byteLength(key) > 1024) throw s3Error("KeyTooLongError", "Your key is too long.")
}
