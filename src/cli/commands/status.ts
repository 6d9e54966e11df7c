// `pollen status`: the cluster as one node sees it (nodes, zones, capacity, up/down, layout
// version each node holds, health, and sync progress while a layout transition runs).
import { parseArgs } from "node:util"
import { formatBytes } from "../../core/layout/assignment-report.ts"
import { commonOptions, withClient } from "./admin-client.ts"

interface StatusNode {
  id: string
  addr: string | null
  hostname: string | null
  isUp: boolean
  lastSeenSecsAgo: number | null
  layoutVersion: number | null
  draining: boolean
  role: { zone: string; capacity: number | null; tags: string[] } | null
}
interface Health {
  status: string
  knownNodes: number
  connectedNodes: number
  storageNodes: number
  storageNodesUp: number
  partitions: number
  partitionsQuorum: number
  partitionsAllOk: number
}
interface History {
  currentVersion: number
  readVersion: number
  minAck: number
  versions: { version: number; status: string }[]
  updateTrackers: Record<string, { ack: number; sync: number; syncAck: number }>
}

const bar = (done: number, total: number): string => {
  const width = 20
  const filled = total === 0 ? width : Math.round((done / total) * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`
}

export const run = async (args: readonly string[]): Promise<number> => {
  const { values } = parseArgs({ args: [...args], options: commonOptions })
  if (values.help === true) {
    console.log("usage: pollen status [-c pollen.toml] [--admin-url URL] [--token TOKEN]")
    return 0
  }
  return withClient(values, async (client) => {
    const status = (await client.call("GetClusterStatus")) as { layoutVersion: number; nodes: StatusNode[] }
    const health = (await client.call("GetClusterHealth")) as Health
    const history = (await client.call("GetClusterLayoutHistory")) as History
    console.log(`Cluster: ${health.status}  (layout version ${status.layoutVersion}; ${health.connectedNodes}/${health.knownNodes} nodes up; ${health.storageNodesUp}/${health.storageNodes} storage nodes up; partitions: ${health.partitionsAllOk}/${health.partitions} all ok, ${health.partitionsQuorum}/${health.partitions} with quorum)`)
    console.log("")
    console.log("ID                Hostname          Address                Zone      Capacity   Layout  State")
    for (const n of status.nodes) {
      const state = n.isUp ? "up" : `down${n.lastSeenSecsAgo === null ? " (never seen)" : ` (last seen ${n.lastSeenSecsAgo}s ago)`}`
      const role = n.role === null ? "(no role)" : n.role.zone
      const cap = n.role === null ? "" : n.role.capacity === null ? "gateway" : formatBytes(n.role.capacity)
      console.log(
        [n.id.slice(0, 16), (n.hostname ?? "?").slice(0, 16).padEnd(16), (n.addr ?? "?").padEnd(22), role.padEnd(9), cap.padEnd(10), `v${n.layoutVersion ?? "?"}`.padEnd(7), `${state}${n.draining ? ", draining" : ""}`].join("  "),
      )
    }
    if (history.versions.length > 1) {
      const nodes = Object.values(history.updateTrackers)
      const cur = history.currentVersion
      console.log("")
      console.log(`Layout transition to version ${cur} (reads from version ${history.readVersion}):`)
      console.log(`  acked  ${bar(nodes.filter((t) => t.ack >= cur).length, nodes.length)}`)
      console.log(`  synced ${bar(nodes.filter((t) => t.sync >= cur).length, nodes.length)}`)
      console.log(`  reads switched ${bar(nodes.filter((t) => t.syncAck >= cur).length, nodes.length)}`)
    }
    return 0
  })
}
