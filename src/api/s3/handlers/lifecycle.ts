// Put/Get/DeleteBucketLifecycleConfiguration: the rules are kept in the bucket row (like CORS
// and bucket tags) and carried out by each node's lifecycle worker (src/node/lifecycle.ts).
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { lifecycleFromXml, lifecycleXml } from "../lifecycle.ts"
import { readXmlBody } from "../small-body.ts"
import { toXml } from "../xml.ts"

// AWS requires Content-MD5 or a checksum (botocore: httpChecksum requestChecksumRequired).
const BODY = { limit: 2 * 1024 * 1024, requireIntegrity: true } as const

/** Replaces the whole configuration. */
export const putBucketLifecycle = async (req: S3Request): Promise<S3Response> => {
  const rules = lifecycleFromXml(await readXmlBody(req, BODY))
  await req.services.store.setLifecycle(requireBucket(req).id, rules)
  return { status: 200 }
}

export const getBucketLifecycle = async (req: S3Request): Promise<S3Response> => {
  const rules = requireBucket(req).lifecycle
  if (rules === undefined || rules.length === 0)
    throw s3Error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", { BucketName: req.bucketName ?? "" })
  return xmlResponse(200, toXml(lifecycleXml(rules)))
}

export const deleteBucketLifecycle = async (req: S3Request): Promise<S3Response> => {
  await req.services.store.setLifecycle(requireBucket(req).id, undefined)
  return { status: 204 }
}
