// S3 bucket website configurations: the WebsiteConfiguration XML of PutBucketWebsite, checked
// as AWS checks it, and the document GetBucketWebsite answers. Pollen serves an index
// document, an error document and RedirectAllRequestsTo on its website endpoint
// (src/api/web/server.ts); RoutingRules are refused with 501 NotImplemented rather than
// stored and silently ignored.
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
//   (optionally with a port) — Pollen's check, as it goes into a Location header.
// - NotImplemented: RoutingRules.
import type { WebsiteConfig } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"
import { elementOf, leaf, onlyChildren, optionalElement } from "./lifecycle.ts"
import { child, S3_NS } from "./xml.ts"

/** An S3 key's limit; a Suffix is appended to keys, so it cannot be longer either. */
const MAX_KEY_BYTES = 1024

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

const malformed = (why: string) =>
  s3Error("MalformedXML", `The XML you provided was not well-formed or did not validate against our published schema (${why})`)

const invalidArgument = (message: string, name: string, value: string) =>
  s3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value.slice(0, 1024) })

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
    const protocol = leaf(redirect, "Protocol")
    if (protocol !== undefined && protocol !== "http" && protocol !== "https")
      throw s3Error("InvalidRequest", "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
    if (!HOST.test(hostName)) throw s3Error("InvalidRequest", "The RedirectAllRequestsTo HostName must be a host name, optionally with a port.")
    return { redirectAll: { hostName, protocol } }
  }
  if (root["RoutingRules"] !== undefined) throw s3Error("NotImplemented", "Pollen does not implement RoutingRules in website configurations.")
  const index = optionalElement(root, "IndexDocument")
  if (index !== undefined) onlyChildren(index, "IndexDocument", ["Suffix"])
  const suffix = index === undefined ? undefined : leaf(index, "Suffix")
  if (suffix === undefined) throw invalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "null")
  if (suffix === "" || suffix.includes("/") || Buffer.byteLength(suffix) > MAX_KEY_BYTES)
    throw invalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", suffix)
  const error = optionalElement(root, "ErrorDocument")
  if (error === undefined) return { indexSuffix: suffix }
  onlyChildren(error, "ErrorDocument", ["Key"])
  const key = leaf(error, "Key")
  if (key === undefined || key === "") throw malformed("ErrorDocument needs a Key")
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw invalidArgument("The ErrorDocument Key is too long", "ErrorDocument", key)
  return { indexSuffix: suffix, errorKey: key }
}

/** The GetBucketWebsite answer. */
export const websiteXml = (w: WebsiteConfig) => ({
  WebsiteConfiguration: {
    "@_xmlns": S3_NS,
    ...(w.redirectAll !== undefined
      ? { RedirectAllRequestsTo: { HostName: w.redirectAll.hostName, ...(w.redirectAll.protocol !== undefined ? { Protocol: w.redirectAll.protocol } : {}) } }
      : {}),
    ...(w.indexSuffix !== undefined ? { IndexDocument: { Suffix: w.indexSuffix } } : {}),
    ...(w.errorKey !== undefined ? { ErrorDocument: { Key: w.errorKey } } : {}),
  },
})
