// `pollen start --nodes N`: N nodes in this process on one machine. Node i serves S3 on the
// configured S3 port + 10·i, RPC on the RPC port + 10·i, admin on the admin port + 10·i and
// websites (if any) on the web port + 10·i;
// node 0 keeps the configured data directory (so the CLI's defaults reach it), node i > 0
// lives in <data_dir>/node<i>. All share one RPC secret and list each other as bootstrap
// peers. Every node's S3 API serves the cluster-wide store (tables and blocks replicated
// over the nodes).
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { type Config, parseBind } from "../../node/config.ts"
import { loadOrCreateIdentity } from "../../node/identity.ts"
import { rpcSecretFor, type RunningNode } from "../../node/node.ts"

const shift = (addr: string, by: number): string => {
  const { host, port } = parseBind(addr)
  return `${host.includes(":") ? `[${host}]` : host}:${port === 0 ? 0 : port + by}`
}

/** The configurations of the N nodes of a local cluster built from `base`. */
export const localClusterConfigs = async (base: Config, count: number): Promise<Config[]> => {
  const dirs = Array.from({ length: count }, (_, i) => (i === 0 ? { data: base.dataDir, meta: base.metadataDir } : { data: join(base.dataDir, `node${i}`), meta: join(base.dataDir, `node${i}`, "meta") }))
  for (const d of dirs) mkdirSync(d.meta, { recursive: true })
  const ids = dirs.map((d) => loadOrCreateIdentity(d.meta).id)
  const secret = (await rpcSecretFor(base)).toString("hex")
  const rpcAddrs = dirs.map((_, i) => shift(base.cluster.rpcBindAddr, 10 * i))
  return dirs.map((d, i) => ({
    ...base,
    dataDir: d.data,
    metadataDir: d.meta,
    blocksDir: join(d.data, "blocks"),
    s3: { ...base.s3, bindAddr: shift(base.s3.bindAddr, 10 * i) },
    admin: { ...base.admin, bindAddr: shift(base.admin.bindAddr, 10 * i) },
    web: base.web === undefined ? undefined : { ...base.web, bindAddr: shift(base.web.bindAddr, 10 * i) },
    cluster: {
      ...base.cluster,
      rpcBindAddr: rpcAddrs[i]!,
      rpcPublicAddr: undefined,
      rpcSecret: secret,
      bootstrapPeers: ids.map((id, j) => ({ id, addr: rpcAddrs[j]! })).filter((_, j) => j !== i),
      // rf 1 is the single-node default; a local cluster replicates on up to 3 nodes.
      replicationFactor: base.cluster.replicationFactor === 1 ? Math.min(3, count) : base.cluster.replicationFactor,
    },
  }))
}

/**
 * On a fresh cluster (layout version 0, nothing staged), gives every node a role in zone
 * `local` with `capacityBytes` and applies it, so `npm start` is ready to use.
 */
export const applyInitialLayout = async (nodes: readonly RunningNode[], capacityBytes: number): Promise<string> => {
  const layout = nodes[0]!.cluster.layout
  const cur = layout.state.history.versions.at(-1)!.version
  if (cur > 0) return `Layout: version ${cur} (kept from the previous start)`
  for (const n of nodes) layout.stageRole(n.cluster.self, { zone: "local", capacity: capacityBytes, tags: [] })
  const v = await layout.apply(1)
  return `Layout: version ${v.version} applied (${nodes.length} node${nodes.length === 1 ? "" : "s"}, replication factor ${v.replicationFactor})`
}
