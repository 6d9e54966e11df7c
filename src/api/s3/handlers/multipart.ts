// Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
// ListMultipartUploads. Parts are stored as blocks; Complete concatenates their block lists.
import { createHash, randomBytes } from "node:crypto"
import type { Checksum, MultipartUpload, Part } from "../../../node/object-store.ts"
import { readAll } from "../body.ts"
import { checksumAlgorithms, checksumOf, combinedCrc, digestLength, headerName, isCrc, newHasher, parseAlgorithm, type ChecksumAlgorithm } from "../checksums.ts"
import { checkCopySource, writeGuard } from "../conditions.ts"
import { abortHeaders, expirationHeaders } from "../lifecycle.ts"
import { requireBucket, requireKey, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { copySource } from "../copy-source.ts"
import { s3Error } from "../errors.ts"
import { commonPrefix, encodingOf, parseMaxKeys } from "../listing.ts"
import { objectHeadersFrom, validateKey } from "../object-headers.ts"
import { bothGuards, quotaGuard } from "../quotas.ts"
import { parseCopyRange } from "../range.ts"
import { readXmlBody } from "../small-body.ts"
import { storeBody } from "../store-body.ts"
import { tagsFromHeader } from "../tagging.ts"
import { child, list, S3_NS, text, toXml } from "../xml.ts"
import { ownerOf } from "./bucket.ts"

export const MIN_PART_SIZE = 5 * 1024 * 1024
const iso = (ms: number): string => new Date(ms).toISOString()

const uploadIdOf = (req: S3Request): string => req.query.get("uploadId") ?? ""
const isUploadId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id)

const noSuchUpload = (uploadId: string) =>
  s3Error("NoSuchUpload", "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.", { UploadId: uploadId.slice(0, 64) })

const findUpload = async (req: S3Request): Promise<MultipartUpload | undefined> => {
  const uploadId = uploadIdOf(req)
  const upload = isUploadId(uploadId) ? await req.services.store.getUpload(requireBucket(req).id, uploadId) : undefined
  return upload?.key === req.key ? upload : undefined
}

const loadUpload = async (req: S3Request): Promise<MultipartUpload> => {
  const upload = await findUpload(req)
  if (upload === undefined) throw noSuchUpload(uploadIdOf(req))
  return upload
}

const partNumberOf = (req: S3Request): number => {
  const raw = req.query.get("partNumber") ?? ""
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= 10000)) throw s3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", { ArgumentName: "partNumber" })
  return n
}

export const createMultipartUpload = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const key = requireKey(req)
  validateKey(key)
  const headers = objectHeadersFrom(req.headers)
  // Checked now, applied by CompleteMultipartUpload (the upload's remaining fields become the object's).
  const tags = tagsFromHeader(req.headers)
  const algoHeader = req.headers.get("x-amz-checksum-algorithm")
  const checksumAlgorithm = algoHeader === undefined ? undefined : parseAlgorithm(algoHeader)
  if (algoHeader !== undefined && checksumAlgorithm === undefined) throw s3Error("InvalidRequest", "Checksum algorithm not supported.")
  const checksumType = requestedChecksumType(req.headers)
  if (checksumType !== undefined && checksumAlgorithm === undefined)
    throw s3Error("InvalidRequest", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
  // As on AWS: SHA1 and SHA256 only make composite checksums (a checksum of the part checksums).
  if (checksumType === "FULL_OBJECT" && checksumAlgorithm !== undefined && !isCrc(checksumAlgorithm))
    throw s3Error("InvalidRequest", `The FULL_OBJECT checksum type cannot be used with the ${checksumAlgorithm.toLowerCase()} checksum algorithm.`)
  const upload: MultipartUpload = {
    uploadId: randomBytes(16).toString("hex"), bucketId: bucket.id, key, initiated: Date.now(), checksumAlgorithm,
    ...(checksumType === "FULL_OBJECT" ? { checksumType } : {}), ...(tags !== undefined && tags.length > 0 ? { tags } : {}), ...headers,
  }
  await req.services.store.createUpload(upload)
  return xmlResponse(
    200,
    toXml({ InitiateMultipartUploadResult: { "@_xmlns": S3_NS, Bucket: req.bucketName, Key: key, UploadId: upload.uploadId } }),
    {
      ...(checksumAlgorithm === undefined ? {} : { "x-amz-checksum-algorithm": checksumAlgorithm, "x-amz-checksum-type": checksumType ?? "COMPOSITE" }),
      ...abortHeaders(bucket.lifecycle, key, upload.initiated),
    },
  )
}

/** x-amz-checksum-type on CreateMultipartUpload / CompleteMultipartUpload. */
const requestedChecksumType = (headers: ReadonlyMap<string, string>): "FULL_OBJECT" | "COMPOSITE" | undefined => {
  const raw = headers.get("x-amz-checksum-type")
  if (raw === undefined) return undefined
  const type = raw.trim().toUpperCase()
  if (type !== "FULL_OBJECT" && type !== "COMPOSITE") throw s3Error("InvalidRequest", "Value for x-amz-checksum-type header is invalid.")
  return type
}

export const uploadPart = async (req: S3Request): Promise<S3Response> => {
  const upload = await loadUpload(req)
  const partNumber = partNumberOf(req)
  const body = await storeBody(req, { allowInline: false, defaultAlgorithm: upload.checksumAlgorithm })
  const etag = `"${body.md5.toString("hex")}"`
  try {
    await req.services.store.putPart(upload.uploadId, {
      partNumber,
      size: body.staged.size,
      etag,
      lastModified: Date.now(),
      checksum: body.checksum === undefined ? undefined : { ...body.checksum, type: "FULL_OBJECT" },
      data: body.staged.data,
    })
  } finally {
    await body.staged.release()
  }
  const out: Record<string, string> = { etag }
  if (body.checksum !== undefined) out[headerName(body.checksum.algorithm)] = body.checksum.value
  return { status: 200, headers: out }
}

export const uploadPartCopy = async (req: S3Request): Promise<S3Response> => {
  const upload = await loadUpload(req)
  const partNumber = partNumberOf(req)
  await readAll(req.body, 0)
  const source = await copySource(req)
  checkCopySource(req.headers, source.meta)
  const range = parseCopyRange(req.headers.get("x-amz-copy-source-range"), source.meta.size) ?? { start: 0, end: source.meta.size }
  const store = req.services.store
  const md5 = createHash("md5")
  const algorithm = upload.checksumAlgorithm
  const hold = store.hold(source.meta.data)
  let staged
  const hasher = algorithm === undefined ? undefined : newHasher(algorithm)
  try {
    const data = store.readData(source.meta.data, range.start, range.end)
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of data) {
        md5.update(chunk)
        hasher?.update(chunk)
        yield chunk
      }
    }
    staged = await store.writeData(hashed(), { allowInline: false })
  } finally {
    await hold.release()
  }
  const etag = `"${md5.digest("hex")}"`
  const lastModified = Date.now()
  try {
    const checksum = algorithm === undefined ? undefined : { algorithm, value: hasher!.digest(), type: "FULL_OBJECT" as const }
    await store.putPart(upload.uploadId, { partNumber, size: staged.size, etag, lastModified, checksum, data: staged.data })
  } finally {
    await staged.release()
  }
  return xmlResponse(200, toXml({ CopyPartResult: { "@_xmlns": S3_NS, LastModified: iso(lastModified), ETag: etag } }))
}

const checksumElement = (a: ChecksumAlgorithm): string => `Checksum${a}`

interface RequestedPart {
  readonly partNumber: number
  /** Quoted. */
  readonly etag: string
  readonly element: unknown
}

/** The Part list of a CompleteMultipartUpload body: numbered, with ETags, ascending. */
const requestedParts = (doc: Record<string, unknown>): RequestedPart[] => {
  const root = child(doc, "CompleteMultipartUpload")
  const requested = list(root, "Part")
  if (root === undefined || requested.length === 0) throw s3Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
  let previous = 0
  return requested.map((element) => {
    const n = Number(text(element, "PartNumber"))
    const etag = text(element, "ETag")
    if (!Number.isInteger(n) || etag === undefined) throw s3Error("MalformedXML", "Every Part needs a PartNumber and an ETag.")
    if (n <= previous) throw s3Error("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
    previous = n
    return { partNumber: n, etag: `"${etag.trim().replace(/^"|"$/g, "")}"`, element }
  })
}

/**
 * The object checksum a CompleteMultipartUpload names in `x-amz-checksum-<algorithm>`: on AWS
 * these headers are the checksum of the object being completed (for a composite checksum
 * `<base64>-<parts>`), not of the request's XML body, and a value that does not match is
 * `BadDigest`. The SDKs send no body checksum on this operation.
 */
const requestedObjectChecksum = (headers: ReadonlyMap<string, string>): { algorithm: ChecksumAlgorithm; digest: string; parts: number | undefined } | undefined => {
  const given = checksumAlgorithms.filter((a) => headers.has(headerName(a)))
  if (given.length > 1) throw s3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
  const [algorithm] = given
  if (algorithm === undefined) return undefined
  const m = /^([A-Za-z0-9+/]+={0,2})(?:-([1-9][0-9]{0,4}))?$/.exec(headers.get(headerName(algorithm))!.trim())
  if (m === null || Buffer.from(m[1]!, "base64").length !== digestLength[algorithm])
    throw s3Error("InvalidRequest", `Value for ${headerName(algorithm)} header is invalid.`)
  return { algorithm, digest: m[1]!, parts: m[2] === undefined ? undefined : Number(m[2]) }
}

const multipartEtag = (partEtags: readonly string[]): string => {
  const md5s = Buffer.concat(partEtags.map((e) => Buffer.from(e.replace(/"/g, ""), "hex")))
  return `"${createHash("md5").update(md5s).digest("hex")}-${partEtags.length}"`
}

const completionResult = (req: S3Request, key: string, etag: string, checksum: Checksum | undefined): S3Response => {
  const host = req.headers.get("host") ?? "localhost"
  return xmlResponse(
    200,
    toXml({
      CompleteMultipartUploadResult: {
        "@_xmlns": S3_NS,
        Location: `http://${host}/${req.bucketName}/${encodeURIComponent(key)}`,
        Bucket: req.bucketName,
        Key: key,
        ETag: etag,
        ...(checksum !== undefined ? { [checksumElement(checksum.algorithm)]: checksum.value, ChecksumType: checksum.type } : {}),
      },
    }),
  )
}

/**
 * A CompleteMultipartUpload repeated after it succeeded (a client retrying a lost answer)
 * succeeds again, as on AWS (ceph s3-tests test_multipart_upload_small): the upload ended at
 * this key and the key's object is the one these parts make. Anything else is NoSuchUpload.
 */
const repeatedCompletion = async (req: S3Request): Promise<S3Response> => {
  const uploadId = uploadIdOf(req)
  const key = requireKey(req)
  const bucket = requireBucket(req)
  const ended = isUploadId(uploadId) ? await req.services.store.endedUpload(bucket.id, uploadId) : undefined
  if (ended?.key !== key) throw noSuchUpload(uploadId)
  const parts = requestedParts(await readXmlBody(req, { checksumHeadersDescribeObject: true }))
  const current = await req.services.store.getObject(bucket.id, key)
  if (current === undefined || current.etag !== multipartEtag(parts.map((p) => p.etag))) throw noSuchUpload(uploadId)
  return completionResult(req, key, current.etag, current.checksum)
}

export const completeMultipartUpload = async (req: S3Request): Promise<S3Response> => {
  const upload = await findUpload(req)
  if (upload === undefined) return repeatedCompletion(req)
  const guard = writeGuard(req.headers)
  const wantedChecksum = requestedObjectChecksum(req.headers)
  if (wantedChecksum !== undefined && wantedChecksum.algorithm !== upload.checksumAlgorithm)
    throw s3Error("InvalidRequest", `The upload was created using ${upload.checksumAlgorithm === undefined ? "no" : `a ${upload.checksumAlgorithm.toLowerCase()}`} checksum. The complete request must use the same checksum algorithm.`)
  const uploadType = upload.checksumType ?? "COMPOSITE"
  const askedType = requestedChecksumType(req.headers)
  if (askedType !== undefined && (upload.checksumAlgorithm === undefined || askedType !== uploadType))
    throw s3Error("InvalidRequest", `The upload was created using the ${upload.checksumAlgorithm === undefined ? "null" : uploadType} checksum mode. The complete request must use the same checksum mode.`)
  const requested = requestedParts(await readXmlBody(req, { checksumHeadersDescribeObject: true }))
  const stored = new Map((await req.services.store.listParts(upload.uploadId)).map((p) => [p.partNumber, p]))
  const chosen: Part[] = []
  for (const { partNumber: n, etag, element: p } of requested) {
    const part = stored.get(n)
    if (part === undefined || part.etag !== etag)
      throw s3Error("InvalidPart", "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.", { PartNumber: String(n) })
    if (upload.checksumAlgorithm !== undefined) {
      const given = text(p, checksumElement(upload.checksumAlgorithm))
      // AWS refuses a completion that leaves a part's checksum out of an upload created with
      // an algorithm (the message SDK users report, e.g. aws-sdk-php#2648, opendal#4580).
      if (given === undefined && uploadType === "COMPOSITE")
        throw s3Error("InvalidRequest", `The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${n} in the request.`)
      if (given !== undefined && given !== part.checksum?.value)
        throw s3Error("InvalidPart", `The ${upload.checksumAlgorithm} checksum of part ${n} does not match.`, { PartNumber: String(n) })
    }
    chosen.push(part)
  }
  chosen.forEach((part, i) => {
    if (i < chosen.length - 1 && part.size < MIN_PART_SIZE)
      throw s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", {
        ProposedSize: String(part.size), MinSizeAllowed: String(MIN_PART_SIZE), PartNumber: String(part.partNumber),
      })
  })
  const etag = multipartEtag(chosen.map((p) => p.etag))
  const algorithm = upload.checksumAlgorithm
  const checksum =
    algorithm === undefined || !chosen.every((p) => p.checksum?.algorithm === algorithm)
      ? undefined
      : uploadType === "FULL_OBJECT" && isCrc(algorithm)
        ? { algorithm, value: combinedCrc(algorithm, chosen.map((p) => ({ value: p.checksum!.value, size: p.size }))), type: "FULL_OBJECT" as const }
        : {
            algorithm,
            value: `${checksumOf(algorithm, Buffer.concat(chosen.map((p) => Buffer.from(p.checksum!.value, "base64"))))}-${chosen.length}`,
            type: "COMPOSITE" as const,
          }
  if (wantedChecksum !== undefined) {
    const [digest, count] = checksum?.value.split("-") ?? []
    if (wantedChecksum.digest !== digest || (wantedChecksum.parts !== undefined && wantedChecksum.parts !== Number(count)))
      throw s3Error("BadDigest", `The ${wantedChecksum.algorithm} you specified did not match the calculated checksum.`)
  }
  const blocks = chosen.flatMap((p) => ("blocks" in p.data ? p.data.blocks : []))
  const { uploadId: _u, bucketId: _b, initiated: _i, checksumAlgorithm: _c, checksumType: _t, ...headers } = upload
  const size = chosen.reduce((a, p) => a + p.size, 0)
  const lastModified = Date.now()
  await req.services.store.completeUpload(
    upload,
    {
      ...headers,
      size,
      etag,
      lastModified,
      checksum,
      partSizes: chosen.map((p) => p.size),
      data: { blocks },
    },
    chosen,
    bothGuards(guard, await quotaGuard(req, requireBucket(req), size)),
  )
  const result = completionResult(req, upload.key, etag, checksum)
  const expiration = expirationHeaders(requireBucket(req).lifecycle, { key: upload.key, size, lastModified, tags: upload.tags })
  return { ...result, headers: { ...result.headers, ...expiration } }
}

export const abortMultipartUpload = async (req: S3Request): Promise<S3Response> => {
  const upload = await loadUpload(req)
  await req.services.store.abortUpload(upload)
  return { status: 204 }
}

export const listParts = async (req: S3Request): Promise<S3Response> => {
  const bucket = requireBucket(req)
  const upload = await loadUpload(req)
  const maxParts = parseMaxKeys(req.query.get("max-parts"))
  const markerRaw = req.query.get("part-number-marker") ?? "0"
  if (!/^\d{1,5}$/.test(markerRaw)) throw s3Error("InvalidArgument", "Invalid part-number-marker")
  const marker = Number(markerRaw)
  const all = (await req.services.store.listParts(upload.uploadId)).filter((p) => p.partNumber > marker)
  const page = all.slice(0, maxParts)
  const truncated = all.length > page.length
  return xmlResponse(200, toXml({
    ListPartsResult: {
      "@_xmlns": S3_NS,
      Bucket: req.bucketName,
      Key: upload.key,
      UploadId: upload.uploadId,
      Initiator: ownerOf(req),
      Owner: ownerOf(req),
      StorageClass: "STANDARD",
      PartNumberMarker: marker,
      ...(page.length > 0 ? { NextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      ...(upload.checksumAlgorithm !== undefined ? { ChecksumAlgorithm: upload.checksumAlgorithm, ChecksumType: upload.checksumType ?? "COMPOSITE" } : {}),
      Part: page.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: iso(p.lastModified),
        ETag: p.etag,
        Size: p.size,
        ...(p.checksum !== undefined ? { [checksumElement(p.checksum.algorithm)]: p.checksum.value } : {}),
      })),
    },
  }), abortHeaders(bucket.lifecycle, upload.key, upload.initiated)) // as on CreateMultipartUpload
}

export const listMultipartUploads = async (req: S3Request): Promise<S3Response> => {
  const prefix = req.query.get("prefix") ?? ""
  const delimiter = req.query.get("delimiter") ?? ""
  const keyMarker = req.query.get("key-marker") ?? ""
  const uploadIdMarker = req.query.get("upload-id-marker") ?? ""
  const max = parseMaxKeys(req.query.get("max-uploads"))
  const encodingType = req.query.get("encoding-type")
  const enc = encodingOf(encodingType)
  // A key marker that is itself a common prefix (the NextKeyMarker of a page ending in one)
  // skips every upload under it.
  const markerPrefix = keyMarker !== "" && commonPrefix(keyMarker, prefix, delimiter) === keyMarker ? keyMarker : undefined
  // Uploads of one key are ordered by initiation time, so the upload-id marker is a position.
  const order = (a: MultipartUpload, b: MultipartUpload): number =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : a.uploadId > b.uploadId ? 1 : 0)
  const inPrefix = [...(await req.services.store.listUploads(requireBucket(req).id))].filter((u) => u.key.startsWith(prefix)).sort(order)
  const markerUpload = uploadIdMarker === "" ? undefined : inPrefix.find((u) => u.key === keyMarker && u.uploadId === uploadIdMarker)
  const all = inPrefix
    .filter((u) => markerPrefix === undefined || !u.key.startsWith(markerPrefix))
    .filter((u) => keyMarker === "" || u.key > keyMarker || (u.key === keyMarker && markerUpload !== undefined && order(u, markerUpload) > 0))
  const uploads: MultipartUpload[] = []
  const prefixes: string[] = []
  let truncated = false
  let next: { key: string; uploadId: string } | undefined
  for (const u of all) {
    const cp = commonPrefix(u.key, prefix, delimiter)
    if (cp !== undefined && prefixes[prefixes.length - 1] === cp) continue
    if (uploads.length + prefixes.length >= max) {
      truncated = true
      break
    }
    if (cp !== undefined) {
      prefixes.push(cp)
      next = { key: cp, uploadId: "" }
    } else {
      uploads.push(u)
      next = { key: u.key, uploadId: u.uploadId }
    }
  }
  return xmlResponse(200, toXml({
    ListMultipartUploadsResult: {
      "@_xmlns": S3_NS,
      Bucket: req.bucketName,
      KeyMarker: enc(keyMarker),
      UploadIdMarker: uploadIdMarker,
      ...(truncated && next !== undefined ? { NextKeyMarker: enc(next.key), NextUploadIdMarker: next.uploadId } : {}),
      Prefix: enc(prefix),
      ...(delimiter !== "" ? { Delimiter: enc(delimiter) } : {}),
      MaxUploads: max,
      IsTruncated: truncated,
      ...(encodingType !== undefined ? { EncodingType: encodingType } : {}),
      Upload: uploads.map((u) => ({
        Key: enc(u.key),
        UploadId: u.uploadId,
        Initiator: ownerOf(req),
        Owner: ownerOf(req),
        StorageClass: "STANDARD",
        Initiated: iso(u.initiated),
        ...(u.checksumAlgorithm !== undefined ? { ChecksumAlgorithm: u.checksumAlgorithm } : {}),
      })),
      ...(prefixes.length > 0 ? { CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })) } : {}),
    },
  }))
}
