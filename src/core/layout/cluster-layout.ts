// The layout as the cluster holds it (DESIGN §5.3; reference/garage.md §2.3, §3): the
// history of active versions with their update trackers (history.ts), each version with
// the roles it was computed from, and the staged changes the next `apply` will install.
// Pure functions over plain data; every node holds one of these and merges what peers send.
import { computeAssignment } from "./assignment.ts"
import { assignmentReport, type AssignmentReport } from "./assignment-report.ts"
import {
  current,
  currentVersion,
  type LayoutHistory,
  type LayoutVersion,
  mergeHistory,
  retireVersions,
  updateOwnTrackers,
} from "./history.ts"
import type { LayoutNode, NodeId } from "./types.ts"
import { DEFAULT_PARTITION_COUNT } from "./types.ts"

/** A node's role: a zone, a capacity in bytes (null: a gateway that stores nothing) and tags. */
export interface NodeRole {
  readonly zone: string
  readonly capacity: number | null
  readonly tags: readonly string[]
}

/** One committed version: the history's view plus what it was computed from. */
export interface ClusterLayoutVersion extends LayoutVersion {
  readonly roles: Readonly<Record<NodeId, NodeRole>>
  readonly replicationFactor: number
  readonly zoneRedundancy: number
  readonly partitionSize: number
  /** The value the layout commit decided for this version (a digest of the content). */
  readonly layoutId: string
}

/** A staged change: a role, or null to remove the node; LWW by (ts, JSON of the change). */
export interface StagedRole {
  readonly ts: number
  readonly role: NodeRole | null
}

/** Changes for the next version. `stamp` is raised by apply and revert, which empty `roles`. */
export interface Staging {
  readonly stamp: number
  readonly roles: Readonly<Record<NodeId, StagedRole>>
}

export interface ClusterLayout {
  readonly history: LayoutHistory
  readonly staging: Staging
}

/** Version 0: no roles, no partitions; the cluster before its first `layout apply`. */
export const emptyVersion: ClusterLayoutVersion = {
  version: 0,
  nodes: [],
  partitions: [],
  writeQuorum: 0,
  readQuorum: 0,
  roles: {},
  replicationFactor: 0,
  zoneRedundancy: 0,
  partitionSize: 0,
  layoutId: "genesis",
}

export const emptyLayout: ClusterLayout = {
  history: { versions: [emptyVersion], trackers: { ack: {}, sync: {}, syncAck: {} } },
  staging: { stamp: 0, roles: {} },
}

export const versions = (l: ClusterLayout): readonly ClusterLayoutVersion[] => l.history.versions as readonly ClusterLayoutVersion[]
export const currentLayout = (l: ClusterLayout): ClusterLayoutVersion => currentVersion(l.history) as ClusterLayoutVersion

/** Consistent-mode quorums (DESIGN §5.2): R = ceil(rf/2), W = rf + 1 − R. */
export const quorumsFor = (rf: number): { readonly readQuorum: number; readonly writeQuorum: number } => {
  const readQuorum = Math.ceil(rf / 2)
  return { readQuorum, writeQuorum: rf + 1 - readQuorum }
}

// ---- staging ----------------------------------------------------------------------------

const laterStaged = (a: StagedRole, b: StagedRole): StagedRole => {
  if (a.ts !== b.ts) return a.ts > b.ts ? a : b
  return JSON.stringify(a.role) >= JSON.stringify(b.role) ? a : b
}

/** Stages `role` (null: removal) for `node` at time `now`, after any change already staged for it. */
export const stage = (l: ClusterLayout, node: NodeId, role: NodeRole | null, now: number): ClusterLayout => {
  const prev = l.staging.roles[node]
  const ts = Math.max(now, l.staging.stamp + 1, (prev?.ts ?? 0) + 1)
  return { ...l, staging: { ...l.staging, roles: { ...l.staging.roles, [node]: { ts, role } } } }
}

/** Drops every staged change (`layout revert`, and what `apply` does once committed). */
export const clearStaging = (l: ClusterLayout, now: number): ClusterLayout => {
  const latest = Math.max(l.staging.stamp, ...Object.values(l.staging.roles).map((r) => r.ts))
  return { ...l, staging: { stamp: Math.max(now, latest + 1), roles: {} } }
}

/** A join: the higher stamp wins whole; equal stamps merge per node, later change first. */
export const mergeStaging = (a: Staging, b: Staging): Staging => {
  if (a.stamp !== b.stamp) return a.stamp > b.stamp ? a : b
  let roles = a.roles
  for (const [id, r] of Object.entries(b.roles)) {
    const mine = roles[id]
    const winner = mine === undefined ? r : laterStaged(mine, r)
    if (winner !== mine) roles = { ...roles, [id]: winner }
  }
  return roles === a.roles ? a : { stamp: a.stamp, roles }
}

/** The roles the next version would have: the current roles with the staged changes applied. */
export const stagedRoles = (l: ClusterLayout): Record<NodeId, NodeRole> => {
  const roles: Record<NodeId, NodeRole> = { ...currentLayout(l).roles }
  for (const [id, r] of Object.entries(l.staging.roles)) {
    if (r.role === null) delete roles[id]
    else roles[id] = r.role
  }
  return roles
}

export const hasStagedChanges = (l: ClusterLayout): boolean => Object.keys(l.staging.roles).length > 0

// ---- the next version ---------------------------------------------------------------------

export type NextVersion =
  | { readonly ok: true; readonly version: Omit<ClusterLayoutVersion, "layoutId">; readonly report: AssignmentReport }
  | { readonly ok: false; readonly message: string }

/**
 * The version `apply` would install: the staged roles, assigned with `replicationFactor`,
 * moving as few replicas as possible from the current version. Deterministic, so a preview
 * (`layout show`) equals what `apply` installs.
 */
export const nextVersion = (l: ClusterLayout, replicationFactor: number, partitionCount = DEFAULT_PARTITION_COUNT): NextVersion => {
  if (!hasStagedChanges(l)) return { ok: false, message: "no staged changes: use `pollen layout assign` or `pollen layout remove` first" }
  const cur = currentLayout(l)
  const roles = stagedRoles(l)
  const ids = Object.keys(roles).sort()
  const nodes: LayoutNode[] = ids.map((id) => ({ id, zone: roles[id]!.zone, capacity: roles[id]!.capacity }))
  if (!nodes.some((n) => n.capacity !== null)) return { ok: false, message: "the new layout has no storage node (every node is a gateway or removed)" }
  const previous = cur.partitions.length === partitionCount ? cur.partitions : undefined
  const removedNodes = Object.keys(cur.roles).filter((id) => roles[id] === undefined)
  const result = computeAssignment({
    nodes,
    replicationFactor,
    zoneRedundancy: "maximum",
    partitionCount,
    ...(previous !== undefined ? { previous, removedNodes } : {}),
  })
  if (!result.ok) return { ok: false, message: result.error.message }
  const a = result.value
  return {
    ok: true,
    version: {
      version: cur.version + 1,
      nodes: ids,
      partitions: a.partitions,
      ...quorumsFor(a.replicationFactor),
      roles,
      replicationFactor: a.replicationFactor,
      zoneRedundancy: a.zoneRedundancy,
      partitionSize: a.partitionSize,
    },
    report: assignmentReport(nodes, a, previous),
  }
}

// ---- merging and trackers -----------------------------------------------------------------

/**
 * Merges a peer's layout into ours, then raises our own trackers and retires versions every
 * node of the current version reads past (history.ts). Returns `local` itself when nothing
 * changed. `lockedVersions`: current versions of writes this node still has in flight.
 */
export const mergeLayout = (local: ClusterLayout, remote: ClusterLayout, self: NodeId, lockedVersions: readonly number[] = []): ClusterLayout => {
  const merged = mergeHistory(local.history, remote.history)
  const history = refresh(merged, self, lockedVersions)
  const staging = mergeStaging(local.staging, remote.staging)
  return history === local.history && staging === local.staging ? local : { history, staging }
}

/** Own trackers up to date, retired versions dropped (run after every change of the history). */
export const refresh = (h: LayoutHistory, self: NodeId, lockedVersions: readonly number[] = []): LayoutHistory =>
  retireVersions(updateOwnTrackers(h, self, lockedVersions))

/** Appends a committed version (it must be current + 1) and clears the staging it came from. */
export const installVersion = (l: ClusterLayout, v: ClusterLayoutVersion, self: NodeId, now: number, lockedVersions: readonly number[] = []): ClusterLayout => {
  if (v.version !== current(l.history) + 1) return l
  const history = refresh({ ...l.history, versions: [...l.history.versions, v] }, self, lockedVersions)
  return clearStaging({ ...l, history }, now)
}

// ---- digest ---------------------------------------------------------------------------------

const fnv = (text: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )

/**
 * What status gossip carries: current version, active versions, and hashes of the trackers
 * and the staging. Two nodes with equal digests hold the same layout; a differing digest
 * makes the receiver pull the whole layout (reference/garage.md §3.3).
 */
export const layoutDigest = (l: ClusterLayout): string => {
  const vs = l.history.versions.map((v) => v.version)
  return `${current(l.history)}/${vs[0]}-${vs[vs.length - 1]}/${fnv(canonical(l.history.trackers))}/${fnv(canonical(l.staging))}`
}

/** The canonical text of a version's content, which the shell hashes into its layoutId. */
export const versionContent = (v: Omit<ClusterLayoutVersion, "layoutId">): string => canonical(v)
