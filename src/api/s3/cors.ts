// CORS rules: parsing PutBucketCors bodies, matching requests (origin and header wildcards),
// and the headers for preflight and actual responses.
import type { CorsRule } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"
import { child, list, text, textList } from "./xml.ts"

const METHODS = new Set(["GET", "PUT", "POST", "DELETE", "HEAD"])

export const parseCorsConfiguration = (doc: Record<string, unknown>): CorsRule[] => {
  const root = child(doc, "CORSConfiguration")
  const rules = list(root, "CORSRule")
  if (root === undefined || rules.length === 0 || rules.length > 100) throw s3Error("MalformedXML", "A CORSConfiguration needs 1 to 100 CORSRule elements.")
  return rules.map((r) => {
    const allowedOrigins = textList(r, "AllowedOrigin")
    const allowedMethods = textList(r, "AllowedMethod")
    if (allowedOrigins.length === 0 || allowedMethods.length === 0) throw s3Error("MalformedXML", "Every CORSRule needs AllowedOrigin and AllowedMethod.")
    for (const m of allowedMethods) if (!METHODS.has(m)) throw s3Error("InvalidRequest", `Found unsupported HTTP method in CORS config. Unsupported method is ${m.slice(0, 16)}`)
    for (const o of allowedOrigins) if ((o.match(/\*/g) ?? []).length > 1) throw s3Error("InvalidRequest", `AllowedOrigin "${o.slice(0, 64)}" can not have more than one wildcard.`)
    const maxAge = text(r, "MaxAgeSeconds")
    if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge.trim())) throw s3Error("MalformedXML", "MaxAgeSeconds must be an integer.")
    return {
      id: text(r, "ID"),
      allowedOrigins,
      allowedMethods,
      allowedHeaders: textList(r, "AllowedHeader"),
      exposeHeaders: textList(r, "ExposeHeader"),
      maxAgeSeconds: maxAge === undefined ? undefined : Number(maxAge.trim()),
    }
  })
}

export const corsXml = (rules: readonly CorsRule[]) => ({
  CORSRule: rules.map((r) => ({
    ...(r.id !== undefined ? { ID: r.id } : {}),
    AllowedHeader: r.allowedHeaders,
    AllowedMethod: r.allowedMethods,
    AllowedOrigin: r.allowedOrigins,
    ExposeHeader: r.exposeHeaders,
    ...(r.maxAgeSeconds !== undefined ? { MaxAgeSeconds: r.maxAgeSeconds } : {}),
  })),
})

const wildcard = (pattern: string, value: string, caseInsensitive: boolean): boolean => {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern
  const v = caseInsensitive ? value.toLowerCase() : value
  const star = p.indexOf("*")
  if (star < 0) return p === v
  const head = p.slice(0, star)
  const tail = p.slice(star + 1)
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail)
}

export const matchRule = (
  rules: readonly CorsRule[] | undefined,
  origin: string,
  method: string,
  requestHeaders: readonly string[],
): CorsRule | undefined =>
  rules?.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcard(o, origin, false)) &&
      r.allowedMethods.includes(method) &&
      requestHeaders.every((h) => r.allowedHeaders.some((a) => wildcard(a, h, true))),
  )

export const corsHeaders = (rule: CorsRule, origin: string, preflight: { method: string; headers: readonly string[] } | undefined): Record<string, string> => {
  const out: Record<string, string> = {
    "access-control-allow-origin": rule.allowedOrigins.includes("*") ? "*" : origin,
    "access-control-allow-methods": rule.allowedMethods.join(", "),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  }
  if (!rule.allowedOrigins.includes("*")) out["access-control-allow-credentials"] = "true"
  if (preflight !== undefined) {
    if (preflight.headers.length > 0) out["access-control-allow-headers"] = preflight.headers.join(", ")
    if (rule.maxAgeSeconds !== undefined) out["access-control-max-age"] = String(rule.maxAgeSeconds)
  }
  if (rule.exposeHeaders.length > 0) out["access-control-expose-headers"] = rule.exposeHeaders.join(", ")
  return out
}
