// Layout history with update trackers (DESIGN §5.3; reference/garage.md §3). Pure functions
// over plain readonly data; names mirror spec/LayoutTransition.tla:
//
//   versions        the ACTIVE layout versions, oldest..current, contiguous numbers
//   ack[n]          n has seen version ack[n] and has no write in flight planned against an
//                   older current version (the ack lock)
//   sync[n]         n finished a full sync push that began when ackMin >= sync[n] and after
//                   its Merkle index covered every write it had acknowledged (the §3.8 gap)
//   syncAck[n]      n reads from version >= syncAck[n] (it observed ReadVersion >= syncAck[n])
//
// Trackers are grow-only per-node maxima, merged by max; a node missing from a tracker
// counts as MinStored, the oldest active version. Every function returns its input by
// reference when nothing changes, so callers can detect "no change" cheaply.

export type NodeId = string

/** One committed layout version: who holds each partition, and the quorums. */
export interface LayoutVersion {
  readonly version: number
  /** Every node with a role in this version (gateways included): they all must ack. */
  readonly nodes: readonly NodeId[]
  /** partitions[p] = the rf nodes holding partition p in this version. */
  readonly partitions: readonly (readonly NodeId[])[]
  /** W: acks needed in each partition set for a write (and for a sync push). */
  readonly writeQuorum: number
  /** R: replies needed from the read version's partition set for a read. */
  readonly readQuorum: number
}

export type Tracker = Readonly<Record<NodeId, number>>

export interface UpdateTrackers {
  readonly ack: Tracker
  readonly sync: Tracker
  readonly syncAck: Tracker
}

export interface LayoutHistory {
  /** Active versions, oldest first, contiguous; never empty. */
  readonly versions: readonly LayoutVersion[]
  readonly trackers: UpdateTrackers
}

export type TrackerName = keyof UpdateTrackers

export const emptyTrackers: UpdateTrackers = { ack: {}, sync: {}, syncAck: {} }

export const initialHistory = (first: LayoutVersion): LayoutHistory => ({ versions: [first], trackers: emptyTrackers })

export const currentVersion = (h: LayoutHistory): LayoutVersion => h.versions[h.versions.length - 1]!
export const current = (h: LayoutHistory): number => currentVersion(h).version
export const minStored = (h: LayoutHistory): number => h.versions[0]!.version
export const versionOf = (h: LayoutHistory, v: number): LayoutVersion | undefined => h.versions[v - minStored(h)]

/** tracker[n], where a node missing from the tracker counts as MinStored. */
export const trackerOf = (h: LayoutHistory, t: TrackerName, n: NodeId): number => Math.max(h.trackers[t][n] ?? 0, minStored(h))

/** Raises tracker[n] to at least v (grow-only). */
export const setMax = (tracker: Tracker, n: NodeId, v: number): Tracker =>
  (tracker[n] ?? Number.NEGATIVE_INFINITY) >= v ? tracker : { ...tracker, [n]: v }

const mergeTracker = (a: Tracker, b: Tracker): Tracker => {
  let out = a
  for (const n of Object.keys(b)) out = setMax(out, n, b[n]!)
  return out
}

/** Per-node max of each tracker: a join semilattice (commutative, associative, idempotent). */
export const mergeTrackers = (a: UpdateTrackers, b: UpdateTrackers): UpdateTrackers => {
  const ack = mergeTracker(a.ack, b.ack)
  const sync = mergeTracker(a.sync, b.sync)
  const syncAck = mergeTracker(a.syncAck, b.syncAck)
  return ack === a.ack && sync === a.sync && syncAck === a.syncAck ? a : { ack, sync, syncAck }
}

/** Raises tracker t of n to v; a no-op (same reference) when its effective value is already >= v. */
const withTracker = (h: LayoutHistory, t: TrackerName, n: NodeId, v: number): LayoutHistory => {
  if (trackerOf(h, t, n) >= v) return h
  return { ...h, trackers: { ...h.trackers, [t]: setMax(h.trackers[t], n, v) } }
}

/** AllNodes: every node with a role in some active version. */
export const allNodes = (h: LayoutHistory): NodeId[] => {
  const set = new Set<NodeId>()
  for (const v of h.versions) for (const n of v.nodes) set.add(n)
  return [...set].sort()
}

/** AckMin = min over AllNodes of ack[n]: every node (gateways too) has acked AckMin. */
export const ackMin = (h: LayoutHistory): number => Math.min(...allNodes(h).map((n) => trackerOf(h, "ack", n)))

/** The write sets of partition p: its node set in EVERY active version, oldest first. */
export const writeSets = (h: LayoutHistory, p: number): (readonly NodeId[])[] => h.versions.map((v) => v.partitions[p] ?? [])

/**
 * SyncedFor(r): for every active version v < r and every partition p, at least W_v nodes of
 * nodes_v(p) have sync >= r. Then every write that was acknowledged against v (stored on W_v
 * nodes of nodes_v(p)) is held by a node that later pushed it to a W-quorum of version r.
 */
export const syncedFor = (h: LayoutHistory, r: number): boolean =>
  h.versions.every(
    (v) =>
      v.version >= r ||
      v.partitions.every((set) => set.filter((n) => trackerOf(h, "sync", n) >= r).length >= v.writeQuorum),
  )

/**
 * ReadVersion = the newest active version r with SyncedFor(r). SyncedFor is downward closed
 * (sync >= r implies sync >= r' for r' < r, and fewer versions lie below r'), and holds for
 * MinStored vacuously, so this is well defined. It is Garage's `sync_map_min` stated
 * precisely: Garage also checks versions >= r except the current one, which is stricter
 * than needed.
 */
export const readVersion = (h: LayoutHistory): number => {
  for (let i = h.versions.length - 1; i > 0; i--) {
    const r = h.versions[i]!.version
    if (syncedFor(h, r)) return r
  }
  return minStored(h)
}

/**
 * AckFree = the newest version this node may ack: the current version, or the oldest
 * current-version-at-planning of a write still in flight (the ack lock).
 */
export const ackFree = (h: LayoutHistory, lockedVersions: readonly number[]): number =>
  Math.max(minStored(h), Math.min(current(h), ...lockedVersions))

/**
 * UpdateTrackers(self): ack[self] := AckFree, sync[self] >= MinStored, syncAck[self] :=
 * ReadVersion. Run after every change of the history or of the node's in-flight writes.
 */
export const updateOwnTrackers = (
  h: LayoutHistory,
  self: NodeId,
  lockedVersions: readonly number[],
  read: (h: LayoutHistory) => number = readVersion,
): LayoutHistory => {
  let out = withTracker(h, "ack", self, ackFree(h, lockedVersions))
  out = withTracker(out, "sync", self, minStored(out))
  out = withTracker(out, "syncAck", self, read(out))
  return out
}

/**
 * SyncTarget: the version a full sync started now may claim when it completes:
 * min(AckMin, ReadVersion + 1). AckMin: every write planned against an older current
 * version has finished, so the pusher holds it (Garage §3.5). ReadVersion + 1 ("sync
 * chaining", our addition): with three or more active versions, a sync for r + 1 by a node
 * of version r must begin only after the syncs for r finished pushing the writes of older
 * versions into version r; otherwise, once those older versions retire, ReadVersion may
 * reach r + 1 on the strength of syncs that began before the data arrived (see
 * proofs-notes/layout-transition.md, mutant `no-sync-chaining`).
 */
export const syncTarget = (h: LayoutHistory, read: (h: LayoutHistory) => number = readVersion): number =>
  Math.min(ackMin(h), read(h) + 1)

/** sync[self] := max(sync[self], target) once a sync planned for `target` completed. */
export const completeSync = (h: LayoutHistory, self: NodeId, target: number): LayoutHistory => withTracker(h, "sync", self, target)

/**
 * RetireOldest: versions[0] is retired while it is not the only version and every node of
 * the CURRENT version has syncAck > versions[0], i.e. no node that keeps serving still reads
 * from it. (Nodes outside the current version are leaving; they are Garage's documented
 * ASSUMPTION, and our models keep every node in every version.)
 * `enough(count, total)` decides how many current nodes must have switched: all of them.
 */
export const retireVersions = (
  h: LayoutHistory,
  enough: (switched: number, total: number) => boolean = (s, t) => s === t,
): LayoutHistory => {
  let out = h
  while (out.versions.length > 1) {
    const oldest = minStored(out)
    const nodes = currentVersion(out).nodes
    const switched = nodes.filter((n) => trackerOf(out, "syncAck", n) > oldest).length
    if (!enough(switched, nodes.length)) break
    out = { ...out, versions: out.versions.slice(1) }
  }
  return out
}

/**
 * Appends a committed version if it is the next one (version = current + 1); the content
 * of version v is decided by the layout commit (consensus), so equal numbers mean equal
 * versions.
 */
export const adoptVersion = (h: LayoutHistory, v: LayoutVersion): LayoutHistory =>
  v.version === current(h) + 1 ? { ...h, versions: [...h.versions, v] } : h

/**
 * Merge of a gossiped history. A node whose current version is older than the remote's
 * MinStored takes the remote versions wholesale (it missed whole transitions); otherwise it
 * appends the remote versions newer than its current one, in order. Trackers merge by max.
 * The caller then runs `updateOwnTrackers` and `retireVersions`.
 */
export const mergeHistory = (local: LayoutHistory, remote: LayoutHistory): LayoutHistory => {
  let versions = local.versions
  if (current(local) < minStored(remote)) versions = remote.versions
  else for (const v of remote.versions) if (v.version === versions[versions.length - 1]!.version + 1) versions = [...versions, v]
  const trackers = mergeTrackers(local.trackers, remote.trackers)
  return versions === local.versions && trackers === local.trackers ? local : { versions, trackers }
}

/** The version numbers of a history, for printing. */
export const describeHistory = (h: LayoutHistory): string => {
  const t = (name: TrackerName) =>
    Object.keys(h.trackers[name])
      .sort()
      .map((n) => `${n}:${h.trackers[name][n]}`)
      .join(",")
  return `v${h.versions.map((v) => v.version).join(",")} ack{${t("ack")}} sync{${t("sync")}} syncAck{${t("syncAck")}}`
}
