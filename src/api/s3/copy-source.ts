// x-amz-copy-source: `[/]bucket/key[?versionId=null]`, URL-encoded; resolves the source
// object and checks the requester may read it.
import { permissionOf } from "../../node/access-keys.ts"
import type { ObjectMeta } from "../../node/object-store.ts"
import type { S3Request } from "./context.ts"
import { s3Error } from "./errors.ts"

export const copySource = async (req: S3Request): Promise<{ bucketId: string; key: string; meta: ObjectMeta }> => {
  const raw = req.headers.get("x-amz-copy-source") ?? ""
  let [path, qs] = raw.split("?", 2) as [string, string | undefined]
  if (qs !== undefined && qs !== "versionId=null") throw s3Error("InvalidArgument", "Invalid version id specified")
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    throw s3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
  }
  if (decoded.startsWith("/")) decoded = decoded.slice(1)
  const slash = decoded.indexOf("/")
  if (slash <= 0 || slash === decoded.length - 1)
    throw s3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
  const bucketName = decoded.slice(0, slash)
  const key = decoded.slice(slash + 1)
  const bucket = await req.services.store.bucketByName(bucketName)
  if (bucket === undefined) throw s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: bucketName.slice(0, 128) })
  if (!permissionOf(req.accessKey, bucket.id).read) throw s3Error("AccessDenied", "Access Denied")
  const meta = await req.services.store.getObject(bucket.id, key)
  if (meta === undefined) throw s3Error("NoSuchKey", "The specified key does not exist.", { Key: key.slice(0, 1024) })
  return { bucketId: bucket.id, key, meta }
}
