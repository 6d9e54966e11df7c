// `pollen bucket create|list|info|delete|allow|deny|alias|unalias|website|set-quotas`, through
// the admin API (Garage's CLI names).
import { parseArgs } from "node:util"
import { CliError, commonOptions, withClient, type AdminClient } from "./admin-client.ts"

const usage = `usage:
  pollen bucket create NAME
  pollen bucket list
  pollen bucket info BUCKET                     BUCKET: name or id prefix
  pollen bucket delete BUCKET --yes
  pollen bucket allow --read --write --owner BUCKET --key KEY
  pollen bucket deny  --read --write --owner BUCKET --key KEY
  pollen bucket alias BUCKET NEW_NAME
  pollen bucket unalias BUCKET NAME
  pollen bucket website --allow BUCKET [--index-document index.html] [--error-document KEY]
  pollen bucket website --deny BUCKET
  pollen bucket set-quotas BUCKET [--max-size SIZE|none] [--max-objects N|none]
                                               SIZE: bytes, or with K M G T (1000s) or KiB MiB GiB TiB
options: -c pollen.toml, --admin-url URL, --token TOKEN (or POLLEN_ADMIN_URL / POLLEN_ADMIN_TOKEN)`

interface BucketInfo {
  id: string
  created: string
  globalAliases: string[]
  keys: { accessKeyId: string; name: string; permissions: { read: boolean; write: boolean; owner: boolean } }[]
  objects: number
  bytes: number
  unfinishedUploads: number
  websiteAccess?: boolean
  websiteConfig?: { indexDocument: string | null; errorDocument: string | null } | null
  quotas?: { maxSize: number | null; maxObjects: number | null }
}

const UNITS: Record<string, number> = { "": 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 }

/** A quota argument: "none" (no limit), or a count / size with an optional unit. */
export const parseQuota = (raw: string, sized: boolean): number | null => {
  if (raw.toLowerCase() === "none") return null
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(raw.trim())
  const unit = m === null ? undefined : UNITS[m[2]!.toUpperCase()]
  if (m === null || unit === undefined || (!sized && unit !== 1)) throw new CliError(`cannot read ${JSON.stringify(raw)} as ${sized ? "a size (e.g. 10GiB)" : "a number"} or none`)
  const n = Math.floor(Number(m[1]) * unit)
  if (!Number.isSafeInteger(n)) throw new CliError(`${raw} is too large`)
  return n
}

const printInfo = (b: BucketInfo): void => {
  console.log(`Bucket:   ${b.id}`)
  console.log(`Created:  ${b.created}`)
  console.log(`Aliases:  ${b.globalAliases.join(", ")}`)
  console.log(`Objects:  ${b.objects}  (${b.bytes} bytes, ${b.unfinishedUploads} unfinished uploads)`)
  if (b.quotas !== undefined)
    console.log(`Quotas:   max size ${b.quotas.maxSize ?? "none"}, max objects ${b.quotas.maxObjects ?? "none"}`)
  if (b.websiteAccess !== undefined)
    console.log(`Website:  ${b.websiteAccess ? `yes (index ${b.websiteConfig?.indexDocument ?? "-"}, error document ${b.websiteConfig?.errorDocument ?? "none"})` : "no"}`)
  console.log("Keys:")
  for (const k of b.keys) {
    const p = k.permissions
    console.log(`  ${p.read ? "R" : " "}${p.write ? "W" : " "}${p.owner ? "O" : " "}  ${k.accessKeyId}  ${k.name}`)
  }
}

const find = async (client: AdminClient, target: string): Promise<BucketInfo> =>
  (await client.call("GetBucketInfo", { query: { search: target } })) as BucketInfo

export const run = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...commonOptions,
      read: { type: "boolean" },
      write: { type: "boolean" },
      owner: { type: "boolean" },
      key: { type: "string" },
      yes: { type: "boolean" },
      allow: { type: "boolean" },
      deny: { type: "boolean" },
      "index-document": { type: "string" },
      "error-document": { type: "string" },
      "max-size": { type: "string" },
      "max-objects": { type: "string" },
    },
  })
  const [sub, target, extra] = positionals
  if (values.help === true || sub === undefined) {
    console.log(usage)
    return sub === undefined && values.help !== true ? 2 : 0
  }
  return withClient(values, async (client) => {
    switch (sub) {
      case "create": {
        if (target === undefined) break
        const b = (await client.call("CreateBucket", { body: { globalAlias: target } })) as BucketInfo
        console.log(`Created bucket ${target} (${b.id})`)
        return 0
      }
      case "list": {
        const buckets = (await client.call("ListBuckets")) as { id: string; created: string; globalAliases: string[] }[]
        console.log("ID                Created                   Global aliases")
        for (const b of buckets) console.log(`${b.id.slice(0, 16)}  ${b.created}  ${b.globalAliases.join(", ")}`)
        return 0
      }
      case "info":
        if (target === undefined) break
        printInfo(await find(client, target))
        return 0
      case "delete": {
        if (target === undefined) break
        const b = await find(client, target)
        if (values.yes !== true) {
          console.error(`pollen: this deletes bucket ${b.globalAliases.join(", ")} (${b.id.slice(0, 16)}); add --yes to confirm`)
          return 1
        }
        await client.call("DeleteBucket", { query: { id: b.id }, body: {} })
        console.log(`Deleted bucket ${target}`)
        return 0
      }
      case "allow":
      case "deny": {
        if (target === undefined || values.key === undefined) break
        if (values.read !== true && values.write !== true && values.owner !== true) break
        const b = await find(client, target)
        const k = (await client.call("GetKeyInfo", { query: { search: values.key } })) as { accessKeyId: string }
        const info = (await client.call(sub === "allow" ? "AllowBucketKey" : "DenyBucketKey", {
          body: { bucketId: b.id, accessKeyId: k.accessKeyId, permissions: { read: values.read === true, write: values.write === true, owner: values.owner === true } },
        })) as BucketInfo
        printInfo(info)
        return 0
      }
      case "alias":
      case "unalias": {
        if (target === undefined || extra === undefined) break
        const b = await find(client, target)
        printInfo((await client.call(sub === "alias" ? "AddBucketAlias" : "RemoveBucketAlias", { body: { bucketId: b.id, globalAlias: extra } })) as BucketInfo)
        return 0
      }
      case "website": {
        if (target === undefined || values.allow === values.deny) break
        const b = await find(client, target)
        const websiteAccess = values.allow === true
          ? { enabled: true, indexDocument: values["index-document"] ?? "index.html", errorDocument: values["error-document"] ?? null }
          : { enabled: false }
        printInfo((await client.call("UpdateBucket", { query: { id: b.id }, body: { websiteAccess } })) as BucketInfo)
        return 0
      }
      case "set-quotas": {
        if (target === undefined || (values["max-size"] === undefined && values["max-objects"] === undefined)) break
        const quotas = {
          ...(values["max-size"] !== undefined ? { maxSize: parseQuota(values["max-size"], true) } : {}),
          ...(values["max-objects"] !== undefined ? { maxObjects: parseQuota(values["max-objects"], false) } : {}),
        }
        const b = await find(client, target)
        printInfo((await client.call("UpdateBucket", { query: { id: b.id }, body: { quotas } })) as BucketInfo)
        return 0
      }
    }
    console.error(usage)
    return 2
  })
}
