// PostObject: browser uploads with an HTML form (multipart/form-data) to `POST /<bucket>`.
// The request itself is unsigned; the form carries a POST policy signed with SigV4 and the
// credential that signed it, so authentication and the permission check happen here, once the
// fields before the file are read. The file is then streamed into the store by the PutObject
// path (Content-MD5, x-amz-checksum-*, the 5 GiB limit) within the policy's
// content-length-range.
import { timingSafeEqual } from "node:crypto"
import { permissionOf } from "../../../node/access-keys.ts"
import { headerName } from "../checksums.ts"
import { requireBucket, type S3Request, type S3Response } from "../context.ts"
import { s3Error, type S3Error } from "../errors.ts"
import { boundaryOf, readForm } from "../multipart-form.ts"
import { objectHeadersFrom, validateKey } from "../object-headers.ts"
import { checkPolicy, parsePolicy } from "../post-policy.ts"
import { quotaGuard } from "../quotas.ts"
import { sign, signingKey, uriEncode } from "../sigv4-canonical.ts"
import { storeBody } from "../store-body.ts"
import { tagsFromXml } from "../tagging.ts"
import { refuseUnsupportedHeaders } from "../unsupported-headers.ts"
import { parseXml, toXml } from "../xml.ts"

/** AWS: "form data and boundaries (excluding the contents of the file) cannot exceed 20KB". */
export const MAX_POST_FIELDS_BYTES = 20 * 1024

const AUTH_FIELDS = ["policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"] as const

/** Fields that are not object headers: the form's own controls. */
const CONTROL_FIELDS = new Set([
  ...AUTH_FIELDS, "key", "bucket", "file", "acl", "success_action_status", "success_action_redirect", "redirect",
  "tagging", "x-amz-tagging", "x-amz-security-token", "awsaccesskeyid", "signature",
])

/** Fields kept with the object and answered as headers by GetObject. */
const STORED_FIELDS = new Set([
  "content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires", "x-amz-website-redirect-location",
])

const CREDENTIAL_RE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/([^/]+)$/
const AMZ_DATE_RE = /^(\d{8})T\d{6}Z$/
/** What Node accepts in a header value (the stored fields are answered as headers by GetObject). */
const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/

const missingField = (name: string): S3Error =>
  s3Error("InvalidArgument", `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: name,
    ArgumentValue: "",
  })

const argument = (name: string, value: string, message: string): S3Error =>
  s3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value.slice(0, 256) })

const equalHex = (a: string, b: string): boolean => {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

/** Counts the file's bytes against the policy's content-length-range while they stream. */
async function* sized(source: AsyncIterable<Buffer>, range: { min: number; max: number } | undefined): AsyncGenerator<Buffer> {
  let size = 0
  for await (const chunk of source) {
    size += chunk.length
    if (range !== undefined && size > range.max)
      throw s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", { MaxSizeAllowed: String(range.max) })
    yield chunk
  }
  if (range !== undefined && size < range.min)
    throw s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
      ProposedSize: String(size),
      MinSizeAllowed: String(range.min),
    })
}

/** The object's URL as the client addressed the bucket (path-style or virtual-host). */
const objectUrl = (req: S3Request, key: string): string => {
  const host = req.headers.get("host") ?? ""
  const proto = req.headers.get("x-forwarded-proto") === "https" ? "https" : "http"
  const root = req.services.settings.rootDomain
  const hostname = host.replace(/:\d+$/, "").toLowerCase()
  const virtual = root !== undefined && root !== "" && hostname.endsWith(`.${root.toLowerCase()}`)
  const path = virtual ? `/${uriEncode(key, true)}` : `/${uriEncode(req.bucketName ?? "", false)}/${uriEncode(key, true)}`
  return host === "" ? path : `${proto}://${host}${path}`
}

/** success_action_redirect (or the older `redirect`) when it is a URL S3 would redirect to. */
const redirectOf = (fields: ReadonlyMap<string, string>): URL | undefined => {
  const raw = fields.get("success_action_redirect") ?? fields.get("redirect")
  if (raw === undefined || raw === "") return undefined
  try {
    const url = new URL(raw)
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined
  } catch {
    return undefined // AWS ignores a redirect it cannot use and answers with the status
  }
}

export const postObject = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const boundary = boundaryOf(req.headers.get("content-type"))
  const form = await readForm(req.body.chunks, boundary, MAX_POST_FIELDS_BYTES)

  const fields = new Map<string, string>()
  for (const [name, value] of form.fields) {
    const lower = name.toLowerCase()
    if (fields.has(lower)) throw argument(lower, value, `The form field '${lower.slice(0, 64)}' is given more than once.`)
    fields.set(lower, value)
  }

  // Who signed the form.
  const v4 = fields.has("x-amz-signature") || fields.has("x-amz-credential") || fields.has("x-amz-algorithm")
  if (!v4 && (fields.has("awsaccesskeyid") || fields.has("signature")))
    throw s3Error("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256 (Signature Version 2 POST policies are not supported).")
  if (!v4 && !fields.has("policy")) throw s3Error("AccessDenied", "Anonymous access is not supported; sign the form's POST policy with an access key.")
  for (const f of AUTH_FIELDS) if (!fields.has(f)) throw missingField(f)
  if (!fields.has("key")) throw missingField("key")
  if (form.file === undefined)
    throw s3Error("InvalidArgument", "POST requires exactly one file upload per request.", { ArgumentName: "file", ArgumentValue: "0" })

  const algorithm = fields.get("x-amz-algorithm")!
  if (algorithm !== "AWS4-HMAC-SHA256") throw argument("x-amz-algorithm", algorithm, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
  const credential = fields.get("x-amz-credential")!
  const cred = CREDENTIAL_RE.exec(credential)
  if (cred === null) throw argument("x-amz-credential", credential, "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
  const [, accessKeyId, date, region, service, terminal] = cred as unknown as [string, string, string, string, string, string]
  const { region: expectedRegion } = req.services.settings
  if (region !== expectedRegion)
    throw s3Error("InvalidArgument", `Error parsing the X-Amz-Credential parameter; the region '${region.slice(0, 64)}' is wrong; expecting '${expectedRegion}'`, {
      ArgumentName: "x-amz-credential",
      ArgumentValue: credential.slice(0, 256),
      Region: expectedRegion,
    })
  if (service !== "s3") throw argument("x-amz-credential", credential, `Error parsing the X-Amz-Credential parameter; incorrect service '${service.slice(0, 64)}'. This endpoint belongs to 's3'.`)
  if (terminal !== "aws4_request") throw argument("x-amz-credential", credential, "Error parsing the X-Amz-Credential parameter; incorrect terminal. This endpoint uses 'aws4_request'.")
  const amzDate = fields.get("x-amz-date")!
  const day = AMZ_DATE_RE.exec(amzDate)?.[1]
  if (day === undefined) throw argument("x-amz-date", amzDate, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
  if (day !== date) throw argument("x-amz-credential", credential, `Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${day}".`)

  if (accessKeyId.length <= 128) await req.services.keys.prefetch?.(accessKeyId)
  const key = accessKeyId.length > 128 ? undefined : req.services.keys.get(accessKeyId)
  if (key === undefined)
    throw s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: accessKeyId.slice(0, 128) })
  const policyText = fields.get("policy")!
  const signature = fields.get("x-amz-signature")!
  if (!equalHex(sign(signingKey(key.secret, date, region, "s3"), policyText), signature))
    throw s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
      AWSAccessKeyId: accessKeyId,
      StringToSign: policyText.slice(0, 20 * 1024),
      SignatureProvided: signature.slice(0, 128),
    })
  if (!permissionOf(key, bucket.id).write) throw s3Error("AccessDenied", "Access Denied")

  // The policy, checked against every field (the bucket and the key with ${filename} included).
  const policy = parsePolicy(policyText)
  const given = fields.get("bucket")
  if (given !== undefined && given !== req.bucketName)
    throw argument("bucket", given, "The bucket field does not name the bucket the form is posted to.")
  fields.set("bucket", req.bucketName ?? "")
  const objectKey = fields.get("key")!.replaceAll("${filename}", form.file.filename ?? "")
  fields.set("key", objectKey)
  if (objectKey === "") throw argument("key", objectKey, "User key must have a length greater than 0.")
  validateKey(objectKey)
  const range = checkPolicy(policy, fields, Date.now())

  // The object's headers from the remaining fields, as PutObject takes them from headers (with
  // UTF-8 values as their bytes, the form in which request headers are kept).
  const headers = new Map<string, string>()
  for (const [name, value] of fields) {
    if (CONTROL_FIELDS.has(name) || name.startsWith("x-ignore-")) continue
    if (!TOKEN_RE.test(name)) {
      if (name.startsWith("x-amz-")) throw argument(name.slice(0, 128), "", `The form field name '${name.slice(0, 64)}' cannot be an object header name.`)
      continue // not an object header (e.g. a submit button the policy allows)
    }
    const bytes = Buffer.from(value, "utf8").toString("latin1")
    if ((STORED_FIELDS.has(name) || name.startsWith("x-amz-meta-")) && !HEADER_VALUE_RE.test(bytes))
      throw argument(name, value, `The value of the form field '${name.slice(0, 64)}' cannot be an object header value.`)
    // x-amz-checksum-algorithm names the checksum to compute, as x-amz-sdk-checksum-algorithm on PutObject.
    headers.set(name === "x-amz-checksum-algorithm" ? "x-amz-sdk-checksum-algorithm" : name, bytes)
  }
  if (fields.has("acl")) headers.set("x-amz-acl", fields.get("acl")!)
  headers.delete("x-amz-trailer")
  refuseUnsupportedHeaders(headers)
  const objectHeaders = objectHeadersFrom(headers)
  // AWS's form field is `tagging` (its POST Object example); `x-amz-tagging` is taken too.
  const tagging = fields.get("tagging") ?? fields.get("x-amz-tagging")
  const tags = tagging === undefined ? undefined : tagsFromXml(parseXml(tagging), "object")
  const redirect = redirectOf(fields)
  const wanted = fields.get("success_action_status")
  const status = wanted === "200" ? 200 : wanted === "201" ? 201 : 204

  const body = await storeBody(
    { headers, services: req.services, body: { chunks: sized(form.file.content, range), trailers: new Map(), signed: false } },
    { allowInline: true },
  )
  const etag = `"${body.md5.toString("hex")}"`
  try {
    await req.services.store.putObject(bucket.id, {
      key: objectKey,
      ...objectHeaders,
      size: body.staged.size,
      etag,
      lastModified: Date.now(),
      checksum: body.checksum === undefined ? undefined : { ...body.checksum, type: "FULL_OBJECT" },
      tags,
      data: body.staged.data,
    }, await quotaGuard(req, bucket, body.staged.size))
  } finally {
    await body.staged.release()
  }

  const location = objectUrl(req, objectKey)
  const out: Record<string, string> = { etag, location }
  if (body.checksum !== undefined) out[headerName(body.checksum.algorithm)] = body.checksum.value
  if (redirect !== undefined) {
    redirect.searchParams.append("bucket", req.bucketName ?? "")
    redirect.searchParams.append("key", objectKey)
    redirect.searchParams.append("etag", etag)
    return { status: 303, headers: { ...out, location: redirect.toString() } }
  }
  if (status === 201)
    return {
      status: 201,
      headers: { ...out, "content-type": "application/xml" },
      body: toXml({ PostResponse: { Location: location, Bucket: req.bucketName ?? "", Key: objectKey, ETag: etag } }),
    }
  return { status, headers: out }
}
