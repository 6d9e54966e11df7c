// Access keys and per-(key, bucket) permissions, like Garage's key table: ids are "GK" +
// 24 hex characters, secrets 64 hex characters; `allowCreateBucket` is the one key-level right.
import { randomBytes } from "node:crypto"
import type { MetadataDb } from "./metadata-db.ts"

export interface Permission {
  readonly read: boolean
  readonly write: boolean
  readonly owner: boolean
}

export interface AccessKey {
  readonly id: string
  readonly secret: string
  readonly name: string
  readonly createdAt: number
  readonly allowCreateBucket: boolean
  /** bucket id → permission. */
  readonly buckets: Readonly<Record<string, Permission>>
}

export const NO_PERMISSION: Permission = { read: false, write: false, owner: false }

export const newKeyId = (): string => `GK${randomBytes(12).toString("hex")}`
export const newSecret = (): string => randomBytes(32).toString("hex")

export interface AccessKeyStore {
  get(id: string): AccessKey | undefined
  list(): readonly AccessKey[]
  create(name: string, allowCreateBucket?: boolean): Promise<AccessKey>
  /** Stores a key with a given id and secret (e.g. the development key). */
  import(key: AccessKey): Promise<void>
  delete(id: string): Promise<boolean>
  update(id: string, change: (key: AccessKey) => AccessKey): Promise<AccessKey | undefined>
  /** Sets or clears flags of one (key, bucket) permission. */
  setPermission(id: string, bucketId: string, flags: Partial<Permission>): Promise<AccessKey | undefined>
  /** Removes a bucket from every key (after the bucket is deleted). */
  forgetBucket(bucketId: string): Promise<void>
  setting(name: string): string | undefined
  setSetting(name: string, value: string): Promise<void>
}

export const permissionOf = (key: AccessKey, bucketId: string): Permission => key.buckets[bucketId] ?? NO_PERMISSION

export class LmdbAccessKeyStore implements AccessKeyStore {
  private readonly keys
  private readonly settings

  constructor(private readonly db: MetadataDb) {
    this.keys = db.table<AccessKey>("keys")
    this.settings = db.table<string>("settings")
  }

  get(id: string): AccessKey | undefined {
    if (id.length === 0 || id.length > 128) return undefined
    return this.keys.get(id)
  }

  list(): readonly AccessKey[] {
    return [...this.keys.getRange({}).map(({ value }) => value)]
  }

  async create(name: string, allowCreateBucket = true): Promise<AccessKey> {
    const key: AccessKey = { id: newKeyId(), secret: newSecret(), name, createdAt: Date.now(), allowCreateBucket, buckets: {} }
    await this.keys.put(key.id, key)
    return key
  }

  async import(key: AccessKey): Promise<void> {
    await this.keys.put(key.id, key)
  }

  async delete(id: string): Promise<boolean> {
    return this.keys.remove(id)
  }

  async update(id: string, change: (key: AccessKey) => AccessKey): Promise<AccessKey | undefined> {
    return this.db.root.transactionSync(() => {
      const key = this.keys.get(id)
      if (key === undefined) return undefined
      const next = change(key)
      this.keys.putSync(id, next)
      return next
    })
  }

  async setPermission(id: string, bucketId: string, flags: Partial<Permission>): Promise<AccessKey | undefined> {
    return this.update(id, (key) => {
      const merged = { ...permissionOf(key, bucketId), ...flags }
      const buckets = { ...key.buckets }
      if (merged.read || merged.write || merged.owner) buckets[bucketId] = merged
      else delete buckets[bucketId]
      return { ...key, buckets }
    })
  }

  async forgetBucket(bucketId: string): Promise<void> {
    for (const key of this.list())
      if (key.buckets[bucketId] !== undefined) await this.setPermission(key.id, bucketId, NO_PERMISSION)
  }

  setting(name: string): string | undefined {
    return this.settings.get(name)
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.settings.put(name, value)
  }
}
