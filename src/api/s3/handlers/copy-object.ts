// CopyObject: the new object shares the source's blocks; metadata copied (COPY) or taken from
// the request (REPLACE), tags likewise by x-amz-tagging-directive; x-amz-copy-source-if-*
// conditions give 412.
import { checkCopySource, writeGuard } from "../conditions.ts"
import { requireBucket, requireKey, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { copySource } from "../copy-source.ts"
import { s3Error } from "../errors.ts"
import { expirationHeaders } from "../lifecycle.ts"
import { objectHeadersFrom, validateKey } from "../object-headers.ts"
import { bothGuards, quotaGuard } from "../quotas.ts"
import { readAll } from "../body.ts"
import { tagsFromHeader } from "../tagging.ts"
import { S3_NS, toXml } from "../xml.ts"

export const copyObject = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const key = requireKey(req)
  validateKey(key)
  await readAll(req.body, 0)
  const source = await copySource(req)
  checkCopySource(req.headers, source.meta)
  const directive = (req.headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase()
  if (directive !== "COPY" && directive !== "REPLACE") throw s3Error("InvalidArgument", "Unknown metadata directive.")
  const requested = objectHeadersFrom(req.headers)
  const taggingDirective = (req.headers.get("x-amz-tagging-directive") ?? "COPY").toUpperCase()
  if (taggingDirective !== "COPY" && taggingDirective !== "REPLACE") throw s3Error("InvalidArgument", "Unknown tagging directive.")
  // With COPY the source's tags are kept and x-amz-tagging is not read, as AWS documents.
  const tags = taggingDirective === "REPLACE" ? tagsFromHeader(req.headers) : source.meta.tags
  if (directive === "COPY" && source.bucketId === bucket.id && source.key === key)
    throw s3Error("InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
  const headers = directive === "REPLACE" ? requested : { contentType: source.meta.contentType, headers: source.meta.headers, userMeta: source.meta.userMeta }
  const hold = req.services.store.hold(source.meta.data)
  const lastModified = Date.now()
  try {
    const guard = bothGuards(writeGuard(req.headers), await quotaGuard(req, bucket, source.meta.size))
    await req.services.store.putObject(bucket.id, { ...source.meta, ...headers, key, lastModified, tags }, guard)
  } finally {
    await hold.release()
  }
  const expiration = expirationHeaders(bucket.lifecycle, { key, size: source.meta.size, lastModified, tags })
  return xmlResponse(200, toXml({ CopyObjectResult: { "@_xmlns": S3_NS, LastModified: new Date(lastModified).toISOString(), ETag: source.meta.etag } }), expiration)
}
