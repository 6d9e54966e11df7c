// The admin HTTP API (JSON, `Authorization: Bearer <admin_token>`): /health, /metrics and
// /v2/<Endpoint> routes named after Garage's v2 admin API.
import { timingSafeEqual } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { StoreUnavailableError } from "../../node/object-store.ts"
import { AdminError } from "./admin-error.ts"
import {
  addBucketAlias,
  allowBucketKey,
  createBucket,
  updateBucket,
  deleteBucket,
  denyBucketKey,
  getBucketInfo,
  listBuckets,
  removeBucketAlias,
} from "./buckets.ts"
import { clusterHealth, clusterRoutes } from "./cluster.ts"
import type { AdminHandler, AdminServices } from "./context.ts"
import { createKey, deleteKey, getKeyInfo, importKey, listKeys, updateKey } from "./keys.ts"

const routes: Record<string, { method: "GET" | "POST"; handler: AdminHandler }> = {
  ...clusterRoutes,
  ListKeys: { method: "GET", handler: listKeys },
  GetKeyInfo: { method: "GET", handler: getKeyInfo },
  CreateKey: { method: "POST", handler: createKey },
  ImportKey: { method: "POST", handler: importKey },
  UpdateKey: { method: "POST", handler: updateKey },
  DeleteKey: { method: "POST", handler: deleteKey },
  ListBuckets: { method: "GET", handler: listBuckets },
  GetBucketInfo: { method: "GET", handler: getBucketInfo },
  CreateBucket: { method: "POST", handler: createBucket },
  UpdateBucket: { method: "POST", handler: updateBucket },
  DeleteBucket: { method: "POST", handler: deleteBucket },
  AllowBucketKey: { method: "POST", handler: allowBucketKey },
  DenyBucketKey: { method: "POST", handler: denyBucketKey },
  AddBucketAlias: { method: "POST", handler: addBucketAlias },
  RemoveBucketAlias: { method: "POST", handler: removeBucketAlias },
}

const tokenOk = (header: string | undefined, token: string | undefined): boolean => {
  if (token === undefined || header === undefined) return false
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ""))
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 1024 * 1024) throw new AdminError(413, "InvalidRequest", "Body too large")
    parts.push(chunk)
  }
  const text = Buffer.concat(parts).toString("utf8").trim()
  if (text === "") return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new AdminError(400, "InvalidRequest", "The body is not valid JSON")
  }
}

/** The process's memory, under the names Prometheus' Node.js client uses. */
const processMemoryLines = (): string[] => {
  const m = process.memoryUsage()
  const gauge = (name: string, help: string, value: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`]
  return [
    ...gauge("process_resident_memory_bytes", "Resident memory size in bytes.", m.rss),
    ...gauge("nodejs_heap_size_total_bytes", "V8 heap size in bytes.", m.heapTotal),
    ...gauge("nodejs_heap_size_used_bytes", "V8 heap used in bytes.", m.heapUsed),
    ...gauge("nodejs_external_memory_bytes", "Memory of C++ objects bound to JavaScript objects (Buffers among them), in bytes.", m.external),
    ...gauge("nodejs_array_buffers_bytes", "Memory of ArrayBuffers and Buffers, in bytes.", m.arrayBuffers),
  ]
}
export const createAdminServer = (services: AdminServices, log: (line: string) => void = (l) => console.error(l)): Server => {
  const send = (res: ServerResponse, status: number, json: unknown): void => {
    const body = JSON.stringify(json, null, 2)
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    res.end(body)
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint()
    const url = new URL(req.url ?? "/", "http://admin")
    let endpoint = url.pathname
    res.on("finish", () => services.metrics.observe("api_admin", endpoint, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9))
    try {
      if (url.pathname === "/health") {
        endpoint = "Health"
        res.writeHead(200, { "content-type": "text/plain" })
        // 200 while the node serves; the cluster's state is in the text (503 comes with quorum reads).
        const c = services.cluster
        res.end(c === undefined ? "Pollen is fully operational (single node)\n" : `Pollen is running; cluster ${clusterHealth(c).status}\n`)
        return
      }
      if (url.pathname === "/metrics") {
        endpoint = "Metrics"
        if (services.metricsToken !== undefined && !tokenOk(req.headers.authorization, services.metricsToken) && !tokenOk(req.headers.authorization, services.adminToken))
          throw new AdminError(403, "Forbidden", "Invalid metrics token")
        const figures = await services.store.storeStats()
        const stats = [
          "# HELP pollen_buckets Bucket rows this node holds (full copy; deleted ones until collected).", "# TYPE pollen_buckets gauge", `pollen_buckets ${figures.buckets}`,
          "# HELP pollen_objects Object rows this node holds (its replicas; tombstones until collected).", "# TYPE pollen_objects gauge", `pollen_objects ${figures.objects}`,
          "# HELP pollen_blocks Block reference rows this node holds (one per block and version).", "# TYPE pollen_blocks gauge", `pollen_blocks ${figures.blocks}`,
          "# HELP pollen_multipart_uploads Multipart upload rows this node holds (finished ones until collected).", "# TYPE pollen_multipart_uploads gauge", `pollen_multipart_uploads ${figures.uploads}`,
          "# HELP pollen_access_keys Access keys.", "# TYPE pollen_access_keys gauge", `pollen_access_keys ${services.keys.list().length}`,
          ...processMemoryLines(),
        ]
        const body = services.metrics.render(stats)
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" })
        res.end(body)
        return
      }
      const m = /^\/v2\/([A-Za-z]+)$/.exec(url.pathname)
      const route = m === null ? undefined : routes[m[1]!]
      if (route === undefined) throw new AdminError(404, "NotFound", `No admin endpoint ${url.pathname.slice(0, 100)}`)
      endpoint = m![1]!
      if (!tokenOk(req.headers.authorization, services.adminToken)) throw new AdminError(403, "Forbidden", "Invalid or missing admin token")
      if (req.method !== route.method) throw new AdminError(405, "MethodNotAllowed", `${endpoint} expects ${route.method}`)
      const body = route.method === "POST" ? await readJson(req) : undefined
      const result = await route.handler({ query: url.searchParams, body, services })
      send(res, result.status ?? 200, result.json)
    } catch (error) {
      const e =
        error instanceof AdminError
          ? error
          : error instanceof StoreUnavailableError
            ? new AdminError(503, "ServiceUnavailable", `Please retry: ${error.message}`)
            : new AdminError(500, "InternalError", "Internal error")
      if (!(error instanceof AdminError) && !(error instanceof StoreUnavailableError)) log(`admin: ${endpoint}: ${error instanceof Error ? error.message : String(error)}`)
      if (!req.complete) req.resume()
      send(res, e.status, { code: e.code, message: e.message, region: services.node.region, path: url.pathname })
    }
  }
  return createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
}
