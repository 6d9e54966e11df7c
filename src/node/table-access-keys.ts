// Access keys on the cluster's full-copy key table, so that a key and its bucket
// permissions work on every node. Reads are this node's copy (the S3 layer authenticates
// synchronously); writes are quorum writes to every node, so a key created on one node is
// usable on another as soon as the write reached it (at once on a healthy cluster, else
// after anti-entropy). Node-local settings (which key is the development key) stay in LMDB.
import { lww, present, type Hlc } from "../core/crdt/index.ts"
import { partitionOfRow } from "../core/table/keys.ts"
import type { KeyParams, KeyRow } from "../core/table/pollen/index.ts"
import { newKeyId, newSecret, NO_PERMISSION, type AccessKey, type AccessKeyStore, type Permission } from "./access-keys.ts"
import type { Placement } from "./cluster/interfaces.ts"
import type { HlcClock } from "./hlc-clock.ts"
import type { MetadataDb } from "./metadata-db.ts"
import { StoreUnavailableError } from "./object-store.ts"
import { QuorumError, type Table } from "./table/table.ts"

const granted = (p: Permission): boolean => p.read || p.write || p.owner

const toKey = (row: KeyRow | undefined): AccessKey | undefined => {
  if (row === undefined || row.state._tag !== "Present") return undefined
  const p = row.state.value
  const buckets: Record<string, Permission> = {}
  for (const [bucket, perm] of Object.entries(p.authorizedBuckets)) if (granted(perm.value)) buckets[bucket] = perm.value
  return { id: row.id, secret: p.secret, name: p.name.value, createdAt: p.createdAt, allowCreateBucket: p.allowCreateBucket.value, buckets }
}

const samePermission = (a: Permission, b: Permission): boolean => a.read === b.read && a.write === b.write && a.owner === b.owner

/** How long a key read from peers (this node holds no copy: a gateway) answers locally. */
const REMOTE_TTL_MS = 5_000

export class TableAccessKeyStore implements AccessKeyStore {
  private readonly settings
  /** Keys this node does not hold, as last read from a quorum (undefined: no such key). */
  private readonly remote = new Map<string, { readonly row: KeyRow | undefined; readonly at: number }>()

  constructor(
    private readonly keys: Table<KeyRow>,
    private readonly placement: Placement,
    private readonly clock: HlcClock,
    db: MetadataDb,
  ) {
    this.settings = db.table<string>("settings")
  }

  get(id: string): AccessKey | undefined {
    if (id.length === 0 || id.length > 128) return undefined
    return toKey(this.keys.store.get("", id) ?? this.remote.get(id)?.row)
  }

  /** A key this node holds no copy of (a gateway, or a write that has not reached it) is read from a quorum. */
  async prefetch(id: string): Promise<void> {
    if (id.length === 0 || id.length > 128 || this.keys.store.get("", id) !== undefined) return
    const cached = this.remote.get(id)
    if (cached !== undefined && Date.now() - cached.at < REMOTE_TTL_MS) return
    await this.readRemote(id)
  }

  private async readRemote(id: string): Promise<KeyRow | undefined> {
    let row: KeyRow | undefined
    try {
      row = await this.keys.get("", id)
    } catch (e) {
      throw e instanceof QuorumError ? new StoreUnavailableError(e.message) : e
    }
    if (this.remote.size > 10_000) this.remote.clear()
    this.remote.set(id, { row, at: Date.now() })
    return row
  }

  list(): readonly AccessKey[] {
    const store = this.keys.store
    const p = partitionOfRow("partitionKey", "", "", store.partitionCount)
    const out: AccessKey[] = []
    for (const { row } of store.range(p, "", "", undefined, Number.MAX_SAFE_INTEGER)) {
      const d = store.codec.decode(row)
      const key = d.ok ? toKey(d.value) : undefined
      if (key !== undefined) out.push(key)
    }
    return out
  }

  async create(name: string, allowCreateBucket = true): Promise<AccessKey> {
    const key: AccessKey = { id: newKeyId(), secret: newSecret(), name, createdAt: Date.now(), allowCreateBucket, buckets: {} }
    await this.import(key)
    return key
  }

  async import(key: AccessKey): Promise<void> {
    const ts = this.clock.now()
    const authorizedBuckets: Record<string, KeyParams["authorizedBuckets"][string]> = {}
    for (const [bucket, perm] of Object.entries(key.buckets)) authorizedBuckets[bucket] = lww(ts, perm)
    const params: KeyParams = {
      secret: key.secret,
      name: lww(ts, key.name),
      createdAt: key.createdAt,
      allowCreateBucket: lww(ts, key.allowCreateBucket),
      authorizedBuckets,
      localAliases: {},
    }
    await this.write({ id: key.id, state: present(params) })
  }

  async delete(id: string): Promise<boolean> {
    if (this.get(id) === undefined) return false
    await this.write({ id, state: { _tag: "Deleted" } })
    return true
  }

  async update(id: string, change: (key: AccessKey) => AccessKey): Promise<AccessKey | undefined> {
    const local = this.keys.store.get("", id)
    const row = local ?? (await this.readRemote(id))
    const before = toKey(row)
    if (before === undefined || row?.state._tag !== "Present") return undefined
    const after = change(before)
    const ts: Hlc = this.clock.now()
    const p = row.state.value
    // Only the fields that changed get the new timestamp: concurrent changes of other fields survive.
    const authorizedBuckets = { ...p.authorizedBuckets }
    for (const bucket of new Set([...Object.keys(before.buckets), ...Object.keys(after.buckets)])) {
      const was = before.buckets[bucket] ?? NO_PERMISSION
      const now = after.buckets[bucket] ?? NO_PERMISSION
      if (!samePermission(was, now)) authorizedBuckets[bucket] = lww(ts, { read: now.read, write: now.write, owner: now.owner })
    }
    const params: KeyParams = {
      ...p,
      name: after.name === before.name ? p.name : lww(ts, after.name),
      allowCreateBucket: after.allowCreateBucket === before.allowCreateBucket ? p.allowCreateBucket : lww(ts, after.allowCreateBucket),
      authorizedBuckets,
    }
    const next: KeyRow = { id, state: present(params) }
    await this.write(next)
    if (local === undefined) this.remote.set(id, { row: next, at: Date.now() })
    return toKey(this.keys.store.get("", id)) ?? after
  }

  async setPermission(id: string, bucketId: string, flags: Partial<Permission>): Promise<AccessKey | undefined> {
    return this.update(id, (key) => {
      const merged = { ...(key.buckets[bucketId] ?? NO_PERMISSION), ...flags }
      const buckets = { ...key.buckets }
      if (granted(merged)) buckets[bucketId] = merged
      else delete buckets[bucketId]
      return { ...key, buckets }
    })
  }

  async forgetBucket(bucketId: string): Promise<void> {
    for (const key of this.list()) if (key.buckets[bucketId] !== undefined) await this.setPermission(key.id, bucketId, NO_PERMISSION)
  }

  setting(name: string): string | undefined {
    return this.settings.get(name)
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.settings.put(name, value)
  }

  private async write(row: KeyRow): Promise<void> {
    if (this.placement.currentVersion() === 0) throw new StoreUnavailableError("no cluster layout has been applied yet")
    try {
      await this.keys.insert(row)
    } catch (e) {
      throw e instanceof QuorumError ? new StoreUnavailableError(e.message) : e
    }
  }
}
