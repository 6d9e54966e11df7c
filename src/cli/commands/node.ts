// `pollen node id` and `pollen node connect <id>@<host>:<port>`, through the admin API.
import { parseArgs } from "node:util"
import { commonOptions, withClient } from "./admin-client.ts"

const usage = `usage:
  pollen node id [-q]                     this node's id and RPC address, as <id>@<host>:<port>
  pollen node connect <id>@<host>:<port>  make the node learn a peer
options: -c pollen.toml, --admin-url URL, --token TOKEN (or POLLEN_ADMIN_URL / POLLEN_ADMIN_TOKEN)`

export const run = async (args: readonly string[]): Promise<number> => {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...commonOptions, quiet: { type: "boolean", short: "q" } } })
  const [sub, target] = positionals
  if (values.help === true || sub === undefined) {
    console.log(usage)
    return sub === undefined && values.help !== true ? 2 : 0
  }
  return withClient(values, async (client) => {
    if (sub === "id") {
      const info = (await client.call("GetNodeInfo")) as { nodeId: string; rpcAddr: string }
      console.log(`${info.nodeId}@${info.rpcAddr}`)
      if (values.quiet !== true) {
        console.error("\nTo connect another node to this one, add this to its bootstrap_peers or run:")
        console.error(`  pollen node connect ${info.nodeId}@${info.rpcAddr}`)
      }
      return 0
    }
    if (sub === "connect" && target !== undefined) {
      const [r] = (await client.call("ConnectClusterNodes", { body: [target] })) as { success: boolean; error: string | null }[]
      if (r?.success !== true) {
        console.error(`pollen: ${r?.error ?? "connect failed"}`)
        return 1
      }
      console.log(`Learned ${target}; it appears in \`pollen status\` once it answers.`)
      return 0
    }
    console.error(usage)
    return 2
  })
}
