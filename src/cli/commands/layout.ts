// `pollen layout assign|remove|show|apply|revert|history`, through the admin API (Garage's
// `garage layout` commands: stage changes, look at the preview, then apply them).
import { parseArgs } from "node:util"
import { formatBytes } from "../../core/layout/assignment-report.ts"
import { CliError, commonOptions, withClient } from "./admin-client.ts"

const usage = `usage:
  pollen layout assign -z ZONE (-c CAPACITY | -g) [-t TAG ...] NODE...   stage a role (CAPACITY like 100G, 1T, 500GiB)
  pollen layout remove NODE...                                         stage the removal of nodes
  pollen layout show                                                   current layout, staged changes, preview
  pollen layout apply [--version N]                                    commit the staged changes as the next version
  pollen layout revert                                                 drop the staged changes
  pollen layout history                                                active versions and update trackers
NODE: a node id or a unique prefix of one (see pollen status).
options: -c pollen.toml, --admin-url URL, --token TOKEN (or POLLEN_ADMIN_URL / POLLEN_ADMIN_TOKEN)`

const UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15, ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40, pi: 2 ** 50 }

/** "100G" → 1e11 bytes; decimal units like Garage, binary with "i" (100GiB). */
export const parseCapacity = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]i?)?b?$/i.exec(text.trim())
  const unit = UNITS[(m?.[2] ?? "").toLowerCase()]
  const bytes = m === null || unit === undefined ? Number.NaN : Math.round(Number(m[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new CliError(`capacity '${text}' is not a size like 100G, 1T or 500GiB`)
  return bytes
}

interface Role {
  id: string
  zone: string
  capacity: number | null
  tags: string[]
  storedPartitions?: number | null
}
interface Layout {
  version: number
  roles: Role[]
  replicationFactor: number
  partitionSize: number
  stagedRoleChanges: (Role | { id: string; remove: true })[]
}

const roleLine = (r: Role): string =>
  `  ${r.id.slice(0, 16)}  ${r.zone.padEnd(10)} ${(r.capacity === null ? "gateway" : formatBytes(r.capacity)).padEnd(10)} ${r.storedPartitions === undefined || r.storedPartitions === null ? "" : `${r.storedPartitions} partitions`}${r.tags.length > 0 ? `  tags: ${r.tags.join(",")}` : ""}`

const printLayout = (l: Layout): void => {
  console.log(`Layout version ${l.version}${l.version > 0 ? ` (replication factor ${l.replicationFactor}, partition size ${formatBytes(l.partitionSize)})` : " (no layout applied yet)"}`)
  for (const r of l.roles) console.log(roleLine(r))
  if (l.stagedRoleChanges.length > 0) {
    console.log("\nStaged changes:")
    for (const c of l.stagedRoleChanges) console.log("remove" in c ? `  ${c.id.slice(0, 16)}  remove` : roleLine(c))
  }
}

/** Garage's `layout assign -c 1G`: `-c` followed by a size means --capacity, not the config file. */
const capacityFlag = (args: readonly string[]): string[] =>
  args[0] !== "assign" ? [...args] : args.map((a, i) => (a === "-c" && /^\d+(\.\d+)?\s*([kmgtp]i?)?b?$/i.test(args[i + 1] ?? "") ? "--capacity" : a))

export const run = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: capacityFlag(args),
    allowPositionals: true,
    options: {
      ...commonOptions,
      zone: { type: "string", short: "z" },
      capacity: { type: "string" },
      gateway: { type: "boolean", short: "g" },
      tag: { type: "string", short: "t", multiple: true },
      version: { type: "string" },
      yes: { type: "boolean" },
    },
  })
  const [sub, ...targets] = positionals
  if (values.help === true || sub === undefined) {
    console.log(usage)
    return sub === undefined && values.help !== true ? 2 : 0
  }
  return withClient(values, async (client) => {
    switch (sub) {
      case "assign": {
        if (targets.length === 0 || values.zone === undefined) throw new CliError("layout assign needs -z ZONE and at least one NODE")
        const capacity = values.gateway === true ? null : values.capacity !== undefined ? parseCapacity(values.capacity) : undefined
        if (capacity === undefined) throw new CliError("layout assign needs --capacity SIZE (or -g for a gateway)")
        const roles = targets.map((id) => ({ id, zone: values.zone!, capacity, tags: values.tag ?? [] }))
        const l = (await client.call("UpdateClusterLayout", { body: { roles } })) as Layout
        console.log(`Staged ${targets.length} role change(s). Run \`pollen layout show\` to preview, \`pollen layout apply --version ${l.version + 1}\` to apply.`)
        return 0
      }
      case "remove": {
        if (targets.length === 0) throw new CliError("layout remove needs at least one NODE")
        const l = (await client.call("UpdateClusterLayout", { body: { roles: targets.map((id) => ({ id, remove: true })) } })) as Layout
        console.log(`Staged the removal of ${targets.length} node(s). Apply with \`pollen layout apply --version ${l.version + 1}\`.`)
        return 0
      }
      case "show": {
        const l = (await client.call("GetClusterLayout")) as Layout
        printLayout(l)
        if (l.stagedRoleChanges.length > 0) {
          const p = (await client.call("PreviewClusterLayoutChanges", { body: {} })) as { error?: string; message?: string[] }
          console.log("")
          if (p.error !== undefined) console.log(`The staged changes cannot be applied: ${p.error}`)
          else console.log([`Version ${l.version + 1} would be:`, ...(p.message ?? [])].join("\n"))
        }
        return 0
      }
      case "apply": {
        const version = values.version === undefined ? undefined : Number(values.version)
        if (version !== undefined && !Number.isSafeInteger(version)) throw new CliError(`--version must be an integer, got '${values.version}'`)
        const r = (await client.call("ApplyClusterLayout", { body: version === undefined ? {} : { version } })) as { message: string[] }
        console.log(r.message.join("\n"))
        return 0
      }
      case "revert": {
        await client.call("RevertClusterLayout", { body: {} })
        console.log("Staged changes dropped.")
        return 0
      }
      case "history": {
        const h = (await client.call("GetClusterLayoutHistory")) as {
          currentVersion: number
          readVersion: number
          minAck: number
          versions: { version: number; status: string; storageNodes: number; gatewayNodes: number }[]
          updateTrackers: Record<string, { ack: number; sync: number; syncAck: number }>
        }
        console.log(`Current version ${h.currentVersion}, reads from version ${h.readVersion}, min ack ${h.minAck}`)
        console.log("\nVersion  Status    Storage  Gateways")
        for (const v of h.versions) console.log(`${String(v.version).padEnd(8)} ${v.status.padEnd(9)} ${String(v.storageNodes).padEnd(8)} ${v.gatewayNodes}`)
        console.log("\nNode              Ack  Sync  SyncAck")
        for (const [id, t] of Object.entries(h.updateTrackers)) console.log(`${id.slice(0, 16)}  ${String(t.ack).padEnd(4)} ${String(t.sync).padEnd(5)} ${t.syncAck}`)
        return 0
      }
    }
    console.error(usage)
    return 2
  })
}
