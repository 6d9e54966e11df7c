// Access keys and per-(key, bucket) permissions, like Garage's key table: ids are "GK" +
// 24 hex characters, secrets 64 hex characters; `allowCreateBucket` is the one key-level right.
// The node stores them in the cluster's key table (table-access-keys.ts).
import { randomBytes } from "node:crypto"

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
  /** Makes `get(id)` answer for a key this node may hold no copy of (called before authenticating). */
  prefetch?(id: string): Promise<void>
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
