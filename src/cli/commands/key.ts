// `pollen key create|list|info|delete|allow|deny`, through the admin API.
import { parseArgs } from "node:util"
import { commonOptions, withClient } from "./admin-client.ts"

const usage = `usage:
  pollen key create [NAME]                      new key; prints AWS_ACCESS_KEY_ID= / AWS_SECRET_ACCESS_KEY= lines
  pollen key list
  pollen key info KEY [--show-secret]           KEY: id, id prefix or name
  pollen key delete KEY --yes
  pollen key allow --create-bucket KEY
  pollen key deny --create-bucket KEY
options: -c pollen.toml, --admin-url URL, --token TOKEN (or POLLEN_ADMIN_URL / POLLEN_ADMIN_TOKEN)`

interface KeyInfo {
  name: string
  accessKeyId: string
  secretAccessKey: string | null
  permissions: { createBucket: boolean }
  buckets: { id: string; globalAliases: string[]; permissions: { read: boolean; write: boolean; owner: boolean } }[]
}

const printInfo = (k: KeyInfo): void => {
  console.log(`Key name:      ${k.name}`)
  console.log(`Key ID:        ${k.accessKeyId}`)
  if (k.secretAccessKey !== null) console.log(`Secret key:    ${k.secretAccessKey}`)
  console.log(`Can create buckets: ${k.permissions.createBucket}`)
  console.log("Buckets:")
  for (const b of k.buckets) {
    const p = b.permissions
    console.log(`  ${p.read ? "R" : " "}${p.write ? "W" : " "}${p.owner ? "O" : " "}  ${b.globalAliases.join(", ")}  ${b.id.slice(0, 16)}`)
  }
}

export const run = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...commonOptions, "show-secret": { type: "boolean" }, "create-bucket": { type: "boolean" }, yes: { type: "boolean" } },
  })
  const [sub, target] = positionals
  if (values.help === true || sub === undefined) {
    console.log(usage)
    return sub === undefined && values.help !== true ? 2 : 0
  }
  return withClient(values, async (client) => {
    switch (sub) {
      case "create": {
        const k = (await client.call("CreateKey", { body: { name: target ?? "" } })) as KeyInfo
        console.log(`AWS_ACCESS_KEY_ID=${k.accessKeyId}`)
        console.log(`AWS_SECRET_ACCESS_KEY=${k.secretAccessKey ?? ""}`)
        return 0
      }
      case "list": {
        const keys = (await client.call("ListKeys")) as { id: string; name: string; created: string }[]
        console.log("ID                          Created                   Name")
        for (const k of keys) console.log(`${k.id}  ${k.created}  ${k.name}`)
        return 0
      }
      case "info": {
        if (target === undefined) break
        printInfo((await client.call("GetKeyInfo", { query: { search: target, ...(values["show-secret"] === true ? { showSecretKey: "true" } : {}) } })) as KeyInfo)
        return 0
      }
      case "delete": {
        if (target === undefined) break
        const k = (await client.call("GetKeyInfo", { query: { search: target } })) as KeyInfo
        if (values.yes !== true) {
          console.error(`pollen: this deletes key ${k.accessKeyId} (${k.name}); add --yes to confirm`)
          return 1
        }
        await client.call("DeleteKey", { query: { id: k.accessKeyId }, body: {} })
        console.log(`Deleted key ${k.accessKeyId}`)
        return 0
      }
      case "allow":
      case "deny": {
        if (target === undefined || values["create-bucket"] !== true) break
        const k = (await client.call("GetKeyInfo", { query: { search: target } })) as KeyInfo
        const info = (await client.call("UpdateKey", { query: { id: k.accessKeyId }, body: { [sub]: { createBucket: true } } })) as KeyInfo
        printInfo(info)
        return 0
      }
    }
    console.error(usage)
    return 2
  })
}
