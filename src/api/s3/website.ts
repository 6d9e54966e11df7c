// S3 bucket website configurations: the WebsiteConfiguration XML of PutBucketWebsite, checked
// as AWS checks it, and the document GetBucketWebsite answers. Pollen serves an index
// document, an error document, RoutingRules and RedirectAllRequestsTo on its website endpoint
// (src/api/web/server.ts).
//
// Errors, first found first:
// - MalformedXML: not a WebsiteConfiguration, an unknown or repeated element,
//   RedirectAllRequestsTo without HostName, ErrorDocument without a (non-empty) Key.
// - InvalidArgument: RedirectAllRequestsTo with any other element ("RedirectAllRequestsTo
//   cannot be provided in conjunction with other Routing Rules."); no IndexDocument Suffix
//   without RedirectAllRequestsTo ("A value for IndexDocument Suffix must be provided if
//   RedirectAllRequestsTo is empty"); a Suffix that is empty or holds a `/` ("The
//   IndexDocument Suffix is not well formed"); a Suffix or ErrorDocument Key over 1024 bytes.
// - InvalidRequest: a Protocol other than http / https; a HostName that is not a host name
//   (optionally with a port) — Pollen's check, as it goes into a Location header; in a
//   RoutingRule: an empty Condition or Redirect, an HttpErrorCodeReturnedEquals that is not
//   4XX or 5XX, an HttpRedirectCode that is not 3XX (or is 300), both ReplaceKeyPrefixWith and
//   ReplaceKeyWith, more than 50 rules.
// - MalformedXML also: a RoutingRule without a Redirect.
import type { RoutingRule, WebsiteConfig } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"
import { elementOf, leaf, onlyChildren, optionalElement } from "./lifecycle.ts"
import { child, list, S3_NS } from "./xml.ts"

/** An S3 key's limit; a Suffix is appended to keys, so it cannot be longer either. */
const MAX_KEY_BYTES = 1024

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

const malformed = (why: string) =>
  s3Error("MalformedXML", `The XML you provided was not well-formed or did not validate against our published schema (${why})`)

const invalidArgument = (message: string, name: string, value: string) =>
  s3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value.slice(0, 1024) })

/** AWS's limit on RoutingRules. */
const MAX_ROUTING_RULES = 50

const protocolOf = (raw: string | undefined): "http" | "https" | undefined => {
  if (raw !== undefined && raw !== "http" && raw !== "https")
    throw s3Error("InvalidRequest", "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
  return raw
}

const routingRuleOf = (raw: unknown): RoutingRule => {
  const rule = elementOf(raw, "RoutingRule")
  onlyChildren(rule, "RoutingRule", ["Condition", "Redirect"])
  const condition = optionalElement(rule, "Condition")
  let keyPrefixEquals: string | undefined
  let httpErrorCodeReturnedEquals: number | undefined
  if (condition !== undefined) {
    onlyChildren(condition, "Condition", ["KeyPrefixEquals", "HttpErrorCodeReturnedEquals"])
    keyPrefixEquals = leaf(condition, "KeyPrefixEquals")
    const code = leaf(condition, "HttpErrorCodeReturnedEquals")
    if (keyPrefixEquals === undefined && code === undefined)
      throw s3Error("InvalidRequest", "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.")
    if (code !== undefined) {
      if (!/^[45]\d\d$/.test(code)) throw s3Error("InvalidRequest", `The provided HTTP error code (${code.slice(0, 16)}) is not valid. Valid codes are 4XX or 5XX.`)
      httpErrorCodeReturnedEquals = Number(code)
    }
    if (keyPrefixEquals !== undefined && Buffer.byteLength(keyPrefixEquals) > MAX_KEY_BYTES)
      throw invalidArgument("The KeyPrefixEquals is too long", "KeyPrefixEquals", keyPrefixEquals)
  }
  const redirect = optionalElement(rule, "Redirect")
  if (redirect === undefined) throw malformed("a RoutingRule needs a Redirect")
  const fields = ["HostName", "HttpRedirectCode", "Protocol", "ReplaceKeyPrefixWith", "ReplaceKeyWith"]
  onlyChildren(redirect, "Redirect", fields)
  if (fields.every((f) => redirect[f] === undefined))
    throw s3Error("InvalidRequest", "A Redirect must name at least one of HostName, HttpRedirectCode, Protocol, ReplaceKeyPrefixWith and ReplaceKeyWith.")
  const hostName = leaf(redirect, "HostName")
  if (hostName !== undefined && !HOST.test(hostName)) throw s3Error("InvalidRequest", "The Redirect HostName must be a host name, optionally with a port.")
  const protocol = protocolOf(leaf(redirect, "Protocol"))
  const code = leaf(redirect, "HttpRedirectCode")
  if (code !== undefined && (!/^3\d\d$/.test(code) || code === "300"))
    throw s3Error("InvalidRequest", `The provided HTTP redirect code (${code.slice(0, 16)}) is not valid. Valid codes are 3XX except 300.`)
  const replaceKeyPrefixWith = leaf(redirect, "ReplaceKeyPrefixWith")
  const replaceKeyWith = leaf(redirect, "ReplaceKeyWith")
  if (replaceKeyPrefixWith !== undefined && replaceKeyWith !== undefined)
    throw s3Error("InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
  for (const [name, v] of [["ReplaceKeyPrefixWith", replaceKeyPrefixWith], ["ReplaceKeyWith", replaceKeyWith]] as const)
    if (v !== undefined && Buffer.byteLength(v) > MAX_KEY_BYTES) throw invalidArgument(`The ${name} is too long`, name, v)
  return {
    keyPrefixEquals, httpErrorCodeReturnedEquals, hostName, protocol, replaceKeyPrefixWith, replaceKeyWith,
    httpRedirectCode: code === undefined ? undefined : Number(code),
  }
}

const routingRulesOf = (raw: unknown): RoutingRule[] => {
  const rules = elementOf(raw, "RoutingRules")
  onlyChildren(rules, "RoutingRules", ["RoutingRule"])
  const each = list(rules, "RoutingRule")
  if (each.length > MAX_ROUTING_RULES) throw s3Error("InvalidRequest", `A website configuration can have at most ${MAX_ROUTING_RULES} routing rules.`)
  return each.map(routingRuleOf)
}

/** The configuration of a `<WebsiteConfiguration>` body. */
export const websiteFromXml = (doc: Record<string, unknown>): WebsiteConfig => {
  const rootRaw = child(doc, "WebsiteConfiguration")
  if (rootRaw === undefined) throw malformed("expected a WebsiteConfiguration")
  const root = elementOf(rootRaw, "WebsiteConfiguration")
  onlyChildren(root, "WebsiteConfiguration", ["RedirectAllRequestsTo", "IndexDocument", "ErrorDocument", "RoutingRules"])
  const redirect = optionalElement(root, "RedirectAllRequestsTo")
  if (redirect !== undefined) {
    if (root["IndexDocument"] !== undefined || root["ErrorDocument"] !== undefined || root["RoutingRules"] !== undefined)
      throw invalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo", "not null")
    onlyChildren(redirect, "RedirectAllRequestsTo", ["HostName", "Protocol"])
    const hostName = leaf(redirect, "HostName")
    if (hostName === undefined) throw malformed("RedirectAllRequestsTo needs a HostName")
    const protocol = protocolOf(leaf(redirect, "Protocol"))
    if (!HOST.test(hostName)) throw s3Error("InvalidRequest", "The RedirectAllRequestsTo HostName must be a host name, optionally with a port.")
    return { redirectAll: { hostName, protocol } }
  }
  const index = optionalElement(root, "IndexDocument")
  if (index !== undefined) onlyChildren(index, "IndexDocument", ["Suffix"])
  const suffix = index === undefined ? undefined : leaf(index, "Suffix")
  if (suffix === undefined) throw invalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "null")
  if (suffix === "" || suffix.includes("/") || Buffer.byteLength(suffix) > MAX_KEY_BYTES)
    throw invalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", suffix)
  const error = optionalElement(root, "ErrorDocument")
  let errorKey: string | undefined
  if (error !== undefined) {
    onlyChildren(error, "ErrorDocument", ["Key"])
    errorKey = leaf(error, "Key")
    if (errorKey === undefined || errorKey === "") throw malformed("ErrorDocument needs a Key")
    if (Buffer.byteLength(errorKey) > MAX_KEY_BYTES) throw invalidArgument("The ErrorDocument Key is too long", "ErrorDocument", errorKey)
  }
  const routingRules = root["RoutingRules"] === undefined ? [] : routingRulesOf(root["RoutingRules"])
  return { indexSuffix: suffix, ...(errorKey === undefined ? {} : { errorKey }), ...(routingRules.length === 0 ? {} : { routingRules }) }
}

const routingRuleXml = (r: RoutingRule) => ({
  ...(r.keyPrefixEquals !== undefined || r.httpErrorCodeReturnedEquals !== undefined
    ? {
      Condition: {
        ...(r.httpErrorCodeReturnedEquals !== undefined ? { HttpErrorCodeReturnedEquals: r.httpErrorCodeReturnedEquals } : {}),
        ...(r.keyPrefixEquals !== undefined ? { KeyPrefixEquals: r.keyPrefixEquals } : {}),
      },
    }
    : {}),
  Redirect: {
    ...(r.hostName !== undefined ? { HostName: r.hostName } : {}),
    ...(r.httpRedirectCode !== undefined ? { HttpRedirectCode: r.httpRedirectCode } : {}),
    ...(r.protocol !== undefined ? { Protocol: r.protocol } : {}),
    ...(r.replaceKeyPrefixWith !== undefined ? { ReplaceKeyPrefixWith: r.replaceKeyPrefixWith } : {}),
    ...(r.replaceKeyWith !== undefined ? { ReplaceKeyWith: r.replaceKeyWith } : {}),
  },
})

/** The GetBucketWebsite answer. */
export const websiteXml = (w: WebsiteConfig) => ({
  WebsiteConfiguration: {
    "@_xmlns": S3_NS,
    ...(w.redirectAll !== undefined
      ? { RedirectAllRequestsTo: { HostName: w.redirectAll.hostName, ...(w.redirectAll.protocol !== undefined ? { Protocol: w.redirectAll.protocol } : {}) } }
      : {}),
    ...(w.indexSuffix !== undefined ? { IndexDocument: { Suffix: w.indexSuffix } } : {}),
    ...(w.errorKey !== undefined ? { ErrorDocument: { Key: w.errorKey } } : {}),
    ...(w.routingRules !== undefined && w.routingRules.length > 0 ? { RoutingRules: { RoutingRule: w.routingRules.map(routingRuleXml) } } : {}),
  },
})
