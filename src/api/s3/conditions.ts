// Conditional requests (RFC 7232 as S3 applies them): If-Match, If-None-Match,
// If-Modified-Since, If-Unmodified-Since, and the x-amz-copy-source-if-* forms.
import type { ObjectMeta } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"

export const etagMatches = (header: string, etag: string): boolean => {
  const bare = etag.replace(/^"|"$/g, "")
  return header.split(",").some((raw) => {
    const t = raw.trim().replace(/^W\//, "").replace(/^"|"$/g, "")
    return t === "*" || t === bare
  })
}

const parseDate = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const t = Date.parse(value)
  return Number.isNaN(t) ? undefined : t
}

/** Seconds resolution, like HTTP dates. */
const seconds = (ms: number): number => Math.floor(ms / 1000)

export interface Conditions {
  readonly ifMatch?: string | undefined
  readonly ifNoneMatch?: string | undefined
  readonly ifModifiedSince?: string | undefined
  readonly ifUnmodifiedSince?: string | undefined
}

export type ConditionResult = "ok" | "precondition-failed" | "not-modified"

/**
 * AWS precedence: If-Match true overrides a false If-Unmodified-Since; If-None-Match false
 * (no match) overrides a true "not modified" from If-Modified-Since.
 */
export const evaluate = (c: Conditions, meta: ObjectMeta): ConditionResult => {
  const modified = seconds(meta.lastModified)
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, meta.etag)) return "precondition-failed"
  } else {
    const ius = parseDate(c.ifUnmodifiedSince)
    if (ius !== undefined && modified > seconds(ius)) return "precondition-failed"
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, meta.etag)) return "not-modified"
  } else {
    const ims = parseDate(c.ifModifiedSince)
    if (ims !== undefined && modified <= seconds(ims)) return "not-modified"
  }
  return "ok"
}

export const requestConditions = (h: ReadonlyMap<string, string>, prefix = ""): Conditions => ({
  ifMatch: h.get(`${prefix}if-match`),
  ifNoneMatch: h.get(`${prefix}if-none-match`),
  ifModifiedSince: h.get(`${prefix}if-modified-since`),
  ifUnmodifiedSince: h.get(`${prefix}if-unmodified-since`),
})

/** For copy sources every failed condition is 412. */
export const checkCopySource = (h: ReadonlyMap<string, string>, meta: ObjectMeta): void => {
  if (evaluate(requestConditions(h, "x-amz-copy-source-"), meta) !== "ok")
    throw s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: "x-amz-copy-source-If-*",
    })
}

/**
 * Conditional writes (PutObject, CopyObject, CompleteMultipartUpload): `If-None-Match: *`
 * refuses to overwrite an existing key, `If-Match: <etag>` requires the current ETag. The
 * returned guard runs atomically with the write.
 */
export const writeGuard = (h: ReadonlyMap<string, string>): ((current: ObjectMeta | undefined) => Error | undefined) | undefined => {
  const ifNoneMatch = h.get("if-none-match")
  const ifMatch = h.get("if-match")
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*")
    throw s3Error("NotImplemented", "If-None-Match on writes supports only '*'.")
  return (current) => {
    if (ifNoneMatch !== undefined && current !== undefined)
      return s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-None-Match" })
    if (ifMatch !== undefined) {
      if (current === undefined) return s3Error("NoSuchKey", "The specified key does not exist.")
      if (!etagMatches(ifMatch, current.etag))
        return s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Match" })
    }
    return undefined
  }
}
