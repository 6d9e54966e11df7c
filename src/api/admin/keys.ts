// Admin endpoints for access keys, named after Garage's v2 admin API: ListKeys, GetKeyInfo,
// CreateKey, ImportKey, UpdateKey, DeleteKey.
import { permissionOf, type AccessKey } from "../../node/access-keys.ts"
import { AdminError, badRequest, notFound } from "./admin-error.ts"
import { field, type AdminHandler, type AdminRequest } from "./context.ts"

export const keyInfo = async (req: AdminRequest, key: AccessKey, showSecret: boolean) => {
  const buckets = []
  for (const [bucketId, perm] of Object.entries(key.buckets)) {
    const b = await req.services.store.bucketById(bucketId)
    if (b !== undefined) buckets.push({ id: b.id, globalAliases: b.aliases, localAliases: [], permissions: perm })
  }
  return {
    name: key.name,
    accessKeyId: key.id,
    secretAccessKey: showSecret ? key.secret : null,
    created: new Date(key.createdAt).toISOString(),
    expiration: null,
    expired: false,
    permissions: { createBucket: key.allowCreateBucket },
    buckets,
  }
}

export const findKey = (req: AdminRequest): AccessKey => {
  const id = req.query.get("id") ?? (field(req.body, "accessKeyId") as string | undefined)
  const search = req.query.get("search")
  const keys = req.services.keys
  if (id !== undefined && id !== null) {
    const key = keys.get(String(id))
    if (key === undefined) throw notFound("NoSuchAccessKey", `Access key ${String(id).slice(0, 64)} not found`)
    return key
  }
  if (search !== null) {
    const matches = keys.list().filter((k) => k.id.startsWith(search) || k.name === search)
    if (matches.length === 1) return matches[0]!
    if (matches.length > 1) throw badRequest(`'${search}' matches ${matches.length} keys`)
    throw notFound("NoSuchAccessKey", `No key matches '${search.slice(0, 64)}'`)
  }
  throw badRequest("Give ?id=<access key id> or ?search=<prefix or name>")
}

const flag = (body: unknown, group: string): boolean | undefined => {
  const g = field(body, group)
  const v = field(g, "createBucket")
  return typeof v === "boolean" ? v : undefined
}

export const listKeys: AdminHandler = async (req) => ({
  json: req.services.keys.list().map((k) => ({ id: k.id, name: k.name, created: new Date(k.createdAt).toISOString(), expiration: null, expired: false })),
})

export const getKeyInfo: AdminHandler = async (req) => ({
  json: await keyInfo(req, findKey(req), req.query.get("showSecretKey") === "true"),
})

export const createKey: AdminHandler = async (req) => {
  const name = field(req.body, "name")
  if (name !== undefined && typeof name !== "string") throw badRequest("name must be a string")
  const key = await req.services.keys.create(name ?? "")
  const allow = flag(req.body, "allow")
  const deny = flag(req.body, "deny")
  const updated = allow === true || deny === true ? await req.services.keys.update(key.id, (k) => ({ ...k, allowCreateBucket: deny === true ? false : true })) : key
  return { json: await keyInfo(req, updated ?? key, true) }
}

export const importKey: AdminHandler = async (req) => {
  const id = field(req.body, "accessKeyId")
  const secret = field(req.body, "secretAccessKey")
  const name = field(req.body, "name")
  if (typeof id !== "string" || !/^GK[0-9a-f]{24}$/.test(id)) throw badRequest("accessKeyId must be GK followed by 24 hex digits")
  if (typeof secret !== "string" || !/^[0-9a-f]{64}$/.test(secret)) throw badRequest("secretAccessKey must be 64 hex digits")
  if (req.services.keys.get(id) !== undefined) throw new AdminError(409, "KeyAlreadyExists", `Key ${id} already exists`)
  const key: AccessKey = { id, secret, name: typeof name === "string" ? name : "", createdAt: Date.now(), allowCreateBucket: false, buckets: {} }
  await req.services.keys.import(key)
  return { json: await keyInfo(req, key, true) }
}

export const updateKey: AdminHandler = async (req) => {
  const key = findKey(req)
  const name = field(req.body, "name")
  const allow = flag(req.body, "allow")
  const deny = flag(req.body, "deny")
  const updated = await req.services.keys.update(key.id, (k) => ({
    ...k,
    name: typeof name === "string" ? name : k.name,
    allowCreateBucket: deny === true ? false : allow === true ? true : k.allowCreateBucket,
  }))
  return { json: await keyInfo(req, updated ?? key, false) }
}

export const deleteKey: AdminHandler = async (req) => {
  const key = findKey(req)
  await req.services.keys.delete(key.id)
  return { json: null }
}

export const keyPermission = permissionOf
