// Admin endpoints for the cluster, named and shaped after Garage's v2 admin API:
// GetNodeInfo, GetClusterStatus, GetClusterHealth, ConnectClusterNodes, GetClusterLayout,
// UpdateClusterLayout, PreviewClusterLayoutChanges, ApplyClusterLayout, RevertClusterLayout,
// GetClusterLayoutHistory.
import { hostname } from "node:os"
import { Schema } from "effect"
import { decodeUntrusted } from "../../core/machine.ts"
import { formatAssignmentReport } from "../../core/layout/assignment-report.ts"
import { type ClusterLayout, type ClusterLayoutVersion, currentLayout, versions } from "../../core/layout/cluster-layout.ts"
import { ackMin, current, readVersion, trackerOf } from "../../core/layout/history.ts"
import type { ClusterService } from "../../node/cluster/cluster-service.ts"
import { LayoutError } from "../../node/cluster/layout-manager.ts"
import { AdminError, badRequest, notFound } from "./admin-error.ts"
import type { AdminHandler, AdminRequest } from "./context.ts"

const clusterOf = (req: AdminRequest): ClusterService => {
  const c = req.services.cluster
  if (c === undefined) throw new AdminError(501, "NotImplemented", "This node runs without a cluster")
  return c
}

/** Every node this node knows of: itself, its peers, and every node with a role. */
const knownIds = (c: ClusterService): string[] => {
  const ids = new Set<string>([c.self, ...c.peers().map((p) => p.id)])
  for (const v of versions(c.layout.state)) for (const id of Object.keys(v.roles)) ids.add(id)
  for (const id of Object.keys(c.layout.state.staging.roles)) ids.add(id)
  return [...ids].sort()
}

/** A full node id, or a unique prefix of a known one (as `garage layout assign` accepts). */
const resolveNode = (c: ClusterService, given: string): string => {
  if (/^[0-9a-f]{64}$/.test(given)) return given
  if (!/^[0-9a-f]{1,63}$/.test(given)) throw badRequest(`'${given.slice(0, 80)}' is not a node id or id prefix (hex)`)
  const matches = knownIds(c).filter((id) => id.startsWith(given))
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) throw notFound("NoSuchNode", `No known node id starts with '${given}'`)
  throw badRequest(`'${given}' matches ${matches.length} nodes; give more digits`)
}

const roleJson = (id: string, v: ClusterLayoutVersion) => {
  const r = v.roles[id]!
  const stored = r.capacity === null ? null : v.partitions.filter((set) => set.includes(id)).length
  return { id, zone: r.zone, capacity: r.capacity, tags: r.tags, storedPartitions: stored, usableCapacity: stored === null ? null : stored * v.partitionSize }
}

const layoutJson = (l: ClusterLayout) => {
  const v = currentLayout(l)
  return {
    version: v.version,
    roles: Object.keys(v.roles).sort().map((id) => roleJson(id, v)),
    parameters: { zoneRedundancy: v.zoneRedundancy === 0 ? "maximum" : { atLeast: v.zoneRedundancy } },
    replicationFactor: v.replicationFactor,
    partitionSize: v.partitionSize,
    stagedRoleChanges: Object.keys(l.staging.roles)
      .sort()
      .map((id) => {
        const r = l.staging.roles[id]!.role
        return r === null ? { id, remove: true } : { id, zone: r.zone, capacity: r.capacity, tags: r.tags }
      }),
    stagedParameters: null,
  }
}

const getNodeInfo: AdminHandler = async (req) => {
  const c = clusterOf(req)
  return { json: { nodeId: c.self, rpcAddr: c.publicAddr, hostname: hostname(), garageVersion: "pollen-0.1.0", layoutVersion: current(c.layout.state.history) } }
}

const getClusterStatus: AdminHandler = async (req) => {
  const c = clusterOf(req)
  const l = c.layout.state
  const cur = currentLayout(l)
  const peers = new Map(c.peers().map((p) => [p.id, p]))
  const draining = new Set(versions(l).flatMap((v) => Object.keys(v.roles)).filter((id) => cur.roles[id] === undefined))
  const nodes = knownIds(c)
    .filter((id) => id === c.self || peers.has(id) || cur.roles[id] !== undefined || draining.has(id))
    .map((id) => {
      const p = peers.get(id)
      const self = id === c.self
      return {
        id,
        garageVersion: "pollen-0.1.0",
        addr: self ? c.publicAddr : (p?.addr ?? null),
        hostname: self ? hostname() : (p?.hostname ?? null),
        isUp: self || p?.isUp === true,
        lastSeenSecsAgo: self ? 0 : (p?.lastSeenSecsAgo ?? null),
        layoutVersion: self ? cur.version : (p?.layoutVersion ?? null),
        draining: draining.has(id),
        role: cur.roles[id] === undefined ? null : { zone: cur.roles[id]!.zone, capacity: cur.roles[id]!.capacity, tags: cur.roles[id]!.tags },
        dataPartition: null,
        metadataPartition: null,
      }
    })
  return { json: { layoutVersion: cur.version, nodes } }
}

/** Health as Garage computes it (reference/garage.md §3.9), from this node's view of who is up. */
export const clusterHealth = (c: ClusterService) => {
  const l = c.layout.state
  const up = new Set([c.self, ...c.peers().filter((p) => p.isUp).map((p) => p.id)])
  const known = knownIds(c)
  const cur = currentLayout(l)
  const storage = Object.keys(cur.roles).filter((id) => cur.roles[id]!.capacity !== null)
  const active = versions(l).filter((v) => v.partitions.length > 0)
  const partitions = cur.partitions.length
  let quorum = 0
  let allOk = 0
  for (let p = 0; p < partitions; p++) {
    if (active.every((v) => v.partitions[p]!.filter((n) => up.has(n)).length >= v.writeQuorum)) quorum++
    if (active.every((v) => v.partitions[p]!.every((n) => up.has(n)))) allOk++
  }
  const status = partitions > 0 && allOk === partitions ? "healthy" : partitions > 0 && quorum === partitions ? "degraded" : "unavailable"
  return {
    status,
    knownNodes: known.length,
    connectedNodes: known.filter((id) => up.has(id)).length,
    storageNodes: storage.length,
    storageNodesUp: storage.filter((id) => up.has(id)).length,
    partitions,
    partitionsQuorum: quorum,
    partitionsAllOk: allOk,
  }
}

const getClusterHealth: AdminHandler = async (req) => ({ json: clusterHealth(clusterOf(req)) })

const getClusterLayout: AdminHandler = async (req) => ({ json: layoutJson(clusterOf(req).layout.state) })

const RoleChange = Schema.Union([
  Schema.Struct({ id: Schema.String, remove: Schema.Literal(true) }),
  Schema.Struct({
    id: Schema.String,
    zone: Schema.String.check(Schema.isMinLength(1)),
    capacity: Schema.NullOr(Schema.Number),
    tags: Schema.optional(Schema.Array(Schema.String)),
  }),
])
const decodeUpdate = decodeUntrusted(Schema.Struct({ roles: Schema.Array(RoleChange) }))

const updateClusterLayout: AdminHandler = async (req) => {
  const c = clusterOf(req)
  const d = decodeUpdate(req.body)
  if (!d.ok) throw badRequest('Expected {"roles": [{"id", "zone", "capacity" (bytes, or null for a gateway), "tags"} or {"id", "remove": true}]}')
  const changes = d.value.roles.map((r) => {
    const id = resolveNode(c, r.id)
    if ("remove" in r) {
      if (currentLayout(c.layout.state).roles[id] === undefined && c.layout.state.staging.roles[id] === undefined) {
        throw badRequest(`node ${id.slice(0, 16)} has no role to remove`)
      }
      return { id, role: null }
    }
    if (r.capacity !== null && (!Number.isSafeInteger(r.capacity) || r.capacity < 1)) throw badRequest(`capacity of ${id.slice(0, 16)} must be a positive number of bytes, or null for a gateway`)
    return { id, role: { zone: r.zone, capacity: r.capacity, tags: [...(r.tags ?? [])] } }
  })
  for (const ch of changes) c.layout.stageRole(ch.id, ch.role)
  return { json: layoutJson(c.layout.state) }
}

const previewClusterLayoutChanges: AdminHandler = async (req) => {
  const c = clusterOf(req)
  const next = c.layout.preview()
  if (!next.ok) return { json: { error: next.message } }
  return { json: { message: formatAssignmentReport(next.report), newLayout: { version: next.version.version, partitionSize: next.version.partitionSize } } }
}

const applyClusterLayout: AdminHandler = async (req) => {
  const c = clusterOf(req)
  const body = req.body as { version?: unknown } | undefined
  const version = body?.version
  if (version !== undefined && (typeof version !== "number" || !Number.isSafeInteger(version))) throw badRequest("version must be an integer")
  const next = c.layout.preview()
  try {
    const v = await c.layout.apply(version)
    const message = next.ok ? formatAssignmentReport(next.report) : []
    return { json: { message: [`Layout version ${v.version} committed.`, ...message], layout: layoutJson(c.layout.state) } }
  } catch (error) {
    if (error instanceof LayoutError) throw new AdminError(error.status, error.status === 503 ? "ServiceUnavailable" : error.status === 409 ? "Conflict" : "InvalidRequest", error.message)
    throw error
  }
}

const revertClusterLayout: AdminHandler = async (req) => {
  const c = clusterOf(req)
  c.layout.revert()
  return { json: layoutJson(c.layout.state) }
}

const getClusterLayoutHistory: AdminHandler = async (req) => {
  const c = clusterOf(req)
  const h = c.layout.state.history
  const cur = current(h)
  const nodes = [...new Set(versions(c.layout.state).flatMap((v) => v.nodes))].sort()
  return {
    json: {
      currentVersion: cur,
      minAck: nodes.length === 0 ? cur : ackMin(h),
      readVersion: readVersion(h),
      versions: [...versions(c.layout.state)].reverse().map((v) => ({
        version: v.version,
        status: v.version === cur ? "Current" : "Draining",
        storageNodes: Object.values(v.roles).filter((r) => r.capacity !== null).length,
        gatewayNodes: Object.values(v.roles).filter((r) => r.capacity === null).length,
      })),
      updateTrackers: Object.fromEntries(
        nodes.map((id) => [id, { ack: trackerOf(h, "ack", id), sync: trackerOf(h, "sync", id), syncAck: trackerOf(h, "syncAck", id) }]),
      ),
    },
  }
}

const decodeConnect = decodeUntrusted(Schema.Array(Schema.String))

const connectClusterNodes: AdminHandler = async (req) => {
  const c = clusterOf(req)
  const d = decodeConnect(req.body)
  if (!d.ok) throw badRequest('Expected ["<node id>@<host>:<port>", ...]')
  const results = []
  for (const s of d.value) {
    const m = /^([0-9a-f]{64})@(\S+:\d{1,5})$/.exec(s)
    if (m === null) {
      results.push({ success: false, error: `'${s.slice(0, 100)}' is not <node id>@<host>:<port>` })
      continue
    }
    await c.connect({ id: m[1]!, addr: m[2]! })
    results.push({ success: true, error: null })
  }
  return { json: results }
}

export const clusterRoutes: Record<string, { method: "GET" | "POST"; handler: AdminHandler }> = {
  GetNodeInfo: { method: "GET", handler: getNodeInfo },
  GetClusterStatus: { method: "GET", handler: getClusterStatus },
  GetClusterHealth: { method: "GET", handler: getClusterHealth },
  ConnectClusterNodes: { method: "POST", handler: connectClusterNodes },
  GetClusterLayout: { method: "GET", handler: getClusterLayout },
  UpdateClusterLayout: { method: "POST", handler: updateClusterLayout },
  PreviewClusterLayoutChanges: { method: "POST", handler: previewClusterLayoutChanges },
  ApplyClusterLayout: { method: "POST", handler: applyClusterLayout },
  RevertClusterLayout: { method: "POST", handler: revertClusterLayout },
  GetClusterLayoutHistory: { method: "GET", handler: getClusterLayoutHistory },
}
