// Bucket endpoints: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
// GetBucketVersioning (always unversioned).
import { permissionOf } from "../../../node/access-keys.ts"
import type { Bucket } from "../../../node/object-store.ts"
import { readAll } from "../body.ts"
import { bucketNameProblem } from "../bucket-name.ts"
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { checkCannedAcl } from "../object-headers.ts"
import { child, parseXml, S3_NS, text, toXml } from "../xml.ts"

const iso = (ms: number): string => new Date(ms).toISOString()

export const ownerOf = (req: S3Request) => ({ ID: req.accessKey.id, DisplayName: req.accessKey.name })

export const listBuckets = async (req: S3Request): Promise<S3Response> => {
  const buckets: Bucket[] = []
  for (const id of Object.keys(req.accessKey.buckets)) {
    const b = await req.services.store.bucketById(id)
    if (b !== undefined) buckets.push(b)
  }
  // Optional paging (AWS, 2024): prefix, max-buckets (1-10000), continuation-token (the last name).
  const prefix = req.query.get("prefix") ?? ""
  const rawMax = req.query.get("max-buckets")
  if (rawMax !== undefined && !(/^\d{1,5}$/.test(rawMax) && Number(rawMax) >= 1 && Number(rawMax) <= 10000))
    throw s3Error("InvalidArgument", "max-buckets must be an integer between 1 and 10000", { ArgumentName: "max-buckets" })
  const after = req.query.get("continuation-token")
  const region = req.query.get("bucket-region")
  const all = buckets
    .flatMap((b) => b.aliases.map((name) => ({ name, b })))
    .filter(({ name }) => name.startsWith(prefix) && (after === undefined || name > after))
    .filter(() => region === undefined || region === req.services.settings.region)
    .sort((x, y) => (x.name < y.name ? -1 : 1))
  const named = rawMax === undefined ? all : all.slice(0, Number(rawMax))
  const truncated = named.length < all.length
  return xmlResponse(
    200,
    toXml({
      ListAllMyBucketsResult: {
        "@_xmlns": S3_NS,
        Owner: ownerOf(req),
        Buckets: { Bucket: named.map(({ name, b }) => ({ Name: name, CreationDate: iso(b.createdAt), BucketRegion: req.services.settings.region })) },
        ...(truncated ? { ContinuationToken: named[named.length - 1]!.name } : {}),
        ...(req.query.has("prefix") ? { Prefix: prefix } : {}),
      },
    }),
  )
}

export const createBucket = async (req: S3Request): Promise<S3Response> => {
  const name = req.bucketName!
  const problem = bucketNameProblem(name)
  if (problem !== undefined) throw s3Error("InvalidBucketName", problem, { BucketName: name.slice(0, 128) })
  checkCannedAcl(req.headers)
  const body = await readAll(req.body, 64 * 1024)
  if (body.length > 0) {
    const doc = parseXml(body.toString("utf8"))
    const config = child(doc, "CreateBucketConfiguration")
    if (config === undefined) throw s3Error("MalformedXML", "Expected a CreateBucketConfiguration element.")
    const location = text(config, "LocationConstraint")
    if (location !== undefined && location !== "" && location !== req.services.settings.region)
      throw s3Error("InvalidLocationConstraint", `The specified location-constraint is not valid; this endpoint serves '${req.services.settings.region}'.`)
  }
  const existing = await req.services.store.bucketByName(name)
  if (existing !== undefined) {
    const perm = permissionOf(req.accessKey, existing.id)
    if (perm.owner || perm.write || perm.read)
      throw s3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", { BucketName: name })
    throw s3Error("BucketAlreadyExists", "The requested bucket name is not available. Please select a different name and try again.", { BucketName: name })
  }
  if (!req.accessKey.allowCreateBucket) throw s3Error("AccessDenied", "This key is not allowed to create buckets.")
  const { bucket, created } = await req.services.store.createBucket(name)
  if (!created) throw s3Error("BucketAlreadyExists", "The requested bucket name is not available. Please select a different name and try again.", { BucketName: name })
  await req.services.keys.setPermission(req.accessKey.id, bucket.id, { read: true, write: true, owner: true })
  return { status: 200, headers: { location: `/${name}` } }
}

export const deleteBucket = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const result = await req.services.store.deleteBucket(bucket.id)
  if (result === "not-empty") throw s3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", { BucketName: req.bucketName ?? "" })
  if (result === "no-such-bucket") throw s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: req.bucketName ?? "" })
  await req.services.keys.forgetBucket(bucket.id)
  return { status: 204 }
}

export const headBucket = async (req: S3Request): Promise<S3Response> => ({
  status: 200,
  headers: { "x-amz-bucket-region": req.services.settings.region },
})

export const getBucketLocation = async (req: S3Request): Promise<S3Response> => {
  const region = req.services.settings.region
  return xmlResponse(200, toXml({ LocationConstraint: { "@_xmlns": S3_NS, "#text": region === "us-east-1" ? "" : region } }))
}

export const getBucketVersioning = async (_req: S3Request): Promise<S3Response> =>
  xmlResponse(200, toXml({ VersioningConfiguration: { "@_xmlns": S3_NS } }))
