// `pollen start` (what `npm start` runs): a single development node with data in ./data and a
// persisted development key, printed as AWS_* lines with a ready-to-paste aws-cli command.
import { parseArgs } from "node:util"
import { loadConfigOrExplain, runUntilSignal } from "./run-node.ts"

export const run = async (args: readonly string[]): Promise<number> => {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: "string", short: "c" }, nodes: { type: "string" }, help: { type: "boolean", short: "h" } },
  })
  if (values.help === true) {
    console.log("usage: pollen start [-c pollen.toml]\n\nRuns a single development node (S3 on 127.0.0.1:3900, admin on 127.0.0.1:3903, data in ./data).")
    return 0
  }
  if (values.nodes !== undefined && values.nodes !== "1") {
    console.error(`pollen: multi-node local clusters (--nodes ${values.nodes}) are not available yet; run without --nodes for a single node.`)
    return 2
  }
  const config = loadConfigOrExplain(values.config)
  if (config === undefined) return 1
  return runUntilSignal(config, async (node) => {
    const key = await node.developmentKey()
    const lines = [
      "Pollen is running (single node).",
      `S3 endpoint: ${node.s3Url}  region: ${config.s3.region}`,
      `Admin API:   ${node.adminUrl}  (token in ${config.admin.adminToken !== undefined ? "the config" : `${config.metadataDir}/admin_token`})`,
      `Data:        ${config.dataDir}`,
      "",
      "Development key (kept across restarts):",
      `AWS_ACCESS_KEY_ID=${key.id}`,
      `AWS_SECRET_ACCESS_KEY=${key.secret}`,
      "",
      "Try:",
      `  export AWS_ACCESS_KEY_ID=${key.id} AWS_SECRET_ACCESS_KEY=${key.secret} AWS_DEFAULT_REGION=${config.s3.region}`,
      `  aws --endpoint-url ${node.s3Url} s3 ls`,
      "",
      "Press Ctrl-C to stop.",
    ]
    console.log(lines.join("\n"))
  })
}
