// Configurations Pollen does not implement, read back the way AWS answers for a bucket that
// has none: tools that read every setting of a bucket (Terraform's provider,
// backup and sync tools) work, and nothing claims a setting was applied — putting one stays
// 501 NotImplemented. Deleting one that cannot exist succeeds, as on AWS when none is set.
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { S3_NS, toXml } from "../xml.ts"

/** GET bucket sub-resource → the error AWS returns when the bucket has no such configuration. */
const missing: Readonly<Record<string, readonly [code: string, message: string]>> = {
  encryption: ["ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found"],
  policy: ["NoSuchBucketPolicy", "The bucket policy does not exist"],
  replication: ["ReplicationConfigurationNotFoundError", "The replication configuration was not found"],
  "object-lock": ["ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"],
  ownershipControls: ["OwnershipControlsNotFoundError", "The bucket ownership controls were not found"],
  publicAccessBlock: ["NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"],
}

/** GET bucket sub-resource → the document AWS returns when it was never set. */
const empty: Readonly<Record<string, () => string>> = {
  logging: () => toXml({ BucketLoggingStatus: { "@_xmlns": S3_NS } }),
  requestPayment: () => toXml({ RequestPaymentConfiguration: { "@_xmlns": S3_NS, Payer: "BucketOwner" } }),
  accelerate: () => toXml({ AccelerateConfiguration: { "@_xmlns": S3_NS } }),
}

/** Sub-resource → the AWS operation names of reading it and (if it has one) deleting it. */
export const absentConfigEndpoints: Readonly<Record<string, { readonly get: string; readonly delete?: string }>> = {
  encryption: { get: "GetBucketEncryption", delete: "DeleteBucketEncryption" },
  policy: { get: "GetBucketPolicy", delete: "DeleteBucketPolicy" },
  replication: { get: "GetBucketReplication", delete: "DeleteBucketReplication" },
  "object-lock": { get: "GetObjectLockConfiguration" },
  ownershipControls: { get: "GetBucketOwnershipControls", delete: "DeleteBucketOwnershipControls" },
  publicAccessBlock: { get: "GetPublicAccessBlock", delete: "DeletePublicAccessBlock" },
  logging: { get: "GetBucketLogging" },
  requestPayment: { get: "GetBucketRequestPayment" },
  accelerate: { get: "GetBucketAccelerateConfiguration" },
}

/** The endpoints of sub-resource `name`, if it is one of these (own keys only: `?constructor` is not). */
export const absentConfigOf = (name: string): { readonly get: string; readonly delete?: string } | undefined =>
  Object.hasOwn(absentConfigEndpoints, name) ? absentConfigEndpoints[name] : undefined

const subResource = (req: S3Request): string => [...req.query.keys()].find((k) => absentConfigOf(k) !== undefined) ?? ""

export const getAbsentBucketConfig = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const sub = subResource(req)
  const doc = empty[sub]
  if (doc !== undefined) return xmlResponse(200, doc())
  const [code, message] = missing[sub]!
  throw s3Error(code, message, { BucketName: req.bucketName ?? bucket.id })
}

export const deleteAbsentBucketConfig = async (req: S3Request): Promise<S3Response> => {
  requireBucket(req)
  return { status: 204 }
}
