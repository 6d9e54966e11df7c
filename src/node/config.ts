// The node's configuration (pollen.toml, parsed with smol-toml). Every field has a default
// that works on one machine; docs/configuration.md documents each one. Errors are
// ConfigError with one located line, e.g. `pollen.toml:3:1: ...`.
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { parse, TomlError } from "smol-toml"
import type { ConsistencyMode } from "../core/table/quorum.ts"

const isConsistencyMode = (s: string): s is ConsistencyMode => s === "consistent" || s === "degraded" || s === "dangerous"

export interface Config {
  readonly dataDir: string
  readonly metadataDir: string
  readonly blocksDir: string
  readonly blockSize: number
  readonly inlineThreshold: number
  readonly blockDeleteDelaySecs: number
  /** A written block that no object references after this long is collected (a failed or abandoned upload). */
  readonly blockOrphanDelaySecs: number
  readonly metadataFsync: boolean
  readonly dataFsync: boolean
  readonly s3: { readonly bindAddr: string; readonly region: string; readonly rootDomain: string | undefined }
  readonly admin: { readonly bindAddr: string; readonly adminToken: string | undefined; readonly metricsToken: string | undefined }
  readonly cluster: ClusterConfig
  /** [lifecycle]: how often this node applies the buckets' lifecycle rules to its share of the objects. */
  readonly lifecycle: { readonly intervalSecs: number }
  /** [s3_web]: the website endpoint; undefined (no section) runs none. */
  readonly web: WebConfig | undefined
}

/** The website endpoint (Garage's `[s3_web]`). */
export interface WebConfig {
  readonly bindAddr: string
  /** Host `<bucket>.<rootDomain>` serves the bucket named `<bucket>`; undefined: only a host equal to a bucket name. */
  readonly rootDomain: string | undefined
  /** The index document of a bucket whose website configuration names none. */
  readonly index: string
}

/** What `pollen start` serves websites on when its configuration has no [s3_web] (Garage's port). */
export const DEV_WEB_CONFIG: WebConfig = { bindAddr: "127.0.0.1:3902", rootDomain: "web.localhost", index: "index.html" }

/** The cluster settings (top-level fields named as in Garage's garage.toml). */
export interface ClusterConfig {
  readonly rpcBindAddr: string
  readonly rpcPublicAddr: string | undefined
  /** 32 bytes as 64 hex digits; undefined: generated once into <metadata_dir>/rpc_secret. */
  readonly rpcSecret: string | undefined
  readonly bootstrapPeers: ReadonlyArray<{ readonly id: string; readonly addr: string }>
  readonly replicationFactor: number
  readonly pingIntervalMs: number
  readonly nodeDownAfterMs: number
  /** Table quorums (docs/tables.md): consistent R = ceil(n/2), W = n + 1 - R; degraded R = 1; dangerous R = W = 1. */
  readonly consistencyMode: ConsistencyMode
}

export class ConfigError extends Error {}

type Table = Record<string, unknown>

/**
 * An upload must get its block references within half of the delay, measured on its
 * coordinator; holders measure it on their own clocks. An hour leaves room for slow
 * uploads, clock differences and nodes whose settings differ.
 */
const MIN_ORPHAN_DELAY_SECS = 3600

/** Lifecycle rules count in days: a pass more often than hourly would only repeat the scan. */
const MIN_LIFECYCLE_INTERVAL_SECS = 3600

const fields: Record<string, Record<string, "string" | "integer" | "boolean" | "string[]">> = {
  "": {
    data_dir: "string",
    metadata_dir: "string",
    block_size: "integer",
    inline_threshold: "integer",
    block_delete_delay_secs: "integer",
    block_orphan_delay_secs: "integer",
    metadata_fsync: "boolean",
    data_fsync: "boolean",
    rpc_bind_addr: "string",
    rpc_public_addr: "string",
    rpc_secret: "string",
    bootstrap_peers: "string[]",
    replication_factor: "integer",
    ping_interval_msecs: "integer",
    node_down_after_msecs: "integer",
    consistency_mode: "string",
  },
  s3_api: { api_bind_addr: "string", s3_region: "string", root_domain: "string" },
  admin: { api_bind_addr: "string", admin_token: "string", metrics_token: "string" },
  lifecycle: { interval_secs: "integer" },
  s3_web: { bind_addr: "string", root_domain: "string", index: "string" },
}

const check = (file: string, table: Table, section: string): void => {
  const spec = fields[section]!
  for (const [name, value] of Object.entries(table)) {
    const where = section === "" ? name : `${section}.${name}`
    if (section === "" && name in fields && name !== "") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`${file}: [${name}] must be a table`)
      check(file, value as Table, name)
      continue
    }
    const type = spec[name]
    if (type === undefined) throw new ConfigError(`${file}: unknown field '${where}' (see docs/configuration.md)`)
    const ok = type === "string[]" ? Array.isArray(value) && value.every((v) => typeof v === "string") : type === "string" ? typeof value === "string" : type === "boolean" ? typeof value === "boolean" : typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))
    if (!ok) throw new ConfigError(`${file}: field '${where}' must be ${type === "integer" ? "an integer" : type === "string[]" ? "an array of strings" : `a ${type}`}`)
  }
}

const str = (t: Table | undefined, k: string): string | undefined => (t?.[k] as string | undefined) ?? undefined
const int = (t: Table | undefined, k: string): number | undefined => (t?.[k] === undefined ? undefined : Number(t[k]))
const bool = (t: Table | undefined, k: string): boolean | undefined => t?.[k] as boolean | undefined

export const BIND_RE = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/

export const configFrom = (file: string, doc: Table, baseDir: string): Config => {
  check(file, doc, "")
  const s3 = doc["s3_api"] as Table | undefined
  const admin = doc["admin"] as Table | undefined
  const dataDir = resolve(baseDir, str(doc, "data_dir") ?? "data")
  const metadataDir = resolve(baseDir, str(doc, "metadata_dir") ?? resolve(dataDir, "meta"))
  const blockSize = int(doc, "block_size") ?? 1024 * 1024
  if (blockSize < 64 * 1024 || blockSize > 64 * 1024 * 1024) throw new ConfigError(`${file}: field 'block_size' must be between 65536 and 67108864`)
  const inlineThreshold = int(doc, "inline_threshold") ?? 8192
  if (inlineThreshold < 0 || inlineThreshold > 65536) throw new ConfigError(`${file}: field 'inline_threshold' must be between 0 and 65536`)
  const blockDeleteDelaySecs = int(doc, "block_delete_delay_secs") ?? 600
  if (blockDeleteDelaySecs < 0 || blockDeleteDelaySecs > 30 * 86400) throw new ConfigError(`${file}: field 'block_delete_delay_secs' must be between 0 and 2592000`)
  const blockOrphanDelaySecs = int(doc, "block_orphan_delay_secs") ?? 86400
  if (blockOrphanDelaySecs < MIN_ORPHAN_DELAY_SECS || blockOrphanDelaySecs > 30 * 86400)
    throw new ConfigError(`${file}: field 'block_orphan_delay_secs' must be between ${MIN_ORPHAN_DELAY_SECS} and 2592000`)
  const s3Bind = str(s3, "api_bind_addr") ?? "127.0.0.1:3900"
  const adminBind = str(admin, "api_bind_addr") ?? "127.0.0.1:3903"
  for (const [name, value] of [["s3_api.api_bind_addr", s3Bind], ["admin.api_bind_addr", adminBind]] as const)
    if (!BIND_RE.test(value)) throw new ConfigError(`${file}: field '${name}' must look like 127.0.0.1:3900, got '${value}'`)
  const region = str(s3, "s3_region") ?? "us-east-1"
  if (!/^[a-z0-9-]{1,64}$/.test(region)) throw new ConfigError(`${file}: field 's3_api.s3_region' must be lower-case letters, digits and '-'`)
  const rootDomain = str(s3, "root_domain")
  const lifecycleIntervalSecs = int(doc["lifecycle"] as Table | undefined, "interval_secs") ?? 86400
  if (lifecycleIntervalSecs < MIN_LIFECYCLE_INTERVAL_SECS || lifecycleIntervalSecs > 30 * 86400)
    throw new ConfigError(`${file}: field 'lifecycle.interval_secs' must be between ${MIN_LIFECYCLE_INTERVAL_SECS} and 2592000`)
  return {
    dataDir,
    metadataDir,
    blocksDir: resolve(dataDir, "blocks"),
    blockSize,
    inlineThreshold,
    blockDeleteDelaySecs,
    blockOrphanDelaySecs,
    metadataFsync: bool(doc, "metadata_fsync") ?? true,
    dataFsync: bool(doc, "data_fsync") ?? true,
    s3: { bindAddr: s3Bind, region, rootDomain: rootDomain === "" ? undefined : rootDomain?.replace(/^\./, "") },
    admin: { bindAddr: adminBind, adminToken: str(admin, "admin_token"), metricsToken: str(admin, "metrics_token") },
    cluster: clusterFrom(file, doc),
    lifecycle: { intervalSecs: lifecycleIntervalSecs },
    web: webFrom(file, doc["s3_web"] as Table | undefined),
  }
}

const webFrom = (file: string, web: Table | undefined): WebConfig | undefined => {
  if (web === undefined) return undefined
  const bindAddr = str(web, "bind_addr") ?? "127.0.0.1:3902"
  if (!BIND_RE.test(bindAddr)) throw new ConfigError(`${file}: field 's3_web.bind_addr' must look like 127.0.0.1:3902, got '${bindAddr.slice(0, 100)}'`)
  const rootDomain = str(web, "root_domain")?.replace(/^\./, "").toLowerCase()
  if (rootDomain !== undefined && rootDomain !== "" && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rootDomain))
    throw new ConfigError(`${file}: field 's3_web.root_domain' must be a domain name like web.example.com, got '${rootDomain.slice(0, 100)}'`)
  const index = str(web, "index") ?? "index.html"
  if (index === "" || index.includes("/")) throw new ConfigError(`${file}: field 's3_web.index' must be a file name without '/', like index.html`)
  return { bindAddr, rootDomain: rootDomain === "" ? undefined : rootDomain, index }
}

const PEER_RE = /^([0-9a-f]{64})@((\[[0-9a-fA-F:]+\]|[^:\s@]+):\d{1,5})$/

const clusterFrom = (file: string, doc: Table): ClusterConfig => {
  const rpcBindAddr = str(doc, "rpc_bind_addr") ?? "127.0.0.1:3901"
  if (!BIND_RE.test(rpcBindAddr)) throw new ConfigError(`${file}: field 'rpc_bind_addr' must look like 127.0.0.1:3901, got '${rpcBindAddr}'`)
  const rpcPublicAddr = str(doc, "rpc_public_addr")
  if (rpcPublicAddr !== undefined && !BIND_RE.test(rpcPublicAddr)) throw new ConfigError(`${file}: field 'rpc_public_addr' must look like 192.0.2.1:3901, got '${rpcPublicAddr}'`)
  const rpcSecret = str(doc, "rpc_secret")
  if (rpcSecret !== undefined && !/^[0-9a-fA-F]{64}$/.test(rpcSecret)) throw new ConfigError(`${file}: field 'rpc_secret' must be 64 hex digits (32 bytes; try \`openssl rand -hex 32\`)`)
  const bootstrapPeers = ((doc["bootstrap_peers"] as string[] | undefined) ?? []).map((p) => {
    const m = PEER_RE.exec(p)
    if (m === null) throw new ConfigError(`${file}: field 'bootstrap_peers' entries must look like <64 hex digit node id>@127.0.0.1:3901, got '${p.slice(0, 100)}'`)
    return { id: m[1]!, addr: m[2]! }
  })
  const replicationFactor = int(doc, "replication_factor") ?? 1
  if (replicationFactor < 1 || replicationFactor > 7) throw new ConfigError(`${file}: field 'replication_factor' must be between 1 and 7`)
  const pingIntervalMs = int(doc, "ping_interval_msecs") ?? 1000
  if (pingIntervalMs < 10 || pingIntervalMs > 60_000) throw new ConfigError(`${file}: field 'ping_interval_msecs' must be between 10 and 60000`)
  const nodeDownAfterMs = int(doc, "node_down_after_msecs") ?? 5000
  if (nodeDownAfterMs <= pingIntervalMs || nodeDownAfterMs > 600_000) throw new ConfigError(`${file}: field 'node_down_after_msecs' must be above ping_interval_msecs and at most 600000`)
  const consistencyMode = str(doc, "consistency_mode") ?? "consistent"
  if (!isConsistencyMode(consistencyMode)) throw new ConfigError(`${file}: field 'consistency_mode' must be consistent, degraded or dangerous, got '${consistencyMode.slice(0, 40)}'`)
  return { rpcBindAddr, rpcPublicAddr, rpcSecret: rpcSecret?.toLowerCase(), bootstrapPeers, replicationFactor, pingIntervalMs, nodeDownAfterMs, consistencyMode }
}

/** Reads a config file; `undefined` path means all defaults relative to the current directory. */
export const loadConfig = (path: string | undefined): Config => {
  if (path === undefined) return configFrom("(defaults)", {}, process.cwd())
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? "error"})`)
  }
  let doc: Table
  try {
    doc = parse(text) as Table
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "")
      throw new ConfigError(`${path}:${error.line}:${error.column}: ${first}`)
    }
    throw new ConfigError(`${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return configFrom(path, doc, resolve(path, ".."))
}

export const parseBind = (addr: string): { host: string; port: number } => {
  const m = BIND_RE.exec(addr)!
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) }
}
