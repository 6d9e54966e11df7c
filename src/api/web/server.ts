// The website endpoint (`[s3_web]`, Garage's web server; AWS's s3-website endpoints): anonymous
// GET and HEAD of the objects of buckets that have a website configuration (PutBucketWebsite),
// OPTIONS preflights answered from the bucket's CORS rules, anything else 405.
//
// The Host header picks the bucket: `<bucket>.<root_domain>`, else a host equal to a bucket
// name (global aliases only: Pollen has no others). A path that is `/` or ends in `/` gets the
// index document suffix; a missing key without the slash whose `<key>/<suffix>` exists answers
// 302 to `<key>/`; a missing object answers 404 with the error document, if configured and
// present. Ranges and conditional GETs are GetObject's (src/api/s3/handlers/get-object.ts).
// RedirectAllRequestsTo answers 301 to the same path on that host, an object with
// `x-amz-website-redirect-location` 301 to that location. RoutingRules are tried in order
// before the index/error logic answers: the first whose KeyPrefixEquals matches the request's
// key and whose HttpErrorCodeReturnedEquals (if any) is the status serving the request failed
// with redirects (routingRedirect). Errors are small HTML pages naming
// the S3 error code, as AWS's website endpoints answer.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { RequestMetrics } from "../../node/metrics.ts"
import { randomHex } from "../../node/random-hex.ts"
import { StoreUnavailableError, type Bucket, type ObjectStore, type RoutingRule } from "../../node/object-store.ts"
import type { S3Response } from "../s3/context.ts"
import { corsHeaders, matchRule } from "../s3/cors.ts"
import { S3Error, s3Error } from "../s3/errors.ts"
import { objectResponse } from "../s3/handlers/get-object.ts"
import { responseHeadersOf } from "../s3/object-headers.ts"
import { send } from "../s3/server.ts"

export interface WebSettings {
  /** Host `<bucket>.<rootDomain>` serves `<bucket>`; undefined: only hosts equal to a bucket name. */
  readonly rootDomain: string | undefined
  /** The index document of a bucket whose configuration names none (every PutBucketWebsite names one). */
  readonly index: string
}

export interface WebServerOptions {
  readonly store: ObjectStore
  readonly settings: WebSettings
  readonly metrics: RequestMetrics
  readonly log?: (line: string) => void
}

const ALLOWED = "GET, HEAD, OPTIONS"
const NO_QUERY: ReadonlyMap<string, string> = new Map()

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

/** AWS's website error page: the status as title and heading, then the S3 error's fields. */
export const errorPage = (e: S3Error, requestId: string): string => {
  const title = `${e.status} ${STATUS_CODES[e.status] ?? "Error"}`
  const items = [["Code", e.code], ["Message", e.message], ...Object.entries(e.extra), ["RequestId", requestId]]
  return [
    "<html>",
    `<head><title>${escapeHtml(title)}</title></head>`,
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    "<ul>",
    ...items.map(([k, v]) => `<li>${escapeHtml(k!)}: ${escapeHtml(v!)}</li>`),
    "</ul>",
    "<hr/>",
    "</body>",
    "</html>",
    "",
  ].join("\n")
}

/** The bucket name a Host header names: `<bucket>.<rootDomain>`, else the whole host (port and a final dot dropped). */
export const bucketNameOfHost = (host: string, rootDomain: string | undefined): string => {
  let h = host.trim().toLowerCase()
  h = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d*$/, "")
  h = h.replace(/\.$/, "")
  if (rootDomain !== undefined && h.endsWith(`.${rootDomain}`) && h.length > rootDomain.length + 1) return h.slice(0, -rootDomain.length - 1)
  return h
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)

/** The request's protocol as the client saw it: a proxy's X-Forwarded-Proto, else http. */
const protocolOfRequest = (req: IncomingMessage): "http" | "https" =>
  first(req.headers["x-forwarded-proto"])?.split(",")[0]?.trim().toLowerCase() === "https" ? "https" : "http"

/** A key as a URL path: each segment percent-encoded, the slashes kept. */
const pathOfKey = (key: string): string => `/${key.split("/").map(encodeURIComponent).join("/")}`

/**
 * The redirect of a RoutingRule: the rule's protocol and host, else the request's; the key with
 * ReplaceKeyWith, or with its KeyPrefixEquals replaced by ReplaceKeyPrefixWith; 301 by default.
 */
export const routingRedirect = (rule: RoutingRule, key: string, req: IncomingMessage, host: string): S3Response => {
  const prefix = rule.keyPrefixEquals ?? ""
  const newKey =
    rule.replaceKeyWith !== undefined ? rule.replaceKeyWith
    : rule.replaceKeyPrefixWith !== undefined ? rule.replaceKeyPrefixWith + key.slice(prefix.length)
    : key
  const location = `${rule.protocol ?? protocolOfRequest(req)}://${rule.hostName ?? host}${pathOfKey(newKey)}`
  return { status: rule.httpRedirectCode ?? 301, headers: { location } }
}

export const createWebServer = (options: WebServerOptions): Server => {
  const { store, settings, metrics } = options
  const log = options.log ?? ((line: string) => console.error(line))

  /** A response for the object `key`, or undefined when there is none. */
  const serveObject = async (bucket: Bucket, key: string, req: IncomingMessage, head: boolean): Promise<S3Response | undefined> => {
    const meta = await store.getObject(bucket.id, key)
    if (meta === undefined) return undefined
    const redirect = meta.headers["x-amz-website-redirect-location"]
    if (redirect !== undefined) return { status: 301, headers: { location: redirect } }
    const headers = new Map<string, string>()
    for (const name of ["range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since"]) {
      const v = first(req.headers[name])
      if (v !== undefined) headers.set(name, v)
    }
    return objectResponse(meta, { store, headers, query: NO_QUERY }, head)
  }

  /** The answer to a missing object: the error document with status 404, else a 404 page. */
  const notFound = async (bucket: Bucket, key: string, errorKey: string | undefined, head: boolean): Promise<S3Response> => {
    const doc = errorKey === undefined ? undefined : await store.getObject(bucket.id, errorKey)
    if (doc === undefined || doc.headers["x-amz-website-redirect-location"] !== undefined)
      throw s3Error("NoSuchKey", "The specified key does not exist.", { Key: key.slice(0, 1024) })
    return { status: 404, headers: { ...responseHeadersOf(doc), "content-length": String(doc.size) }, body: head || doc.size === 0 ? undefined : store.readData(doc.data, 0, doc.size) }
  }

  const answer = async (req: IncomingMessage, method: string): Promise<S3Response> => {
    const url = req.url ?? "/"
    if (!url.startsWith("/")) throw s3Error("InvalidURI", "Couldn't parse the specified URI.")
    const q = url.indexOf("?")
    const rawPath = q < 0 ? url : url.slice(0, q)
    let key: string
    try {
      key = decodeURIComponent(rawPath.slice(1))
    } catch {
      throw s3Error("InvalidURI", "Couldn't parse the specified URI.")
    }
    const host = first(req.headers.host)
    if (host === undefined || host === "") throw s3Error("InvalidRequest", "A Host header is required.")
    const name = bucketNameOfHost(host, settings.rootDomain)
    const bucket = await store.bucketByName(name)
    if (bucket === undefined) throw s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: name.slice(0, 255) })
    const website = bucket.website
    if (website === undefined) throw s3Error("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", { BucketName: name.slice(0, 255) })
    const origin = first(req.headers.origin)
    if (method === "OPTIONS") {
      const requested = first(req.headers["access-control-request-method"])
      if (origin === undefined || requested === undefined) throw s3Error("InvalidRequest", "Insufficient information. Origin request header needed.")
      const wanted = (first(req.headers["access-control-request-headers"]) ?? "").split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "")
      const rule = requested === "GET" || requested === "HEAD" ? matchRule(bucket.cors, origin, requested, wanted) : undefined
      if (rule === undefined) throw s3Error("AccessDenied", "CORSResponse: This CORS request is not allowed.")
      return { status: 200, headers: corsHeaders(rule, origin, { method: requested, headers: wanted }) }
    }
    if (website.redirectAll !== undefined) {
      const protocol = website.redirectAll.protocol ?? protocolOfRequest(req)
      return { status: 301, headers: { location: `${protocol}://${website.redirectAll.hostName}${url}` } }
    }
    const head = method === "HEAD"
    const suffix = website.indexSuffix ?? settings.index
    const target = key === "" || key.endsWith("/") ? `${key}${suffix}` : key
    /** The object's answer, or the error serving it fails with (the error document not yet read). */
    const served = async (): Promise<S3Response | S3Error> => {
      try {
        const found = await serveObject(bucket, target, req, head)
        if (found !== undefined) return found
        if (target === key && (await store.getObject(bucket.id, `${key}/${suffix}`)) !== undefined)
          // one leading slash only: `//host/` or `/\host/` would send the browser to another site
          return { status: 302, headers: { location: `/${rawPath.replace(/^[/\\]+/, "")}/` } }
        return s3Error("NoSuchKey", "The specified key does not exist.", { Key: target.slice(0, 1024) })
      } catch (error) {
        if (error instanceof S3Error) return error
        throw error
      }
    }
    let outcome: S3Response | S3Error | undefined
    // RoutingRules in order, the first whose condition holds redirects; an error-code condition
    // needs the request served first (once).
    for (const rule of website.routingRules ?? []) {
      if (rule.keyPrefixEquals !== undefined && !key.startsWith(rule.keyPrefixEquals)) continue
      if (rule.httpErrorCodeReturnedEquals !== undefined && (outcome ??= await served()).status !== rule.httpErrorCodeReturnedEquals) continue
      return routingRedirect(rule, key, req, host)
    }
    outcome ??= await served()
    let response: S3Response
    if (outcome instanceof S3Error) {
      if (outcome.code !== "NoSuchKey") throw outcome
      response = await notFound(bucket, target, website.errorKey, head)
    } else response = outcome
    if (origin !== undefined) {
      const rule = matchRule(bucket.cors, origin, method, [])
      if (rule !== undefined) response = { ...response, headers: { ...corsHeaders(rule, origin, undefined), ...response.headers } }
    }
    return response
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint()
    const requestId = randomHex(8).toUpperCase()
    const method = req.method ?? "GET"
    const endpoint = method === "GET" || method === "HEAD" || method === "OPTIONS" ? method : "MethodNotAllowed"
    res.setHeader("x-amz-request-id", requestId)
    res.setHeader("server", "Pollen")
    res.on("finish", () => metrics.observe("web", endpoint, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9))
    try {
      if (endpoint === "MethodNotAllowed")
        throw s3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", { Method: method.slice(0, 16), ResourceType: "OBJECT" }, { allow: ALLOWED })
      await send(req, res, await answer(req, method))
    } catch (error) {
      const e =
        error instanceof S3Error
          ? error
          : error instanceof StoreUnavailableError
            ? s3Error("ServiceUnavailable", "Please retry.")
            : (() => {
              log(`web: request ${requestId} ${method}: internal error: ${error instanceof Error ? error.message : String(error)}`)
              return s3Error("InternalError", "We encountered an internal error. Please try again.")
            })()
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (!req.complete) {
        res.setHeader("connection", "close")
        req.on("error", () => undefined)
        req.resume()
      }
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v)
      if (e.status === 304) {
        res.writeHead(304)
        res.end()
        return
      }
      const body = errorPage(e, requestId)
      res.writeHead(e.status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body) })
      res.end(method === "HEAD" ? undefined : body)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`web: unexpected failure: ${error instanceof Error ? error.message : String(error)}`)
      res.destroy()
    })
  })
  server.on("clientError", (_err, socket) => {
    if (!socket.writable) return socket.destroy()
    socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
  })
  return server
}

