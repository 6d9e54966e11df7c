// GetObject and HeadObject: preconditions, ranges, partNumber, response-* overrides, checksums.
import type { ObjectMeta, ObjectStore } from "../../../node/object-store.ts"
import { headerName } from "../checksums.ts"
import { evaluate, requestConditions } from "../conditions.ts"
import { requireBucket, requireKey, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { expirationHeaders } from "../lifecycle.ts"
import { responseHeadersOf } from "../object-headers.ts"
import { parseRange, type ByteRange } from "../range.ts"

const overrides: Record<string, string> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
}

export const loadObject = async (req: S3Request): Promise<ObjectMeta> => {
  const meta = await req.services.store.getObject(requireBucket(req).id, requireKey(req))
  if (meta === undefined) throw s3Error("NoSuchKey", "The specified key does not exist.", { Key: requireKey(req) })
  return meta
}

const partRange = (meta: ObjectMeta, raw: string): { range: ByteRange; count: number } => {
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= 10000)) throw s3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
  const sizes = meta.partSizes ?? [meta.size]
  if (n > sizes.length) throw s3Error("InvalidPartNumber", "The requested partnumber is not satisfiable")
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0)
  return { range: { start, end: start + sizes[n - 1]! }, count: sizes.length }
}

export const getObject = async (req: S3Request, head = false): Promise<S3Response> => {
  const meta = await loadObject(req)
  const response = objectResponse(meta, { store: req.services.store, headers: req.headers, query: req.query }, head)
  if (response.status !== 200 && response.status !== 206) return response
  return { ...response, headers: { ...response.headers, ...expirationHeaders(requireBucket(req).lifecycle, meta) } }
}

/** What answering a read of an object looks at: its request's headers and query, and the store to read the data from. */
export interface ObjectRead {
  readonly store: ObjectStore
  readonly headers: ReadonlyMap<string, string>
  readonly query: ReadonlyMap<string, string>
}

/**
 * The GetObject / HeadObject answer for `meta`: preconditions (304, 412), Range and partNumber
 * (206, 416), response-* overrides and checksums. Also the website endpoint's (src/api/web).
 */
export const objectResponse = (meta: ObjectMeta, req: ObjectRead, head = false): S3Response => {
  const headers: Record<string, string> = responseHeadersOf(meta)
  const conditions = requestConditions(req.headers)
  const cond = evaluate(conditions, meta)
  // evaluate() reads If-Unmodified-Since only without If-Match, so this names the one that failed.
  if (cond === "precondition-failed")
    throw s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: conditions.ifMatch !== undefined ? "If-Match" : "If-Unmodified-Since",
    })
  if (cond === "not-modified")
    return { status: 304, headers: { etag: meta.etag, "last-modified": headers["last-modified"] } }
  let range: ByteRange | undefined
  const partNumber = req.query.get("partNumber")
  if (partNumber !== undefined) {
    if (req.headers.has("range")) throw s3Error("InvalidRequest", "Cannot specify both Range header and partNumber query parameter")
    const p = partRange(meta, partNumber)
    range = p.range
    // AWS names the parts count only for multipart objects; part 1 of any other object is
    // still a ranged answer (206 with Content-Range).
    if (meta.partSizes !== undefined) headers["x-amz-mp-parts-count"] = String(p.count)
  } else range = parseRange(req.headers.get("range"), meta.size)
  for (const [param, header] of Object.entries(overrides)) {
    const v = req.query.get(param)
    if (v !== undefined) headers[header] = v
  }
  if (meta.checksum !== undefined && req.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED" && range === undefined) {
    headers[headerName(meta.checksum.algorithm)] = meta.checksum.value
    headers["x-amz-checksum-type"] = meta.checksum.type
  }
  const start = range?.start ?? 0
  const end = range?.end ?? meta.size
  headers["content-length"] = String(end - start)
  // An empty object's only part has no byte range to name: served whole.
  const ranged = range !== undefined && end > start
  if (ranged) headers["content-range"] = `bytes ${start}-${end - 1}/${meta.size}`
  const status = ranged ? 206 : 200
  return {
    status,
    headers,
    body: head || end === start ? undefined : req.store.readData(meta.data, start, end),
  }
}

export const headObject = (req: S3Request): Promise<S3Response> => getObject(req, true)
