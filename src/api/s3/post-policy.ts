// The POST policy of browser uploads (AWS "POST Policy", SigV4): a base64 JSON document with an
// expiration and conditions, signed with the SigV4 signing key. Parsing answers
// `InvalidPolicyDocument`; a form that breaks the policy answers `AccessDenied` "Invalid
// according to Policy: ...", with AWS's wording.
import { s3Error, type S3Error } from "./errors.ts"

export type PolicyCondition =
  | { readonly kind: "eq" | "starts-with"; readonly field: string; readonly value: string }
  | { readonly kind: "content-length-range"; readonly min: number; readonly max: number }

export interface PostPolicy {
  /** Milliseconds since the epoch. */
  readonly expiration: number
  readonly conditions: readonly PolicyCondition[]
}

const invalid = (detail: string): S3Error => s3Error("InvalidPolicyDocument", `Invalid Policy: ${detail}`)

const denied = (detail: string): S3Error => s3Error("AccessDenied", `Invalid according to Policy: ${detail}`)

// ISO 8601 in UTC, as AWS writes it: 2013-08-01T12:00:00.000Z (fraction optional).
const EXPIRATION_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/

const parseExpiration = (value: unknown): number => {
  if (typeof value !== "string") throw invalid("Invalid 'expiration' value: must be a string.")
  const m = EXPIRATION_RE.exec(value)
  const t = m === null ? NaN : Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000))
  // Date.UTC rolls over (month 13, day 32...): only dates that read back as written are valid.
  if (m === null || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 19) !== value.slice(0, 19))
    throw invalid(`Invalid 'expiration' value: '${value.slice(0, 64)}'`)
  return t
}

const fieldOf = (operand: unknown, op: string): string => {
  if (typeof operand !== "string" || !operand.startsWith("$") || operand.length < 2)
    throw invalid(`Invalid Condition: the field of '${op}' must be a string naming a form field, as '$key'.`)
  return operand.slice(1).toLowerCase()
}

const lengthOf = (v: unknown): number => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d{1,16}$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n) || n < 0) throw invalid("Invalid content-length-range: the bounds must be non-negative integers.")
  return n
}

const parseCondition = (c: unknown): PolicyCondition[] => {
  if (Array.isArray(c)) {
    const [op, a, b] = c as unknown[]
    if (typeof op !== "string") throw invalid("Invalid Condition: the first element must name an operation.")
    const name = op.toLowerCase()
    if (name === "content-length-range") {
      if (c.length !== 3) throw invalid("Invalid content-length-range: expecting [\"content-length-range\", min, max].")
      const min = lengthOf(a)
      const max = lengthOf(b)
      if (min > max) throw invalid("Invalid content-length-range: the minimum is larger than the maximum.")
      return [{ kind: "content-length-range", min, max }]
    }
    if (name !== "eq" && name !== "starts-with") throw invalid(`Invalid Condition: unknown operation '${op.slice(0, 32)}'.`)
    if (c.length !== 3) throw invalid(`Invalid Condition: '${name}' takes a field and a value.`)
    const field = fieldOf(a, name)
    if (typeof b !== "string") throw invalid(`Invalid Condition: the value of '${name}' must be a string.`)
    return [{ kind: name, field, value: b }]
  }
  if (typeof c === "object" && c !== null) {
    const entries = Object.entries(c as Record<string, unknown>)
    if (entries.length === 0) throw invalid("Invalid Simple-Condition: an empty object.")
    return entries.map(([k, v]) => {
      if (typeof v !== "string") throw invalid("Invalid Simple-Condition: value must be a string.")
      return { kind: "eq" as const, field: k.toLowerCase(), value: v }
    })
  }
  throw invalid("Invalid Condition: a condition must be an object or a list.")
}

/** Decodes and checks the form's `policy` field (base64 of UTF-8 JSON). */
export const parsePolicy = (base64: string): PostPolicy => {
  const compact = base64.replace(/[\r\n]/g, "")
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw invalid("Invalid Base64 encoding.")
  let doc: unknown
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(compact, "base64")))
  } catch {
    throw invalid("Invalid JSON.")
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalid("Invalid JSON: the policy must be an object.")
  const { expiration, conditions } = doc as Record<string, unknown>
  if (expiration === undefined) throw invalid("Policy missing expiration.")
  const expires = parseExpiration(expiration)
  if (conditions === undefined) throw invalid("Policy missing conditions.")
  if (!Array.isArray(conditions)) throw invalid("Invalid 'conditions' value: must be a List.")
  return { expiration: expires, conditions: conditions.flatMap(parseCondition) }
}

/** A condition as AWS names it in "Policy Condition failed: ...". */
export const conditionText = (c: PolicyCondition): string =>
  c.kind === "content-length-range" ? `["content-length-range", ${c.min}, ${c.max}]` : `[${JSON.stringify(c.kind)}, ${JSON.stringify(`$${c.field}`)}, ${JSON.stringify(c.value)}]`

/** Form fields no condition needs to name (AWS: the signature, the file, the policy, x-ignore-*). */
const exempt = (name: string): boolean => name === "x-amz-signature" || name === "file" || name === "policy" || name.startsWith("x-ignore-")

/**
 * Checks the form against the policy at time `now`: not expired, every condition holds (a
 * field missing from the form is the empty string), every field is named by a condition.
 * `fields` has lower-case names and includes `bucket` (the bucket posted to) and `key` (after
 * `${filename}`). Returns the size range the file must be in (all content-length-range
 * conditions together), or undefined.
 */
export const checkPolicy = (
  policy: PostPolicy,
  fields: ReadonlyMap<string, string>,
  now: number,
): { readonly min: number; readonly max: number } | undefined => {
  if (now >= policy.expiration) throw denied("Policy expired.")
  let range: { min: number; max: number } | undefined
  const named = new Set<string>()
  for (const c of policy.conditions) {
    if (c.kind === "content-length-range") {
      range = range === undefined ? { min: c.min, max: c.max } : { min: Math.max(range.min, c.min), max: Math.min(range.max, c.max) }
      continue
    }
    named.add(c.field)
    const value = fields.get(c.field) ?? ""
    if (c.kind === "eq" ? value !== c.value : !value.startsWith(c.value)) throw denied(`Policy Condition failed: ${conditionText(c)}`)
  }
  const extra = [...fields.keys()].filter((name) => !exempt(name) && !named.has(name))
  if (extra.length > 0) throw denied(`Extra input fields: ${extra.join(", ").slice(0, 512)}`)
  return range
}
