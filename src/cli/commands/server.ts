// `pollen server [-c pollen.toml]`: runs one node with the given configuration.
import { parseArgs } from "node:util"
import { loadConfigOrExplain, runUntilSignal } from "./run-node.ts"

export const run = async (args: readonly string[]): Promise<number> => {
  const { values } = parseArgs({ args: [...args], options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } } })
  if (values.help === true) {
    console.log("usage: pollen server [-c pollen.toml]\n\nRuns a node; without -c every setting has its default (data in ./data). See docs/configuration.md.")
    return 0
  }
  const config = loadConfigOrExplain(values.config)
  if (config === undefined) return 1
  return runUntilSignal(config, async (node) => {
    console.log(`S3 API:    ${node.s3Url} (region ${config.s3.region})`)
    console.log(`Admin API: ${node.adminUrl}`)
    if (node.webUrl !== undefined) console.log(`Websites:  ${node.webUrl}${config.web?.rootDomain === undefined ? "" : ` (<bucket>.${config.web.rootDomain})`}`)
    console.log(`Node:      ${node.cluster.self}@${node.cluster.publicAddr}`)
    console.log(`Data:      ${config.dataDir}`)
    if (node.cluster.placement.currentVersion() === 0)
      console.log("Layout:    none applied yet; S3 answers 503 until `pollen layout assign` and `pollen layout apply` (docs/cluster.md)")
  })
}
