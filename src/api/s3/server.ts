// The S3 HTTP server: parses the target, answers CORS preflights, authenticates (SigV4),
// routes, checks permissions, runs the handler and writes the response or S3 error XML.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { permissionOf, type AccessKey } from "../../node/access-keys.ts"
import type { RequestMetrics } from "../../node/metrics.ts"
import { StoreUnavailableError, type Bucket } from "../../node/object-store.ts"
import { requestBody } from "./body.ts"
import type { S3Request, S3Response, S3Services } from "./context.ts"
import { corsHeaders, matchRule } from "./cors.ts"
import { S3Error, s3Error } from "./errors.ts"
import { handlers } from "./handlers/index.ts"
import { parseTarget } from "./request-target.ts"
import { route } from "./router.ts"
import { headerValues } from "./sigv4-canonical.ts"
import { authenticate, claimedAccessKeyId, withPresignedHeaders } from "./sigv4.ts"
import { refuseUnsupportedHeaders } from "./unsupported-headers.ts"
import { toXml } from "./xml.ts"
import { randomHex } from "../../node/random-hex.ts"

export interface S3ServerOptions {
  readonly services: S3Services
  readonly metrics: RequestMetrics
  readonly log?: (line: string) => void
  /** Milliseconds since the epoch; tests may move the clock. */
  readonly now?: () => number
}

/** The key of an unsigned request; only PostObject, which authenticates by its form, gets one. */
const ANONYMOUS: AccessKey = { id: "", secret: "", name: "anonymous", createdAt: 0, allowCreateBucket: false, buckets: {} }

const newRequestId = (): string => randomHex(8).toUpperCase()

const errorBody = (e: S3Error, resource: string, requestId: string): string =>
  toXml({ Error: { Code: e.code, Message: e.message, ...e.extra, Resource: resource, RequestId: requestId } })

const preflight = async (services: S3Services, bucketName: string | undefined, headers: ReadonlyMap<string, string>): Promise<S3Response> => {
  const origin = headers.get("origin")
  const method = headers.get("access-control-request-method")
  if (origin === undefined || method === undefined)
    throw s3Error("InvalidRequest", "Insufficient information. Origin request header needed.")
  const bucket = bucketName === undefined ? undefined : await services.store.bucketByName(bucketName)
  if (bucket === undefined) throw s3Error("AccessDenied", "CORSResponse: Bucket not found")
  const requested = (headers.get("access-control-request-headers") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "")
  const rule = matchRule(bucket.cors, origin, method, requested)
  if (rule === undefined) throw s3Error("AccessDenied", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
  return { status: 200, headers: corsHeaders(rule, origin, { method, headers: requested }) }
}

export const createS3Server = (options: S3ServerOptions): Server => {
  const { services, metrics } = options
  const now = options.now ?? Date.now
  const log = options.log ?? ((line: string) => console.error(line))

  // Requests that came with `Expect: 100-continue` (Node's 'checkContinue'): the interim 100 is
  // written only once the request passed authentication, routing and the permission check, so
  // a request refused on its headers gets its error without the client sending the body, as
  // RFC 9110 §10.1.1 and S3 do (Node alone answers 100 at once, before anything is checked).
  const awaitingContinue = new WeakSet<IncomingMessage>()
  const allowBody = (req: IncomingMessage, res: ServerResponse): void => {
    if (awaitingContinue.delete(req)) res.writeContinue()
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint()
    const requestId = newRequestId()
    const method = req.method ?? "GET"
    let endpoint = "Unknown"
    let resource = "/"
    let bucket: Bucket | undefined
    let headers: ReadonlyMap<string, string> = new Map()
    res.setHeader("x-amz-request-id", requestId)
    res.setHeader("x-amz-id-2", requestId)
    res.setHeader("server", "Pollen")
    res.on("finish", () => {
      metrics.observe("s3", endpoint, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9)
    })
    try {
      headers = headerValues(req.rawHeaders)
      const target = parseTarget(req.url ?? "/", headers.get("host"), services.settings.rootDomain)
      resource = target.path
      let response: S3Response
      if (method === "OPTIONS") {
        endpoint = "Options"
        allowBody(req, res)
        response = await preflight(services, target.bucket, headers)
      } else {
        const claimedKey = claimedAccessKeyId(headers, target.query)
        if (claimedKey !== undefined) await services.keys.prefetch?.(claimedKey)
        const auth = authenticate(
          { method, path: target.path, query: target.query, headers },
          { region: services.settings.region, now: now(), secretOf: (id) => services.keys.get(id)?.secret },
        )
        if (!headers.has("authorization")) headers = withPresignedHeaders(headers, target.query)
        const query = new Map<string, string>()
        for (const [k, v] of target.query) if (!query.has(k)) query.set(k, v)
        const r = route(method, target.bucket, target.key, query, headers)
        // PostObject carries its credential in the form: its handler verifies the policy's signature.
        if (auth === undefined && r.endpoint !== "PostObject") throw s3Error("AccessDenied", "Anonymous access is not supported; sign the request with an access key.")
        const accessKey = auth === undefined ? ANONYMOUS : services.keys.get(auth.accessKeyId)
        if (accessKey === undefined) throw s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        endpoint = r.endpoint.startsWith("NotImplemented") ? "NotImplemented" : r.endpoint.startsWith("MethodNotAllowed") ? "MethodNotAllowed" : r.endpoint
        if (r.endpoint.startsWith("MethodNotAllowed"))
          throw s3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", {
            Method: method.slice(0, 16),
            ResourceType: r.endpoint.slice("MethodNotAllowed:".length),
          }, { allow: "GET" })
        if (r.endpoint.startsWith("NotImplemented"))
          throw s3Error("NotImplemented", `This operation is not implemented by Pollen (${r.endpoint.slice("NotImplemented:".length).slice(0, 80)}).`)
        refuseUnsupportedHeaders(headers)
        const versionId = query.get("versionId")
        if (versionId !== undefined && versionId !== "null") throw s3Error("InvalidArgument", "Invalid version id specified", { ArgumentName: "versionId" })
        if (target.bucket !== undefined && r.endpoint !== "CreateBucket") {
          bucket = await services.store.bucketByName(target.bucket)
          if (bucket === undefined) throw s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: target.bucket.slice(0, 128) })
          const perm = permissionOf(accessKey, bucket.id)
          const allowed = r.access === "none" || (r.access === "read" ? perm.read : r.access === "write" ? perm.write : perm.owner)
          if (!allowed) throw s3Error("AccessDenied", "Access Denied")
        }
        const handler = handlers[r.endpoint]
        if (handler === undefined) throw s3Error("NotImplemented", `${r.endpoint} is not implemented.`)
        allowBody(req, res)
        const s3req: S3Request = {
          requestId,
          method,
          endpoint: r.endpoint,
          bucketName: target.bucket,
          key: target.key,
          query,
          headers,
          body: requestBody(req, auth?.payload ?? { kind: "unsigned" }, headers),
          accessKey,
          bucket,
          raw: req,
          services,
        }
        response = await handler(s3req)
        const origin = headers.get("origin")
        if (origin !== undefined && bucket?.cors !== undefined) {
          const rule = matchRule(bucket.cors, origin, method, [])
          if (rule !== undefined) response = { ...response, headers: { ...corsHeaders(rule, origin, undefined), ...response.headers } }
        }
      }
      await send(req, res, response)
    } catch (error) {
      const aborted = !(error instanceof S3Error) && ((error as NodeJS.ErrnoException).code === "ECONNRESET" || (error as Error).message === "aborted")
      const e =
        error instanceof S3Error
          ? error
          : error instanceof StoreUnavailableError
            ? s3Error("ServiceUnavailable", `Please retry: ${error.message}`)
          : aborted
            ? s3Error("IncompleteBody", "The request body ended before Content-Length bytes arrived.")
            : (() => {
              log(`s3: request ${requestId} ${method} ${endpoint}: internal error: ${error instanceof Error ? error.message : String(error)}`)
              return s3Error("InternalError", "We encountered an internal error. Please try again.")
            })()
      if (res.headersSent) {
        res.destroy()
        return
      }
      const origin = headers.get("origin")
      if (origin !== undefined && bucket?.cors !== undefined) {
        const rule = matchRule(bucket.cors, origin, method, [])
        if (rule !== undefined) for (const [k, v] of Object.entries(corsHeaders(rule, origin, undefined))) res.setHeader(k, v)
      }
      if (!req.complete) {
        // The body was not read; answer, then close rather than read an unbounded body.
        res.setHeader("connection", "close")
        req.on("error", () => undefined)
        req.resume()
      }
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v)
      if (e.status === 304 || method === "HEAD") {
        res.writeHead(e.status)
        res.end()
      } else {
        const body = errorBody(e, resource, requestId)
        res.writeHead(e.status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) })
        res.end(body)
      }
    }
  }

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      log(`s3: unexpected failure: ${error instanceof Error ? error.message : String(error)}`)
      res.destroy()
    })
  }
  const server = createServer(serve)
  // An Expect header other than 100-continue: serve the request (Node alone would answer a
  // bare 417 without S3 error XML).
  server.on("checkExpectation", serve)
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(req)
    serve(req, res)
  })
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // Requests Node cannot parse as HTTP still get an S3 error document.
    if (!socket.writable) return socket.destroy()
    const requestId = newRequestId()
    const e =
      err.code === "HPE_HEADER_OVERFLOW"
        ? s3Error("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
        : s3Error("InvalidRequest", "The request is not valid HTTP/1.1.")
    const body = errorBody(e, "/", requestId)
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    )
  })
  return server
}

/** Writes a response; HEAD and bodiless answers get no body (a data iterator is never started). Also the website endpoint's. */
export const send = async (req: IncomingMessage, res: ServerResponse, response: S3Response): Promise<void> => {
  for (const [k, v] of Object.entries(response.headers ?? {})) if (v !== undefined) res.setHeader(k, v)
  if (!req.complete) {
    req.on("error", () => undefined)
    req.resume()
  }
  const body = response.body
  if (body === undefined || req.method === "HEAD") {
    if (body === undefined && !res.hasHeader("content-length") && response.status !== 204 && response.status !== 304) res.setHeader("content-length", 0)
    res.writeHead(response.status)
    if (body !== undefined && typeof body !== "string") {
      // HEAD: the data iterator was never started.
    }
    res.end()
    return
  }
  if (typeof body === "string") {
    res.setHeader("content-length", Buffer.byteLength(body))
    res.writeHead(response.status)
    res.end(body)
    return
  }
  res.writeHead(response.status)
  // A plain loop, not stream.pipeline: pipeline's AbortController and Readable cost more than
  // a small object's whole answer. A source error reaches handle(), which destroys the response.
  for await (const chunk of body) {
    if (res.destroyed) return // the client went away; leaving the loop stops the source
    if (!res.write(chunk)) await drainedOrClosed(res)
  }
  res.end()
}

const drainedOrClosed = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      res.off("drain", done)
      res.off("close", done)
      resolve()
    }
    res.on("drain", done)
    res.on("close", done)
  })
