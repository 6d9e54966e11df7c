// S3 bucket lifecycle configurations: the LifecycleConfiguration XML of
// PutBucketLifecycleConfiguration, checked as AWS checks it, and the document
// GetBucketLifecycleConfiguration answers. Pollen carries out Expiration (Days or Date) and
// AbortIncompleteMultipartUpload on objects selected by key prefix and size (as Garage does);
// what AWS accepts but Pollen cannot do (transitions, noncurrent versions, delete markers,
// tag filters) is refused with 501 NotImplemented rather than stored and silently ignored.
//
// Errors, first found first (rule by rule, in document order):
// - MalformedXML: not a LifecycleConfiguration, no Rule or more than 1000, an unknown or
//   repeated element, Status other than Enabled / Disabled, neither or both of Prefix and
//   Filter, a Filter with more than one condition outside And, an empty And, a number that is
//   not an integer, an Expiration with none or more than one of Days / Date /
//   ExpiredObjectDeleteMarker, a Date that is not an ISO 8601 date.
// - InvalidArgument: an ID over 255 characters, two rules with one ID, Days or
//   DaysAfterInitiation not positive, a Date not at midnight UTC, a negative size bound,
//   ObjectSizeLessThan not positive or not above ObjectSizeGreaterThan.
// - InvalidRequest: a rule without any action; AbortIncompleteMultipartUpload with a size or
//   tag filter (AWS: "AbortIncompleteMultipartUpload cannot be specified with Object Size.").
// - NotImplemented: Transition, NoncurrentVersionTransition, NoncurrentVersionExpiration,
//   ExpiredObjectDeleteMarker. A Transition is still checked first, so one
//   AWS refuses gets AWS's error: MalformedXML (an unknown element, a Date that is not ISO
//   8601, a number that is not an integer) or InvalidArgument (a Date not at midnight UTC).
//
// A rule without an ID gets a random one, as AWS gives it (GetBucketLifecycleConfiguration
// and x-amz-expiration name it).
import { randomUUID } from "node:crypto"
import { expirationOf, uploadAbortOf } from "../../node/lifecycle.ts"
import type { LifecycleFilter, LifecycleRule, ObjectSummary } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"
import { child, list, S3_NS } from "./xml.ts"

export const MAX_LIFECYCLE_RULES = 1000
const MAX_ID = 255
const DAY_MS = 86_400_000

const malformed = (why: string) =>
  s3Error("MalformedXML", `The XML you provided was not well-formed or did not validate against our published schema (${why})`)
const invalidArgument = (message: string) => s3Error("InvalidArgument", message)
const notImplemented = (what: string) => s3Error("NotImplemented", `Pollen does not implement ${what} in lifecycle rules.`)

type Node = Record<string, unknown>

/** The element's children; an empty (or whitespace-only) element has none. Text where elements belong is malformed. */
export const elementOf = (v: unknown, name: string): Node => {
  if (typeof v === "string") {
    if (v.trim() !== "") throw malformed(`${name} holds text`)
    return {}
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw malformed(`${name} is repeated`)
  const node = v as Node
  const text = node["#text"]
  if (text !== undefined && String(text).trim() !== "") throw malformed(`${name} holds text`)
  return node
}

/** Refuses children other than `allowed` (whitespace between elements is fine). */
export const onlyChildren = (node: Node, name: string, allowed: readonly string[]): void => {
  for (const k of Object.keys(node)) if (k !== "#text" && !allowed.includes(k)) throw malformed(`unexpected ${k.slice(0, 64)} in ${name}`)
}

/** An optional child element, at most once. */
export const optionalElement = (node: Node, name: string): Node | undefined => {
  const v = node[name]
  return v === undefined ? undefined : elementOf(v, name)
}

/** An optional leaf, at most once; its text as written. */
export const leaf = (node: Node, name: string): string | undefined => {
  const v = node[name]
  if (v === undefined) return undefined
  if (Array.isArray(v)) throw malformed(`${name} is repeated`)
  if (typeof v === "string") return v
  if (typeof v === "object" && v !== null && Object.keys(v).length === 0) return ""
  throw malformed(`${name} holds elements`)
}

/** A whole number (XML Schema integer/long); anything else is not schema-valid. */
const integer = (raw: string, name: string): number => {
  const t = raw.trim()
  if (!/^[+-]?\d{1,16}$/.test(t)) throw malformed(`${name} is not an integer`)
  const n = Number(t)
  if (!Number.isSafeInteger(n)) throw malformed(`${name} is out of range`)
  return n
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?)?$/

/** An ISO 8601 date or date-time (UTC unless it names an offset), as ms since the epoch. */
const isoDate = (raw: string): number => {
  const m = ISO_DATE.exec(raw.trim())
  if (m === null) throw malformed("Date is not an ISO 8601 date")
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m
  const ms = Number(`0.${frac || "0"}`) * 1000
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    throw malformed("Date is not a valid date")
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1
    const digits = zone.slice(1).replace(":", "")
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
  }
  return t
}

interface ParsedFilter {
  readonly form: LifecycleRule["filterForm"]
  readonly filter: LifecycleFilter
  readonly hasSize: boolean
  readonly hasTag: boolean
}

const CONDITIONS = ["Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan"] as const

/** The conditions of a Filter or of its And (each at most once; Tag may repeat inside And). */
const conditions = (node: Node, name: string, tagsRepeat: boolean): { filter: LifecycleFilter; hasSize: boolean; hasTag: boolean; count: number } => {
  const prefix = leaf(node, "Prefix")
  const gtRaw = leaf(node, "ObjectSizeGreaterThan")
  const ltRaw = leaf(node, "ObjectSizeLessThan")
  if (!tagsRepeat && Array.isArray(node["Tag"])) throw malformed(`Tag is repeated in ${name}`)
  const tags = list(node, "Tag").map((t) => {
    const tag = elementOf(t, "Tag")
    onlyChildren(tag, "Tag", ["Key", "Value"])
    const key = leaf(tag, "Key")
    if (key === undefined) throw malformed("a Tag needs a Key")
    return { key, value: leaf(tag, "Value") ?? "" }
  })
  if (new Set(tags.map((t) => t.key)).size !== tags.length) throw invalidArgument("Duplicate Tag Keys are not allowed.")
  const gt = gtRaw === undefined ? undefined : integer(gtRaw, "ObjectSizeGreaterThan")
  const lt = ltRaw === undefined ? undefined : integer(ltRaw, "ObjectSizeLessThan")
  if (gt !== undefined && gt < 0) throw invalidArgument("'ObjectSizeGreaterThan' must be a non-negative integer")
  if (lt !== undefined && lt <= 0) throw invalidArgument("'ObjectSizeLessThan' must be a positive integer")
  if (gt !== undefined && lt !== undefined && gt >= lt) throw invalidArgument("'ObjectSizeLessThan' must be greater than 'ObjectSizeGreaterThan'")
  const count = [prefix, gt, lt].filter((v) => v !== undefined).length + tags.length
  return {
    filter: { prefix, sizeGreaterThan: gt, sizeLessThan: lt, ...(tags.length > 0 ? { tags } : {}) },
    hasSize: gt !== undefined || lt !== undefined,
    hasTag: tags.length > 0,
    count,
  }
}

/** The rule's objects: the legacy top-level Prefix or a Filter (exactly one of them). */
const parseFilter = (rule: Node): ParsedFilter => {
  const legacy = leaf(rule, "Prefix")
  const filterNode = optionalElement(rule, "Filter")
  if ((legacy === undefined) === (filterNode === undefined)) throw malformed("a Rule needs exactly one of Prefix and Filter")
  if (legacy !== undefined) return { form: "prefix", filter: { prefix: legacy }, hasSize: false, hasTag: false }
  const filter = filterNode!
  onlyChildren(filter, "Filter", [...CONDITIONS, "And"])
  const and = optionalElement(filter, "And")
  const own = conditions(filter, "Filter", false)
  if (and === undefined) {
    if (own.count > 1) throw malformed("a Filter takes one condition; combine several with And")
    return { form: "filter", filter: own.filter, hasSize: own.hasSize, hasTag: own.hasTag }
  }
  if (own.count > 0) throw malformed("a Filter with And takes no other condition")
  onlyChildren(and, "And", CONDITIONS)
  const inner = conditions(and, "And", true)
  if (inner.count === 0) throw malformed("an empty And")
  return { form: "and", filter: inner.filter, hasSize: inner.hasSize, hasTag: inner.hasTag }
}

const positiveDays = (raw: string, name: string, action: string): number => {
  const n = integer(raw, name)
  if (n <= 0) throw invalidArgument(`'${name}' for ${action} action must be a positive integer`)
  return n
}

/** A Transition (or NoncurrentVersionTransition) checked as AWS checks it (schema, a Date at midnight UTC), before it is refused as not implemented. */
const checkTransitions = (rule: Node, name: string): void => {
  for (const raw of list(rule, name)) {
    const t = elementOf(raw, name)
    onlyChildren(t, name, ["Date", "Days", "NoncurrentDays", "NewerNoncurrentVersions", "StorageClass"])
    const date = leaf(t, "Date")
    if (date !== undefined && isoDate(date) % DAY_MS !== 0) throw invalidArgument("'Date' must be at midnight GMT")
    for (const n of ["Days", "NoncurrentDays", "NewerNoncurrentVersions"]) {
      const v = leaf(t, n)
      if (v !== undefined) integer(v, n)
    }
  }
}

/** The ID of a rule put without one: random, 48 characters (the base64 of a UUID, like the IDs AWS makes up). */
const generatedId = (): string => Buffer.from(randomUUID()).toString("base64")

const RULE_CHILDREN = [
  "ID",
  "Status",
  "Prefix",
  "Filter",
  "Expiration",
  "AbortIncompleteMultipartUpload",
  "Transition",
  "NoncurrentVersionTransition",
  "NoncurrentVersionExpiration",
] as const

const parseRule = (raw: unknown, ids: Set<string>): LifecycleRule => {
  const rule = elementOf(raw, "Rule")
  onlyChildren(rule, "Rule", RULE_CHILDREN)
  const status = leaf(rule, "Status")
  if (status !== "Enabled" && status !== "Disabled") throw malformed("Status must be Enabled or Disabled")
  const id = leaf(rule, "ID")
  if (id !== undefined && id.length > MAX_ID) throw invalidArgument(`ID length should not exceed allowed limit of ${MAX_ID}`)
  if (id !== undefined && id !== "") {
    if (ids.has(id)) throw invalidArgument("Rule ID must be unique. Found same ID for more than one rule")
    ids.add(id)
  }
  const { form, filter, hasSize, hasTag } = parseFilter(rule)

  const expiration = optionalElement(rule, "Expiration")
  let expirationDays: number | undefined
  let expirationDate: number | undefined
  let deleteMarkers = false
  if (expiration !== undefined) {
    onlyChildren(expiration, "Expiration", ["Days", "Date", "ExpiredObjectDeleteMarker"])
    const days = leaf(expiration, "Days")
    const date = leaf(expiration, "Date")
    const marker = leaf(expiration, "ExpiredObjectDeleteMarker")
    if ([days, date, marker].filter((v) => v !== undefined).length !== 1)
      throw malformed("an Expiration takes exactly one of Days, Date and ExpiredObjectDeleteMarker")
    if (days !== undefined) expirationDays = positiveDays(days, "Days", "Expiration")
    if (date !== undefined) {
      expirationDate = isoDate(date)
      if (expirationDate % DAY_MS !== 0) throw invalidArgument("'Date' must be at midnight GMT")
    }
    if (marker !== undefined) {
      if (!["true", "false"].includes(marker.trim())) throw malformed("ExpiredObjectDeleteMarker is not a boolean")
      deleteMarkers = true
    }
  }
  const abortNode = optionalElement(rule, "AbortIncompleteMultipartUpload")
  let abortIncompleteUploadDays: number | undefined
  if (abortNode !== undefined) {
    onlyChildren(abortNode, "AbortIncompleteMultipartUpload", ["DaysAfterInitiation"])
    const days = leaf(abortNode, "DaysAfterInitiation")
    if (days === undefined) throw malformed("AbortIncompleteMultipartUpload needs DaysAfterInitiation")
    abortIncompleteUploadDays = positiveDays(days, "DaysAfterInitiation", "AbortIncompleteMultipartUpload")
    if (hasSize) throw s3Error("InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Object Size.")
    if (hasTag) throw s3Error("InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags.")
  }
  checkTransitions(rule, "Transition")
  checkTransitions(rule, "NoncurrentVersionTransition")
  const unsupported = (["Transition", "NoncurrentVersionTransition", "NoncurrentVersionExpiration"] as const).filter((k) => rule[k] !== undefined)
  if (expiration === undefined && abortNode === undefined && unsupported.length === 0)
    throw s3Error("InvalidRequest", "At least one action needs to be specified in a rule")
  // What AWS accepts but Pollen cannot carry out.
  if (unsupported.length > 0) throw notImplemented(`${unsupported[0]} actions (Pollen has one storage class and no versioning)`)
  if (deleteMarkers) throw notImplemented("ExpiredObjectDeleteMarker (Pollen has no versioning)")
  return {
    id: id ?? generatedId(),
    enabled: status === "Enabled",
    filterForm: form,
    filter,
    expirationDays,
    expirationDate,
    abortIncompleteUploadDays,
  }
}

/** The rules of a PutBucketLifecycleConfiguration body, checked as described at the top. */
export const lifecycleFromXml = (doc: Record<string, unknown>): LifecycleRule[] => {
  const rootRaw = child(doc, "LifecycleConfiguration")
  if (rootRaw === undefined) throw malformed("expected a LifecycleConfiguration")
  const root = elementOf(rootRaw, "LifecycleConfiguration")
  onlyChildren(root, "LifecycleConfiguration", ["Rule"])
  const rules = list(root, "Rule")
  if (rules.length === 0) throw malformed("a LifecycleConfiguration needs at least one Rule")
  if (rules.length > MAX_LIFECYCLE_RULES) throw malformed(`a LifecycleConfiguration takes at most ${MAX_LIFECYCLE_RULES} rules`)
  const ids = new Set<string>()
  return rules.map((r) => parseRule(r, ids))
}

const conditionsXml = (f: LifecycleFilter) => ({
  ...(f.prefix !== undefined ? { Prefix: f.prefix } : {}),
  ...(f.sizeGreaterThan !== undefined ? { ObjectSizeGreaterThan: f.sizeGreaterThan } : {}),
  ...(f.sizeLessThan !== undefined ? { ObjectSizeLessThan: f.sizeLessThan } : {}),
  ...(f.tags !== undefined && f.tags.length > 0 ? { Tag: f.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
})

const ruleXml = (r: LifecycleRule) => ({
  ...(r.id !== undefined ? { ID: r.id } : {}),
  ...(r.filterForm === "prefix"
    ? { Prefix: r.filter.prefix ?? "" }
    : { Filter: r.filterForm === "and" ? { And: conditionsXml(r.filter) } : Object.keys(conditionsXml(r.filter)).length === 0 ? "" : conditionsXml(r.filter) }),
  Status: r.enabled ? "Enabled" : "Disabled",
  ...(r.expirationDays !== undefined ? { Expiration: { Days: r.expirationDays } } : {}),
  ...(r.expirationDate !== undefined ? { Expiration: { Date: new Date(r.expirationDate).toISOString() } } : {}),
  ...(r.abortIncompleteUploadDays !== undefined ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortIncompleteUploadDays } } : {}),
})

/** The GetBucketLifecycleConfiguration answer. */
export const lifecycleXml = (rules: readonly LifecycleRule[]) => ({
  LifecycleConfiguration: { "@_xmlns": S3_NS, Rule: rules.map(ruleXml) },
})

/**
 * The x-amz-abort-date and x-amz-abort-rule-id headers AWS answers on CreateMultipartUpload when
 * an enabled AbortIncompleteMultipartUpload rule applies to the key: the earliest abort.
 */
export const abortHeaders = (rules: readonly LifecycleRule[] | undefined, key: string, initiated: number): Record<string, string> => {
  let first: { at: number; id: string } | undefined
  for (const r of rules ?? []) {
    const at = uploadAbortOf(r, key, initiated)
    if (at !== undefined && (first === undefined || at < first.at)) first = { at, id: r.id ?? "" }
  }
  if (first === undefined) return {}
  // an ID a header cannot carry as is goes URL-encoded, as x-amz-expiration's rule-id
  const id = /^[\x20-\x7e]*$/.test(first.id) ? first.id : encodeURIComponent(first.id)
  return { "x-amz-abort-date": new Date(first.at).toUTCString(), "x-amz-abort-rule-id": id }
}

/**
 * The x-amz-expiration header AWS answers on PutObject, CopyObject, GetObject and HeadObject of
 * an object that an enabled Expiration rule applies to: the earliest expiry among the rules,
 * `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="<ID, URL-encoded>"`.
 */
export const expirationHeaders = (rules: readonly LifecycleRule[] | undefined, o: ObjectSummary): Record<string, string> => {
  let first: { at: number; id: string } | undefined
  for (const r of rules ?? []) {
    const at = expirationOf(r, o)
    if (at !== undefined && (first === undefined || at < first.at)) first = { at, id: r.id ?? "" }
  }
  if (first === undefined) return {}
  return { "x-amz-expiration": `expiry-date="${new Date(first.at).toUTCString()}", rule-id="${encodeURIComponent(first.id)}"` }
}
