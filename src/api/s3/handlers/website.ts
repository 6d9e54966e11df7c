// Put/Get/DeleteBucketWebsite: the configuration is kept in the bucket row (like CORS and
// lifecycle rules) and served by each node's website endpoint (src/api/web/server.ts).
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { readXmlBody } from "../small-body.ts"
import { websiteFromXml, websiteXml } from "../website.ts"
import { toXml } from "../xml.ts"

// AWS requires Content-MD5 or a checksum (botocore: httpChecksum requestChecksumRequired).
const BODY = { limit: 128 * 1024, requireIntegrity: true } as const

/** Replaces the whole configuration. */
export const putBucketWebsite = async (req: S3Request): Promise<S3Response> => {
  const config = websiteFromXml(await readXmlBody(req, BODY))
  await req.services.store.setWebsite(requireBucket(req).id, config)
  return { status: 200 }
}

export const getBucketWebsite = async (req: S3Request): Promise<S3Response> => {
  const website = requireBucket(req).website
  if (website === undefined)
    throw s3Error("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", { BucketName: req.bucketName ?? "" })
  return xmlResponse(200, toXml(websiteXml(website)))
}

export const deleteBucketWebsite = async (req: S3Request): Promise<S3Response> => {
  await req.services.store.setWebsite(requireBucket(req).id, undefined)
  return { status: 204 }
}
