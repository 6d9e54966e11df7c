// GetObjectAttributes (GET /bucket/key?attributes): the attributes the x-amz-object-attributes
// header names (ETag, Checksum, ObjectParts, StorageClass, ObjectSize) without the data, as AWS
// answers them for general purpose buckets: the ETag unquoted; ObjectParts only for multipart
// objects, paged by x-amz-max-parts / x-amz-part-number-marker, its Part elements only when
// the object has a checksum (Pollen keeps the parts' sizes, not their own checksums).
import type { ObjectMeta } from "../../../node/object-store.ts"
import { xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { parseMaxKeys } from "../listing.ts"
import { S3_NS, toXml } from "../xml.ts"
import { loadObject } from "./get-object.ts"

const ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"] as const
type Attribute = (typeof ATTRIBUTES)[number]

const invalidAttributes = () => s3Error("InvalidArgument", "Invalid attribute name specified.", { ArgumentName: "x-amz-object-attributes" })

/** The attribute names of the header (comma-separated, as the SDKs send a list). */
export const requestedAttributes = (raw: string | undefined): ReadonlySet<Attribute> => {
  const names = (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "")
  if (names.length === 0) throw invalidAttributes()
  for (const n of names) if (!(ATTRIBUTES as readonly string[]).includes(n)) throw invalidAttributes()
  return new Set(names as Attribute[])
}

const objectParts = (meta: ObjectMeta, sizes: readonly number[], req: S3Request) => {
  const maxParts = parseMaxKeys(req.headers.get("x-amz-max-parts"))
  const markerRaw = req.headers.get("x-amz-part-number-marker") ?? "0"
  if (!/^\d{1,5}$/.test(markerRaw)) throw s3Error("InvalidArgument", "Invalid part-number-marker", { ArgumentName: "x-amz-part-number-marker" })
  const marker = Number(markerRaw)
  const after = sizes.map((size, i) => ({ PartNumber: i + 1, Size: size })).slice(marker)
  const page = after.slice(0, maxParts)
  return {
    PartsCount: sizes.length,
    ...(meta.checksum === undefined
      ? {}
      : {
        PartNumberMarker: marker,
        ...(page.length > 0 ? { NextPartNumberMarker: page[page.length - 1]!.PartNumber } : {}),
        MaxParts: maxParts,
        IsTruncated: after.length > page.length,
        Part: page,
      }),
  }
}

export const getObjectAttributes = async (req: S3Request): Promise<S3Response> => {
  const wanted = requestedAttributes(req.headers.get("x-amz-object-attributes"))
  const meta = await loadObject(req)
  const body = {
    GetObjectAttributesResponse: {
      "@_xmlns": S3_NS,
      ...(wanted.has("ETag") ? { ETag: meta.etag.replace(/^"|"$/g, "") } : {}),
      ...(wanted.has("Checksum") && meta.checksum !== undefined
        ? { Checksum: { [`Checksum${meta.checksum.algorithm}`]: meta.checksum.value, ChecksumType: meta.checksum.type } }
        : {}),
      ...(wanted.has("ObjectParts") && meta.partSizes !== undefined ? { ObjectParts: objectParts(meta, meta.partSizes, req) } : {}),
      ...(wanted.has("StorageClass") ? { StorageClass: "STANDARD" } : {}),
      ...(wanted.has("ObjectSize") ? { ObjectSize: meta.size } : {}),
    },
  }
  return xmlResponse(200, toXml(body), { "last-modified": new Date(meta.lastModified).toUTCString() })
}
