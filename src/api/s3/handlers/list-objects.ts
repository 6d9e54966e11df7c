// ListObjects (v1), ListObjectsV2 and ListObjectVersions (an unversioned store: every
// current object is one version with id "null").
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { encodingOf, listPage, parseMaxKeys, type ListPage } from "../listing.ts"
import { S3_NS, toXml } from "../xml.ts"
import { ownerOf } from "./bucket.ts"

const iso = (ms: number): string => new Date(ms).toISOString()

const common = (req: S3Request) => {
  const prefix = req.query.get("prefix") ?? ""
  const delimiter = req.query.get("delimiter") ?? ""
  const maxKeys = parseMaxKeys(req.query.get("max-keys"))
  const encodingType = req.query.get("encoding-type")
  const enc = encodingOf(encodingType)
  return { prefix, delimiter, maxKeys, encodingType, enc }
}

const contents = (req: S3Request, page: ListPage, enc: (s: string) => string, withOwner: boolean) =>
  page.objects.map((o) => ({
    Key: enc(o.key),
    LastModified: iso(o.lastModified),
    ETag: o.etag,
    ...(o.checksum !== undefined ? { ChecksumAlgorithm: o.checksum.algorithm } : {}),
    Size: o.size,
    StorageClass: "STANDARD",
    ...(withOwner ? { Owner: ownerOf(req) } : {}),
  }))

const prefixesXml = (page: ListPage, enc: (s: string) => string) =>
  page.prefixes.length === 0 ? {} : { CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })) }

export const listObjectsV1 = async (req: S3Request): Promise<S3Response> => {
  const { prefix, delimiter, maxKeys, encodingType, enc } = common(req)
  const marker = req.query.get("marker") ?? ""
  const page = await listPage(req.services.store, requireBucket(req).id, {
    prefix, delimiter, maxKeys, after: marker === "" ? undefined : marker,
  })
  return xmlResponse(200, toXml({
    ListBucketResult: {
      "@_xmlns": S3_NS,
      Name: req.bucketName,
      Prefix: enc(prefix),
      Marker: enc(marker),
      // AWS returns NextMarker only with a delimiter; clients otherwise continue from the last key.
      ...(page.truncated && page.last !== undefined && delimiter !== "" ? { NextMarker: enc(page.last) } : {}),
      MaxKeys: maxKeys,
      ...(delimiter !== "" ? { Delimiter: enc(delimiter) } : {}),
      IsTruncated: page.truncated,
      ...(encodingType !== undefined ? { EncodingType: encodingType } : {}),
      Contents: contents(req, page, enc, true),
      ...prefixesXml(page, enc),
    },
  }))
}

const encodeToken = (key: string): string => Buffer.from(`k:${key}`, "utf8").toString("base64url")
const decodeToken = (token: string): string => {
  const raw = Buffer.from(token, "base64url").toString("utf8")
  if (!raw.startsWith("k:") || encodeToken(raw.slice(2)) !== token)
    throw s3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" })
  return raw.slice(2)
}

export const listObjectsV2 = async (req: S3Request): Promise<S3Response> => {
  const { prefix, delimiter, maxKeys, encodingType, enc } = common(req)
  const token = req.query.get("continuation-token")
  const startAfter = req.query.get("start-after")
  // An empty token starts at the beginning (and is echoed), as on AWS (ceph s3-tests
  // test_bucket_listv2_continuationtoken_empty).
  const after = token !== undefined && token !== "" ? decodeToken(token) : startAfter === "" ? undefined : startAfter
  const page = await listPage(req.services.store, requireBucket(req).id, { prefix, delimiter, maxKeys, after })
  return xmlResponse(200, toXml({
    ListBucketResult: {
      "@_xmlns": S3_NS,
      Name: req.bucketName,
      Prefix: enc(prefix),
      ...(startAfter !== undefined ? { StartAfter: enc(startAfter) } : {}),
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(page.truncated && page.last !== undefined ? { NextContinuationToken: encodeToken(page.last) } : {}),
      KeyCount: page.objects.length + page.prefixes.length,
      MaxKeys: maxKeys,
      ...(delimiter !== "" ? { Delimiter: enc(delimiter) } : {}),
      IsTruncated: page.truncated,
      ...(encodingType !== undefined ? { EncodingType: encodingType } : {}),
      Contents: contents(req, page, enc, req.query.get("fetch-owner") === "true"),
      ...prefixesXml(page, enc),
    },
  }))
}

export const listObjectVersions = async (req: S3Request): Promise<S3Response> => {
  const { prefix, delimiter, maxKeys, encodingType, enc } = common(req)
  const keyMarker = req.query.get("key-marker") ?? ""
  const page = await listPage(req.services.store, requireBucket(req).id, {
    prefix, delimiter, maxKeys, after: keyMarker === "" ? undefined : keyMarker,
  })
  return xmlResponse(200, toXml({
    ListVersionsResult: {
      "@_xmlns": S3_NS,
      Name: req.bucketName,
      Prefix: enc(prefix),
      KeyMarker: enc(keyMarker),
      VersionIdMarker: req.query.get("version-id-marker") ?? "",
      ...(page.truncated && page.last !== undefined ? { NextKeyMarker: enc(page.last), NextVersionIdMarker: "null" } : {}),
      MaxKeys: maxKeys,
      ...(delimiter !== "" ? { Delimiter: enc(delimiter) } : {}),
      IsTruncated: page.truncated,
      ...(encodingType !== undefined ? { EncodingType: encodingType } : {}),
      Version: page.objects.map((o) => ({
        Key: enc(o.key),
        VersionId: "null",
        IsLatest: true,
        LastModified: iso(o.lastModified),
        ETag: o.etag,
        Size: o.size,
        StorageClass: "STANDARD",
        Owner: ownerOf(req),
      })),
      ...prefixesXml(page, enc),
    },
  }))
}
