// Bucket quotas (Garage's max size and max objects, set with the admin API's UpdateBucket),
// enforced on the writes that make a new current version: PutObject, CopyObject, PostObject,
// CompleteMultipartUpload. As in Garage the figures are the bucket counters' estimate
// (src/node/bucket-counters.ts), so a burst of concurrent writes can overshoot a limit a
// little; an overwrite counts the size it adds, not the object, and a write over the limit
// answers 403 AccessDenied with Garage's messages.
import type { Bucket, WriteGuard } from "../../node/object-store.ts"
import type { S3Request } from "./context.ts"
import { s3Error } from "./errors.ts"

/**
 * The guard refusing a write of `size` bytes that would take the bucket over a quota, or
 * undefined without quotas (no counter read then). It sees the key's current version.
 */
export const quotaGuard = async (req: S3Request, bucket: Bucket, size: number): Promise<WriteGuard | undefined> => {
  const q = bucket.quotas
  if (q === undefined || (q.maxSize === null && q.maxObjects === null)) return undefined
  const stats = await req.services.store.bucketStats(bucket.id)
  return (current) => {
    if (q.maxObjects !== null && current === undefined && stats.objects + 1 > q.maxObjects)
      return s3Error("AccessDenied", `Bucket object count quota is reached (maximum ${q.maxObjects} objects)`)
    if (q.maxSize !== null && stats.bytes - (current?.size ?? 0) + size > q.maxSize)
      return s3Error("AccessDenied", `Bucket size quota is reached (maximum ${q.maxSize} bytes)`)
    return undefined
  }
}

/** Both guards: the first refusal wins (the request's own conditions first). */
export const bothGuards = (a: WriteGuard | undefined, b: WriteGuard | undefined): WriteGuard | undefined =>
  a === undefined ? b : b === undefined ? a : (current) => a(current) ?? b(current)
