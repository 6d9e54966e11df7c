// A Pollen node: the cluster service (RPC, membership, layout), the table layer (pollen
// tables on LMDB, quorum reads and writes, anti-entropy) and the block layer on top of it,
// the S3 API served from them (ClusterObjectStore), the admin API and, with an [s3_web]
// section, the website endpoint. A node of a one-node layout is the single-node case: same
// code path, quorums of one.
import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { createAdminServer } from "../api/admin/server.ts"
import { createS3Server } from "../api/s3/server.ts"
import { createWebServer } from "../api/web/server.ts"
import { pollenTables, type BlockRefRow, type BucketAliasRow, type BucketRow, type CounterRow, type KeyRow, type ObjectRow } from "../core/table/pollen/index.ts"
import { BucketCounters } from "./bucket-counters.ts"
import type { AccessKey, AccessKeyStore } from "./access-keys.ts"
import { countBlockReferences } from "./block-ref-counting.ts"
import { BlockStore } from "./block-store.ts"
import { BlockManager } from "./blocks/block-manager.ts"
import { RegistryBucketNames } from "./cluster/registry-bucket-names.ts"
import { ClusterObjectStore } from "./cluster-object-store.ts"
import { parseBind, type Config } from "./config.ts"
import { HlcClock } from "./hlc-clock.ts"
import { startIdleGc } from "./idle-gc.ts"
import { LifecycleWorker } from "./lifecycle.ts"
import { openMetadataDb } from "./metadata-db.ts"
import { RequestMetrics } from "./metrics.ts"
import { ClusterService } from "./cluster/cluster-service.ts"
import { loadOrCreateIdentity } from "./identity.ts"
import type { ObjectStore } from "./object-store.ts"
import { TableAccessKeyStore } from "./table-access-keys.ts"
import { layoutSyncDriver } from "./layout-sync.ts"
import { syncOnReconnect } from "./sync-on-reconnect.ts"
import { TableService } from "./table/table-service.ts"
import type { Table } from "./table/table.ts"

export interface RunningNode {
  readonly s3Url: string
  readonly adminUrl: string
  /** The website endpoint ([s3_web]); undefined when the configuration has none. */
  readonly webUrl: string | undefined
  readonly adminToken: string
  readonly store: ObjectStore
  readonly keys: AccessKeyStore
  /** Membership, layout and the RPC endpoint the tables and blocks below run on. */
  readonly cluster: ClusterService
  readonly tables: TableService
  readonly blocks: BlockManager
  /** Applies the buckets' lifecycle rules to this node's share of the objects (runOnce: a pass now). */
  readonly lifecycle: LifecycleWorker
  /** Creates (first start) or returns the persisted development key. */
  developmentKey(): Promise<AccessKey>
  close(): Promise<void>
}

const listen = (server: Server, addr: string): Promise<string> => {
  const { host, port } = parseBind(addr)
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      const a = server.address() as AddressInfo
      resolve(`http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`)
    })
  })
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })

/** The admin token: from the config, else generated once and kept in <metadata_dir>/admin_token. */
export const adminTokenFor = async (config: Config): Promise<string> => {
  if (config.admin.adminToken !== undefined) return config.admin.adminToken
  const path = join(config.metadataDir, "admin_token")
  try {
    return (await readFile(path, "utf8")).trim()
  } catch {
    const token = randomBytes(32).toString("base64url")
    await writeFile(path, `${token}\n`, { mode: 0o600 })
    return token
  }
}

/** The RPC secret: from the config, else generated once and kept in <metadata_dir>/rpc_secret. */
export const rpcSecretFor = async (config: Config): Promise<Buffer> => {
  if (config.cluster.rpcSecret !== undefined) return Buffer.from(config.cluster.rpcSecret, "hex")
  const path = join(config.metadataDir, "rpc_secret")
  try {
    const text = (await readFile(path, "utf8")).trim()
    if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, "hex")
    throw new Error(`${path} does not hold 64 hex digits`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
    const secret = randomBytes(32)
    await writeFile(path, `${secret.toString("hex")}\n`, { mode: 0o600 })
    return secret
  }
}

export interface StartOptions {
  readonly log?: (line: string) => void
  /** The S3 API's clock (request signatures); tests pass their own. */
  readonly now?: () => number
  /** The lifecycle worker's clock and first-pass delay; tests move the clock to age objects. */
  readonly lifecycle?: { readonly now?: () => number; readonly startDelayMs?: number; readonly intervalMs?: number }
}

export const startNode = async (config: Config, options: StartOptions = {}): Promise<RunningNode> => {
  await mkdir(config.metadataDir, { recursive: true })
  const db = openMetadataDb(config.metadataDir, config.metadataFsync)
  const blockFiles = new BlockStore(config.blocksDir, config.dataFsync)
  await blockFiles.init()
  const metrics = new RequestMetrics()
  const adminToken = await adminTokenFor(config)
  const log = options.log ?? ((line: string) => console.error(line))
  const identity = loadOrCreateIdentity(config.metadataDir)
  const nodeId = identity.id
  let cluster: ClusterService
  try {
    cluster = await ClusterService.start({
      identity,
      secret: await rpcSecretFor(config),
      bind: parseBind(config.cluster.rpcBindAddr),
      publicAddr: config.cluster.rpcPublicAddr,
      bootstrap: config.cluster.bootstrapPeers,
      replicationFactor: config.cluster.replicationFactor,
      pingIntervalMs: config.cluster.pingIntervalMs,
      downAfterMs: config.cluster.nodeDownAfterMs,
      dir: join(config.metadataDir, "cluster"),
      log,
    })
  } catch (error) {
    await db.close()
    throw error
  }
  // The table and block layers on the cluster's RPC and placement (docs/tables.md, docs/blocks.md).
  const clock = new HlcClock()
  const tables = new TableService({
    rpc: cluster.rpc,
    placement: cluster.placement,
    root: db.root,
    consistencyMode: config.cluster.consistencyMode,
    log,
  })
  for (const t of pollenTables) tables.add(t as never)
  const table = <E>(name: string): Table<E> => tables.table<E>(name)!
  const blocks = new BlockManager({
    rpc: cluster.rpc,
    placement: cluster.placement,
    store: blockFiles,
    db,
    log,
    deleteDelayMs: config.blockDeleteDelaySecs * 1000,
    orphanDelayMs: config.blockOrphanDelaySecs * 1000,
  })
  countBlockReferences(table<BlockRefRow>("block_ref"), blocks, log)
  tables.start()
  const sync = layoutSyncDriver(tables, blocks, log)
  cluster.layout.setSyncDriver(sync.driver)
  const stopReconnectSync = syncOnReconnect(cluster, tables, log, () => sync.nudge())
  const counters = new BucketCounters(table<ObjectRow>("object"), table<CounterRow>("counter"), cluster.placement, clock, cluster.self, db, log)
  // Atomic bucket names: the CASPaxos registry decides, its decisions are projected into tables.
  const names = new RegistryBucketNames(cluster.names, table<BucketAliasRow>("bucket_alias"), table<BucketRow>("bucket"), Date.now, log)
  const store = new ClusterObjectStore({
    tables,
    blocks,
    names,
    placement: cluster.placement,
    clock,
    blockSize: config.blockSize,
    inlineThreshold: config.inlineThreshold,
    counters,
  })
  const keys = new TableAccessKeyStore(table<KeyRow>("key"), cluster.placement, clock, db)
  const stopLayers = async () => {
    sync.stop()
    stopReconnectSync()
    counters.close()
    names.close()
    tables.stop()
    await cluster.close()
    // Requests and background rounds fail fast once the RPC is closed; LMDB must outlive them.
    await store.close()
    await tables.close()
    await blocks.close()
    await db.close()
  }
  const s3 = createS3Server({
    services: { store, keys, settings: { region: config.s3.region, rootDomain: config.s3.rootDomain } },
    metrics,
    log,
    ...(options.now !== undefined ? { now: options.now } : {}),
  })
  let s3Url: string
  try {
    s3Url = await listen(s3, config.s3.bindAddr)
  } catch (error) {
    await stopLayers()
    throw error
  }
  const admin = createAdminServer(
    {
      store,
      keys,
      metrics,
      adminToken,
      metricsToken: config.admin.metricsToken,
      cluster,
      node: { id: nodeId, s3Address: s3Url.replace(/^http:\/\//, ""), region: config.s3.region, startedAt: Date.now() },
    },
    log,
  )
  let adminUrl: string
  try {
    adminUrl = await listen(admin, config.admin.bindAddr)
  } catch (error) {
    await closeServer(s3)
    await stopLayers()
    throw error
  }
  // The website endpoint, only with an [s3_web] section (as in Garage).
  let web: Server | undefined
  let webUrl: string | undefined
  if (config.web !== undefined) {
    web = createWebServer({ store, metrics, log, settings: { rootDomain: config.web.rootDomain, index: config.web.index } })
    try {
      webUrl = await listen(web, config.web.bindAddr)
    } catch (error) {
      await Promise.all([closeServer(s3), closeServer(admin)])
      await stopLayers()
      throw error
    }
  }
  let closed = false
  const stopIdleGc = startIdleGc()
  const lifecycle = new LifecycleWorker({
    store,
    objects: table<ObjectRow>("object").store,
    placement: cluster.placement,
    self: cluster.self,
    upNodes: () => new Set(cluster.peers().flatMap((p) => (p.isUp ? [p.id] : []))),
    now: options.lifecycle?.now ?? Date.now,
    intervalMs: options.lifecycle?.intervalMs ?? config.lifecycle.intervalSecs * 1000,
    state: db.table<string>("lifecycle"),
    log,
    ...(options.lifecycle?.startDelayMs !== undefined ? { startDelayMs: options.lifecycle.startDelayMs } : {}),
  })
  lifecycle.start()
  return {
    s3Url,
    adminUrl,
    webUrl,
    adminToken,
    store,
    keys,
    cluster,
    tables,
    blocks,
    lifecycle,
    developmentKey: async () => {
      const id = keys.setting("development_key")
      const existing = id === undefined ? undefined : keys.get(id)
      if (existing !== undefined) return existing
      const key = await keys.create("development", true)
      await keys.setSetting("development_key", key.id)
      return key
    },
    close: async () => {
      if (closed) return
      closed = true
      stopIdleGc()
      await lifecycle.close()
      await Promise.all([closeServer(s3), closeServer(admin), ...(web === undefined ? [] : [closeServer(web)])])
      await stopLayers()
    },
  }
}
