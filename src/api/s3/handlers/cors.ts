// Put/Get/DeleteBucketCors.
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { corsXml, parseCorsConfiguration } from "../cors.ts"
import { s3Error } from "../errors.ts"
import { readXmlBody } from "../small-body.ts"
import { S3_NS, toXml } from "../xml.ts"

export const putBucketCors = async (req: S3Request): Promise<S3Response> => {
  const rules = parseCorsConfiguration(await readXmlBody(req, { limit: 64 * 1024, requireIntegrity: true }))
  await req.services.store.setCors(requireBucket(req).id, rules)
  return { status: 200 }
}

export const getBucketCors = async (req: S3Request): Promise<S3Response> => {
  const rules = requireBucket(req).cors
  if (rules === undefined || rules.length === 0) throw s3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", { BucketName: req.bucketName ?? "" })
  return xmlResponse(200, toXml({ CORSConfiguration: { "@_xmlns": S3_NS, ...corsXml(rules) } }))
}

export const deleteBucketCors = async (req: S3Request): Promise<S3Response> => {
  await req.services.store.setCors(requireBucket(req).id, undefined)
  return { status: 204 }
}
