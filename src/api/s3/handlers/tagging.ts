// Put/Get/DeleteObjectTagging (the current version's tag set) and Put/Get/DeleteBucketTagging
// (kept in the bucket row, like CORS).
import { requireBucket, requireKey, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { readXmlBody } from "../small-body.ts"
import { taggingXml, tagsFromXml } from "../tagging.ts"
import { toXml } from "../xml.ts"
import { loadObject } from "./get-object.ts"

// AWS requires Content-MD5 or a checksum on both Put*Tagging (botocore: requestChecksumRequired).
const BODY = { limit: 64 * 1024, requireIntegrity: true } as const

const noSuchKey = (key: string) => s3Error("NoSuchKey", "The specified key does not exist.", { Key: key })

/** Replaces the whole tag set; an empty TagSet removes it. */
export const putObjectTagging = async (req: S3Request): Promise<S3Response> => {
  const tags = tagsFromXml(await readXmlBody(req, BODY), "object")
  if (!(await req.services.store.setObjectTags(requireBucket(req).id, requireKey(req), tags))) throw noSuchKey(requireKey(req))
  return { status: 200 }
}

export const getObjectTagging = async (req: S3Request): Promise<S3Response> => {
  const meta = await loadObject(req)
  return xmlResponse(200, toXml(taggingXml(meta.tags ?? [])))
}

export const deleteObjectTagging = async (req: S3Request): Promise<S3Response> => {
  if (!(await req.services.store.setObjectTags(requireBucket(req).id, requireKey(req), []))) throw noSuchKey(requireKey(req))
  return { status: 204 }
}

export const putBucketTagging = async (req: S3Request): Promise<S3Response> => {
  const tags = tagsFromXml(await readXmlBody(req, BODY), "bucket")
  await req.services.store.setBucketTags(requireBucket(req).id, tags)
  return { status: 204 }
}

/** A bucket without tags (never set, deleted, or set to an empty TagSet) has no tag set. */
export const getBucketTagging = async (req: S3Request): Promise<S3Response> => {
  const tags = requireBucket(req).tags
  if (tags === undefined || tags.length === 0) throw s3Error("NoSuchTagSet", "The TagSet does not exist", { BucketName: req.bucketName ?? "" })
  return xmlResponse(200, toXml(taggingXml(tags)))
}

export const deleteBucketTagging = async (req: S3Request): Promise<S3Response> => {
  await req.services.store.setBucketTags(requireBucket(req).id, undefined)
  return { status: 204 }
}
