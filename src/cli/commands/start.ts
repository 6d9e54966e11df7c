// `pollen start` (what `npm start` runs): a development cluster of one node (or `--nodes N`
// in this process) with data in ./data and a persisted development key, printed as AWS_*
// lines with a ready-to-paste aws-cli command. A fresh cluster gets a first layout.
import { parseArgs } from "node:util"
import { DEV_WEB_CONFIG, type Config } from "../../node/config.ts"
import type { RunningNode } from "../../node/node.ts"
import { applyInitialLayout, localClusterConfigs } from "./local-cluster.ts"
import { loadConfigOrExplain, runUntilSignal } from "./run-node.ts"

export const run = async (args: readonly string[]): Promise<number> => {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: "string", short: "c" }, nodes: { type: "string" }, help: { type: "boolean", short: "h" } },
  })
  if (values.help === true) {
    console.log(
      "usage: pollen start [-c pollen.toml] [--nodes N]\n\nRuns a development cluster: one node (S3 on 127.0.0.1:3900, admin on 127.0.0.1:3903, RPC on 127.0.0.1:3901, websites on 127.0.0.1:3902, data in ./data),\nor N nodes in this process, node i on ports 3900+10i (S3), 3901+10i (RPC), 3902+10i (websites), 3903+10i (admin), node i>0's data in ./data/node<i>.\nWith -c, websites are served only if the file has an [s3_web] section.",
    )
    return 0
  }
  const count = values.nodes === undefined ? 1 : Number(values.nodes)
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    console.error(`pollen: --nodes must be a number from 1 to 9, got '${values.nodes}'`)
    return 2
  }
  const loaded = loadConfigOrExplain(values.config)
  if (loaded === undefined) return 1
  // Without a configuration file the development node also serves websites, on Garage's port.
  const base: Config = values.config === undefined && loaded.web === undefined ? { ...loaded, web: DEV_WEB_CONFIG } : loaded
  const configs: Config[] = count === 1 ? [base] : await localClusterConfigs(base, count)
  return runUntilSignal(configs, async (nodes: readonly RunningNode[]) => {
    let layoutLine: string
    try {
      layoutLine = await applyInitialLayout(nodes, 10e9)
    } catch (error) {
      layoutLine = `Layout: not applied (${(error as Error).message}); run \`pollen layout assign\` and \`pollen layout apply\``
    }
    let key
    try {
      key = await nodes[0]!.developmentKey()
    } catch (error) {
      // Keys live in the cluster's key table: without a layout there is nowhere to write one.
      console.log([...nodes.map((n, i) => `Node ${i}: S3 ${n.s3Url}  admin ${n.adminUrl}  RPC ${n.cluster.publicAddr}`), layoutLine, `No development key yet (${(error as Error).message}).`].join("\n"))
      return
    }
    const node = nodes[0]!
    const lines = [
      count === 1 ? "Pollen is running (single-node cluster)." : `Pollen is running: ${count} nodes in this process.`,
      ...nodes.map((n, i) => `Node ${i}: S3 ${n.s3Url}  admin ${n.adminUrl}${n.webUrl === undefined ? "" : `  web ${n.webUrl}`}  RPC ${n.cluster.publicAddr}  id ${n.cluster.self.slice(0, 16)}  data ${configs[i]!.dataDir}`),
      layoutLine,
      ...(count > 1 ? ["Every node serves the same buckets and objects; the development key works on each."] : []),
      `Admin token: ${base.admin.adminToken !== undefined ? "the config's admin_token" : `in <metadata_dir>/admin_token of each node (node 0: ${base.metadataDir}/admin_token)`}`,
      "",
      "Development key (kept across restarts):",
      `AWS_ACCESS_KEY_ID=${key.id}`,
      `AWS_SECRET_ACCESS_KEY=${key.secret}`,
      "",
      "Try:",
      `  export AWS_ACCESS_KEY_ID=${key.id} AWS_SECRET_ACCESS_KEY=${key.secret} AWS_DEFAULT_REGION=${base.s3.region}`,
      `  aws --endpoint-url ${node.s3Url} s3 ls`,
      "  ./bin/pollen status",
      ...websiteLines(node, base),
      "",
      "Press Ctrl-C to stop.",
    ]
    console.log(lines.join("\n"))
  })
}

/** How to reach a bucket's website on node 0, when it serves websites. */
const websiteLines = (node: RunningNode, config: Config): string[] => {
  if (node.webUrl === undefined || config.web === undefined) return []
  const url = new URL(node.webUrl)
  const site = config.web.rootDomain === undefined ? `http://<bucket>:${url.port}/` : `http://<bucket>.${config.web.rootDomain}:${url.port}/`
  return [
    `  aws --endpoint-url ${node.s3Url} s3 website s3://<bucket> --index-document index.html   # then: ${site}`,
    `  curl -H 'Host: <bucket>${config.web.rootDomain === undefined ? "" : `.${config.web.rootDomain}`}' ${node.webUrl}/`,
  ]
}
