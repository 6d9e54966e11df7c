// PutObject: streams the body into blocks (or inline), verifies digests, commits the object.
import { requireBucket, requireKey, type S3Request, type S3Response } from "../context.ts"
import { headerName } from "../checksums.ts"
import { writeGuard } from "../conditions.ts"
import { expirationHeaders } from "../lifecycle.ts"
import { objectHeadersFrom, validateKey } from "../object-headers.ts"
import { bothGuards, quotaGuard } from "../quotas.ts"
import { storeBody } from "../store-body.ts"
import { tagsFromHeader } from "../tagging.ts"

export const putObject = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const key = requireKey(req)
  validateKey(key)
  const headers = objectHeadersFrom(req.headers)
  const tags = tagsFromHeader(req.headers)
  const guard = writeGuard(req.headers)
  const body = await storeBody(req, { allowInline: true })
  const etag = `"${body.md5.toString("hex")}"`
  const lastModified = Date.now()
  try {
    await req.services.store.putObject(bucket.id, {
      key,
      ...headers,
      size: body.staged.size,
      etag,
      lastModified,
      checksum: body.checksum === undefined ? undefined : { ...body.checksum, type: "FULL_OBJECT" },
      tags,
      data: body.staged.data,
    }, bothGuards(guard, await quotaGuard(req, bucket, body.staged.size)))
  } finally {
    await body.staged.release()
  }
  const out: Record<string, string> = { etag, ...expirationHeaders(bucket.lifecycle, { key, size: body.staged.size, lastModified, tags }) }
  if (body.checksum !== undefined) out[headerName(body.checksum.algorithm)] = body.checksum.value
  return { status: 200, headers: out }
}
