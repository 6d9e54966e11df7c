// S3 tag sets: the Tagging XML of PutObjectTagging / PutBucketTagging, the x-amz-tagging
// header (URL query form) of object writes, AWS's limits and errors, and the XML answered by
// the Get*Tagging operations.
import type { Tag } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"
import { child, list, S3_NS, text } from "./xml.ts"

export type TagTarget = "object" | "bucket"

const MAX_TAGS: Readonly<Record<TagTarget, number>> = { object: 10, bucket: 50 }
const MAX_KEY = 128
const MAX_VALUE = 256

/** AWS's tag syntax: Unicode letters, numbers and spaces, and `_ . : / = + - @`. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u

const malformed = () => s3Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")

const headerMalformed = () =>
  s3Error("InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")

/**
 * Checks a tag set as AWS does and returns it in key order. Lengths count UTF-16 code units
 * ("Amazon S3 object tags are internally represented in UTF-16"). Every tag is checked before
 * the count, the order AWS reports errors in; too many tags is `BadRequest` on AWS, not
 * `InvalidTag`.
 */
export const validateTags = (tags: readonly Tag[], target: TagTarget): Tag[] => {
  const seen = new Set<string>()
  for (const { key, value } of tags) {
    if (key.length === 0 || !TAG_TEXT.test(key)) throw s3Error("InvalidTag", "The TagKey you have provided is invalid")
    if (key.length > MAX_KEY) throw s3Error("InvalidTag", `The TagKey you have provided is too long, max ${MAX_KEY}`)
    if (!TAG_TEXT.test(value)) throw s3Error("InvalidTag", "The TagValue you have provided is invalid")
    if (value.length > MAX_VALUE) throw s3Error("InvalidTag", `The TagValue you have provided is too long, max ${MAX_VALUE}`)
    // aws: is reserved for tags AWS sets itself.
    if (key.toLowerCase().startsWith("aws:"))
      throw s3Error("InvalidTag", target === "object" ? "Your TagKey cannot be prefixed with aws:" : "System tags cannot be added/updated by requester")
    if (seen.has(key)) throw s3Error("InvalidTag", "Cannot provide multiple Tags with the same key")
    seen.add(key)
  }
  if (tags.length > MAX_TAGS[target])
    throw s3Error("BadRequest", target === "object" ? "Object tags cannot be greater than 10" : "Bucket tag count cannot be greater than 50")
  return [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** The tag set of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>` body. */
export const tagsFromXml = (doc: Record<string, unknown>, target: TagTarget): Tag[] => {
  const root = child(doc, "Tagging")
  const set = child(root, "TagSet")
  if (root === undefined || set === undefined) throw malformed()
  const tags = list(set, "Tag").map((t) => {
    const key = text(t, "Key")
    const value = text(t, "Value")
    if (key === undefined || value === undefined) throw malformed()
    return { key, value }
  })
  return validateTags(tags, target)
}

// Form decoding, as a query string is written: `+` is a space.
const decodeComponent = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "))
  } catch {
    throw headerMalformed()
  }
}

/**
 * The tags of an `x-amz-tagging: k1=v1&k2=v2` header; undefined without the header. A pair
 * without `=` is a key with the empty value (ceph s3-tests test_put_obj_with_tags); a second
 * `=` in a pair and a repeated key are `InvalidArgument`, as on AWS.
 */
export const tagsFromHeader = (headers: ReadonlyMap<string, string>): Tag[] | undefined => {
  const raw = headers.get("x-amz-tagging")
  if (raw === undefined) return undefined
  const tags: Tag[] = []
  const seen = new Set<string>()
  for (const pair of raw.split("&")) {
    if (pair === "") continue
    const eq = pair.indexOf("=")
    const value = eq < 0 ? "" : pair.slice(eq + 1)
    if (value.includes("=")) throw headerMalformed()
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq))
    if (seen.has(key)) throw headerMalformed()
    seen.add(key)
    tags.push({ key, value: decodeComponent(value) })
  }
  return validateTags(tags, "object")
}

/** The Get*Tagging answer. */
export const taggingXml = (tags: readonly Tag[]) => ({
  Tagging: {
    "@_xmlns": S3_NS,
    TagSet: tags.length === 0 ? "" : { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) },
  },
})
