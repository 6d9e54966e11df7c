// DeleteObject (204 whether or not the key existed, unless If-Match asks for it) and
// DeleteObjects (XML, quiet mode, per-object ETag conditions).
import { deleteIfMatch, deleteOutcomeError, refuseDirectoryBucketConditions } from "../conditional-delete.ts"
import { requireBucket, requireKey, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { readXmlBody } from "../small-body.ts"
import { child, list, S3_NS, text, toXml } from "../xml.ts"

export const deleteObject = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const key = requireKey(req)
  refuseDirectoryBucketConditions(req.headers)
  const ifMatch = req.headers.get("if-match")
  if (ifMatch === undefined) await req.services.store.deleteObject(bucket.id, key)
  else {
    const outcome = await deleteIfMatch(req.services.store, bucket.id, key, ifMatch)
    if (outcome !== "deleted") throw deleteOutcomeError(outcome)
  }
  return { status: 204 }
}

export const deleteObjects = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const doc = await readXmlBody(req, { requireIntegrity: true })
  const root = child(doc, "Delete")
  if (root === undefined || typeof root !== "object") throw s3Error("MalformedXML", "Expected a Delete element.")
  const quiet = text(root, "Quiet")?.trim().toLowerCase() === "true"
  const objects = list(root, "Object")
  if (objects.length === 0 || objects.length > 1000)
    throw s3Error("MalformedXML", "A Delete request must name between 1 and 1000 objects.")
  const keys = objects.map((o) => {
    const key = text(o, "Key")
    if (key === undefined) throw s3Error("MalformedXML", "Every Object needs a Key.")
    if (text(o, "LastModifiedTime") !== undefined || text(o, "Size") !== undefined)
      throw s3Error("NotImplemented", "LastModifiedTime and Size conditions (directory buckets) are not implemented by Pollen.")
    return { key, versionId: text(o, "VersionId"), etag: text(o, "ETag") }
  })
  const deleted: unknown[] = []
  const errors: unknown[] = []
  for (const { key, versionId, etag } of keys) {
    if (versionId !== undefined && versionId !== "null") {
      errors.push({ Key: key, VersionId: versionId, Code: "NoSuchVersion", Message: "The specified version does not exist." })
      continue
    }
    if (Buffer.byteLength(key) > 1024 || key === "") {
      errors.push({ Key: key, Code: "InvalidArgument", Message: "Invalid key." })
      continue
    }
    if (etag === undefined) await req.services.store.deleteObject(bucket.id, key)
    else {
      const outcome = await deleteIfMatch(req.services.store, bucket.id, key, etag)
      if (outcome !== "deleted") {
        const e = deleteOutcomeError(outcome)
        errors.push({ Key: key, Code: e.code, Message: e.message })
        continue
      }
    }
    if (!quiet) deleted.push({ Key: key, ...(versionId !== undefined ? { VersionId: versionId } : {}) })
  }
  return xmlResponse(200, toXml({ DeleteResult: { "@_xmlns": S3_NS, Deleted: deleted, Error: errors } }))
}
