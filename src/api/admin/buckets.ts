// Admin endpoints for buckets, named after Garage's v2 admin API: ListBuckets, GetBucketInfo,
// CreateBucket, UpdateBucket (website access and quotas), DeleteBucket, AllowBucketKey,
// DenyBucketKey, AddBucketAlias, RemoveBucketAlias.
import type { Permission } from "../../node/access-keys.ts"
import type { Bucket, BucketQuotas, WebsiteConfig } from "../../node/object-store.ts"
import { bucketNameProblem } from "../s3/bucket-name.ts"
import { AdminError, badRequest, notFound } from "./admin-error.ts"
import { field, type AdminHandler, type AdminRequest } from "./context.ts"
import { findKey } from "./keys.ts"

const bucketInfo = async (req: AdminRequest, b: Bucket) => {
  const stats = await req.services.store.bucketStats(b.id)
  return {
    id: b.id,
    created: new Date(b.createdAt).toISOString(),
    globalAliases: b.aliases,
    websiteAccess: b.website !== undefined,
    // Garage's shape; a RedirectAllRequestsTo configuration (which Garage lacks) adds redirectAllRequestsTo.
    websiteConfig:
      b.website === undefined
        ? null
        : {
            indexDocument: b.website.indexSuffix ?? null,
            errorDocument: b.website.errorKey ?? null,
            ...(b.website.redirectAll !== undefined ? { redirectAllRequestsTo: { hostName: b.website.redirectAll.hostName, protocol: b.website.redirectAll.protocol ?? null } } : {}),
          },
    keys: req.services.keys
      .list()
      .filter((k) => k.buckets[b.id] !== undefined)
      .map((k) => ({ accessKeyId: k.id, name: k.name, permissions: k.buckets[b.id], bucketLocalAliases: [] })),
    objects: stats.objects,
    bytes: stats.bytes,
    unfinishedUploads: stats.uploads,
    quotas: { maxSize: b.quotas?.maxSize ?? null, maxObjects: b.quotas?.maxObjects ?? null },
    corsRules: b.cors ?? null,
  }
}

const findBucket = async (req: AdminRequest): Promise<Bucket> => {
  const store = req.services.store
  const id = req.query.get("id") ?? (field(req.body, "bucketId") as string | undefined) ?? null
  const alias = req.query.get("globalAlias")
  const search = req.query.get("search")
  let b: Bucket | undefined
  if (id !== null) b = await store.bucketById(String(id))
  else if (alias !== null) b = await store.bucketByName(alias)
  else if (search !== null) {
    b = await store.bucketByName(search)
    if (b === undefined) {
      const matches = (await store.listBuckets()).filter((x) => x.id.startsWith(search))
      if (matches.length > 1) throw badRequest(`'${search}' matches ${matches.length} buckets`)
      b = matches[0]
    }
  } else throw badRequest("Give ?id=, ?globalAlias= or ?search=")
  if (b === undefined) throw notFound("NoSuchBucket", "Bucket not found")
  return b
}

export const listBuckets: AdminHandler = async (req) => ({
  json: (await req.services.store.listBuckets()).map((b) => ({
    id: b.id,
    created: new Date(b.createdAt).toISOString(),
    globalAliases: b.aliases,
    localAliases: [],
  })),
})

export const getBucketInfo: AdminHandler = async (req) => ({ json: await bucketInfo(req, await findBucket(req)) })

export const createBucket: AdminHandler = async (req) => {
  const alias = field(req.body, "globalAlias")
  if (typeof alias !== "string") throw badRequest("globalAlias is required (local aliases are not supported yet)")
  const problem = bucketNameProblem(alias)
  if (problem !== undefined) throw new AdminError(400, "InvalidBucketName", problem)
  const { bucket, created } = await req.services.store.createBucket(alias)
  if (!created) throw new AdminError(409, "BucketAlreadyExists", `Bucket ${alias} already exists`)
  return { json: await bucketInfo(req, bucket) }
}

/** A quota: null (no limit) or a non-negative integer. */
const quotaValue = (quotas: unknown, name: "maxSize" | "maxObjects", current: number | null): number | null => {
  const v = field(quotas, name)
  if (v === undefined) return current
  if (v === null) return null
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw badRequest(`quotas.${name} must be null or a non-negative integer`)
  return v
}

/** Garage's websiteAccess: enabled with an index document (and an error document), or disabled. */
const websiteOf = (access: unknown): WebsiteConfig | undefined => {
  const enabled = field(access, "enabled")
  const index = field(access, "indexDocument")
  const error = field(access, "errorDocument")
  if (typeof enabled !== "boolean") throw badRequest("websiteAccess.enabled must be true or false")
  if (!enabled) {
    if (index != null || error != null) throw badRequest("Cannot specify indexDocument or errorDocument when disabling website access.")
    return undefined
  }
  if (typeof index !== "string" || index === "" || index.includes("/")) throw badRequest("Please specify indexDocument when enabling website access (a file name without '/').")
  if (error != null && (typeof error !== "string" || error === "")) throw badRequest("websiteAccess.errorDocument must be a key")
  return { indexSuffix: index, ...(typeof error === "string" ? { errorKey: error } : {}) }
}

export const updateBucket: AdminHandler = async (req) => {
  const b = await findBucket(req)
  const access = field(req.body, "websiteAccess")
  const quotas = field(req.body, "quotas")
  // everything is checked before anything is changed
  const website = access == null ? null : { config: websiteOf(access) }
  let newQuotas: BucketQuotas | null = null
  if (quotas != null) {
    if (typeof quotas !== "object" || Array.isArray(quotas)) throw badRequest("quotas must be an object")
    newQuotas = { maxSize: quotaValue(quotas, "maxSize", b.quotas?.maxSize ?? null), maxObjects: quotaValue(quotas, "maxObjects", b.quotas?.maxObjects ?? null) }
  }
  if (website !== null) await req.services.store.setWebsite(b.id, website.config)
  if (newQuotas !== null) await req.services.store.setQuotas(b.id, newQuotas)
  return { json: await bucketInfo(req, (await req.services.store.bucketById(b.id)) ?? b) }
}

export const deleteBucket: AdminHandler = async (req) => {
  const b = await findBucket(req)
  const result = await req.services.store.deleteBucket(b.id)
  if (result === "not-empty") throw new AdminError(409, "BucketNotEmpty", "The bucket is not empty")
  await req.services.keys.forgetBucket(b.id)
  return { json: null }
}

const permissions = (body: unknown): Partial<Permission> => {
  const p = field(body, "permissions")
  const out: { read?: boolean; write?: boolean; owner?: boolean } = {}
  for (const k of ["read", "write", "owner"] as const) {
    const v = field(p, k)
    if (v === true) out[k] = true
  }
  return out
}

const changePermission = (allow: boolean): AdminHandler => async (req) => {
  const b = await findBucket(req)
  const key = findKey(req)
  const requested = permissions(req.body)
  const flags: { -readonly [K in keyof Permission]?: boolean } = {}
  for (const [k, v] of Object.entries(requested) as [keyof Permission, boolean][]) if (v) flags[k] = allow
  await req.services.keys.setPermission(key.id, b.id, flags)
  return { json: await bucketInfo(req, (await req.services.store.bucketById(b.id)) ?? b) }
}

export const allowBucketKey = changePermission(true)
export const denyBucketKey = changePermission(false)

export const addBucketAlias: AdminHandler = async (req) => {
  const b = await findBucket(req)
  const alias = field(req.body, "globalAlias")
  if (typeof alias !== "string") throw badRequest("globalAlias is required")
  const problem = bucketNameProblem(alias)
  if (problem !== undefined) throw new AdminError(400, "InvalidBucketName", problem)
  const r = await req.services.store.addAlias(b.id, alias)
  if (r === "taken") throw new AdminError(409, "BucketAlreadyExists", `Alias ${alias} is used by another bucket`)
  return { json: await bucketInfo(req, (await req.services.store.bucketById(b.id)) ?? b) }
}

export const removeBucketAlias: AdminHandler = async (req) => {
  const b = await findBucket(req)
  const alias = field(req.body, "globalAlias")
  if (typeof alias !== "string") throw badRequest("globalAlias is required")
  const r = await req.services.store.removeAlias(b.id, alias)
  if (r === "last-alias") throw badRequest("Cannot remove the last alias of a bucket; delete the bucket instead")
  if (r === "no-such-alias") throw notFound("NoSuchBucket", `Alias ${alias} does not point to this bucket`)
  return { json: await bucketInfo(req, (await req.services.store.bucketById(b.id)) ?? b) }
}
