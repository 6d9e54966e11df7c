// Maps an S3 request (method, bucket, key, query) to an endpoint name and the permission it
// needs. Sub-resources this node does not implement map to `NotImplemented`, methods a
// resource never takes to `MethodNotAllowed`.
import { absentConfigOf } from "./handlers/absent-config.ts"

export type Access = "none" | "read" | "write" | "owner"

export interface Route {
  readonly endpoint: string
  readonly access: Access
}

/** Query parameters that select behaviour without naming a sub-resource. */
const plainParams = new Set([
  "prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type", "continuation-token",
  "start-after", "fetch-owner", "key-marker", "upload-id-marker", "version-id-marker", "max-uploads",
  "max-parts", "part-number-marker", "partNumber", "uploadId", "response-content-type",
  "response-content-language", "response-expires", "response-cache-control",
  "response-content-disposition", "response-content-encoding", "x-id", "optional-object-attributes",
  "versionId", "max-buckets", "bucket-region",
])

const isAuthParam = (name: string): boolean => name.startsWith("X-Amz-") || name.startsWith("x-amz-")

const NI = (endpoint: string): Route => ({ endpoint: `NotImplemented:${endpoint}`, access: "none" })

export const route = (
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  query: ReadonlyMap<string, string>,
  headers: ReadonlyMap<string, string>,
): Route => {
  const sub = [...query.keys()].filter((k) => !plainParams.has(k) && !isAuthParam(k))
  const has = (name: string) => query.has(name)
  const only = (...allowed: string[]) => sub.every((s) => allowed.includes(s))
  if (bucket === undefined) {
    if (method === "GET" && sub.length === 0) return { endpoint: "ListBuckets", access: "none" }
    // The service root takes only GET: a write there (e.g. CreateBucket with an empty name) is
    // 405 on AWS (ceph s3-tests test_bucket_create_naming_bad_short_empty).
    if (method === "PUT" || method === "POST" || method === "DELETE") return { endpoint: "MethodNotAllowed:SERVICE", access: "none" }
    return NI(`${method} /`)
  }
  if (key === undefined) {
    switch (method) {
      case "GET":
        if (sub.length === 1) {
          const [s] = sub
          if (s === "location") return { endpoint: "GetBucketLocation", access: "read" }
          if (s === "acl") return { endpoint: "GetBucketAcl", access: "read" }
          if (s === "cors") return { endpoint: "GetBucketCors", access: "read" }
          if (s === "tagging") return { endpoint: "GetBucketTagging", access: "read" }
          if (s === "lifecycle") return { endpoint: "GetBucketLifecycleConfiguration", access: "read" }
          if (s === "website") return { endpoint: "GetBucketWebsite", access: "read" }
          if (s === "uploads") return { endpoint: "ListMultipartUploads", access: "read" }
          if (s === "versions") return { endpoint: "ListObjectVersions", access: "read" }
          if (s === "versioning") return { endpoint: "GetBucketVersioning", access: "read" }
          const absent = absentConfigOf(s!)
          if (absent !== undefined) return { endpoint: absent.get, access: "read" }
        }
        if (sub.length === 0) return query.get("list-type") === "2" ? { endpoint: "ListObjectsV2", access: "read" } : { endpoint: "ListObjects", access: "read" }
        return NI(`GET ?${sub.join("&")}`)
      case "HEAD":
        return sub.length === 0 ? { endpoint: "HeadBucket", access: "read" } : NI("HEAD bucket")
      case "PUT":
        if (sub.length === 0) return { endpoint: "CreateBucket", access: "none" }
        if (sub.length === 1 && has("acl")) return { endpoint: "PutBucketAcl", access: "owner" }
        if (sub.length === 1 && has("cors")) return { endpoint: "PutBucketCors", access: "owner" }
        if (sub.length === 1 && has("tagging")) return { endpoint: "PutBucketTagging", access: "owner" }
        if (sub.length === 1 && has("lifecycle")) return { endpoint: "PutBucketLifecycleConfiguration", access: "owner" }
        if (sub.length === 1 && has("website")) return { endpoint: "PutBucketWebsite", access: "owner" }
        return NI(`PUT ?${sub.join("&")}`)
      case "DELETE":
        if (sub.length === 0) return { endpoint: "DeleteBucket", access: "owner" }
        if (sub.length === 1 && has("cors")) return { endpoint: "DeleteBucketCors", access: "owner" }
        if (sub.length === 1 && has("tagging")) return { endpoint: "DeleteBucketTagging", access: "owner" }
        if (sub.length === 1 && has("lifecycle")) return { endpoint: "DeleteBucketLifecycle", access: "owner" }
        if (sub.length === 1 && has("website")) return { endpoint: "DeleteBucketWebsite", access: "owner" }
        const deletable = sub.length === 1 ? absentConfigOf(sub[0]!)?.delete : undefined
        if (deletable !== undefined) return { endpoint: deletable, access: "owner" }
        return NI(`DELETE ?${sub.join("&")}`)
      case "POST":
        if (sub.length === 1 && has("delete")) return { endpoint: "DeleteObjects", access: "write" }
        // Browser uploads: the form's signed policy names the key, whose write permission the handler checks.
        if (sub.length === 0) return { endpoint: "PostObject", access: "none" }
        return NI(`POST ?${sub.join("&")}`)
      default:
        return NI(method)
    }
  }
  const copySource = headers.has("x-amz-copy-source")
  switch (method) {
    case "GET":
      if (sub.length === 0) return has("uploadId") ? { endpoint: "ListParts", access: "read" } : { endpoint: "GetObject", access: "read" }
      if (sub.length === 1 && has("acl")) return { endpoint: "GetObjectAcl", access: "read" }
      if (sub.length === 1 && has("tagging")) return { endpoint: "GetObjectTagging", access: "read" }
      if (sub.length === 1 && has("attributes")) return { endpoint: "GetObjectAttributes", access: "read" }
      return NI(`GET object ?${sub.join("&")}`)
    case "HEAD":
      return sub.length === 0 ? { endpoint: "HeadObject", access: "read" } : NI("HEAD object")
    case "PUT":
      if (sub.length === 0) {
        if (has("uploadId") || has("partNumber")) return { endpoint: copySource ? "UploadPartCopy" : "UploadPart", access: "write" }
        return { endpoint: copySource ? "CopyObject" : "PutObject", access: "write" }
      }
      if (sub.length === 1 && has("acl")) return { endpoint: "PutObjectAcl", access: "write" }
      if (sub.length === 1 && has("tagging")) return { endpoint: "PutObjectTagging", access: "write" }
      return NI(`PUT object ?${sub.join("&")}`)
    case "POST":
      if (only("uploads") && has("uploads")) return { endpoint: "CreateMultipartUpload", access: "write" }
      if (sub.length === 0 && has("uploadId")) return { endpoint: "CompleteMultipartUpload", access: "write" }
      return NI(`POST object ?${sub.join("&")}`)
    case "DELETE":
      if (sub.length === 0) return has("uploadId") ? { endpoint: "AbortMultipartUpload", access: "write" } : { endpoint: "DeleteObject", access: "write" }
      if (sub.length === 1 && has("tagging")) return { endpoint: "DeleteObjectTagging", access: "write" }
      return NI(`DELETE object ?${sub.join("&")}`)
    default:
      return NI(method)
  }
}
