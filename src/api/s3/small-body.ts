// Small XML request bodies (DeleteObjects, CompleteMultipartUpload, CORS, ACL): read with a
// size limit, Content-MD5 / x-amz-checksum-* verified, then parsed.
import { checksumOf, parseAlgorithm } from "./checksums.ts"
import { readAll } from "./body.ts"
import type { S3Request } from "./context.ts"
import { s3Error } from "./errors.ts"
import { checksumRequest, contentMd5 } from "./object-headers.ts"
import { createHash } from "node:crypto"
import { parseXml } from "./xml.ts"

/** The headers without `x-amz-checksum-<algorithm>` values (on CompleteMultipartUpload they describe the object). */
const withoutChecksumValues = (headers: ReadonlyMap<string, string>): ReadonlyMap<string, string> =>
  new Map([...headers].filter(([name]) => !(name.startsWith("x-amz-checksum-") && parseAlgorithm(name.slice("x-amz-checksum-".length)) !== undefined)))

export const readXmlBody = async (
  req: S3Request,
  options: { limit?: number; requireIntegrity?: boolean; checksumHeadersDescribeObject?: boolean } = {},
): Promise<Record<string, unknown>> => {
  const limit = options.limit ?? 2 * 1024 * 1024
  const md5 = contentMd5(req.headers)
  const wanted = checksumRequest(options.checksumHeadersDescribeObject === true ? withoutChecksumValues(req.headers) : req.headers)
  // AWS requires Content-MD5 or an x-amz-checksum-* on DeleteObjects and PutBucketCors; a
  // payload covered by the signature is as good.
  if (options.requireIntegrity === true && md5 === undefined && (wanted === undefined || (wanted.expected === undefined && !wanted.inTrailer)) && !req.body.signed)
    throw s3Error("InvalidRequest", "Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header).")
  const body = await readAll(req.body, limit)
  if (md5 !== undefined && !md5.equals(createHash("md5").update(body).digest()))
    throw s3Error("BadDigest", "The Content-MD5 you specified did not match what we received.")
  if (wanted !== undefined) {
    const expected = wanted.inTrailer ? req.body.trailers.get(`x-amz-checksum-${wanted.algorithm.toLowerCase()}`) : wanted.expected
    if (expected !== undefined && expected !== checksumOf(wanted.algorithm, body))
      throw s3Error("BadDigest", `The ${wanted.algorithm} you specified did not match the calculated checksum.`)
  }
  return parseXml(body.toString("utf8"))
}
