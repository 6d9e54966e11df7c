// Runs a node in the foreground until SIGINT/SIGTERM, shared by `pollen server` and `pollen start`.
import { ConfigError, loadConfig, type Config } from "../../node/config.ts"
import { startNode, type RunningNode } from "../../node/node.ts"

export const loadConfigOrExplain = (path: string | undefined): Config | undefined => {
  try {
    return loadConfig(path)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`pollen: ${error.message}`)
      return undefined
    }
    throw error
  }
}

export const runUntilSignal = async (config: Config, ready: (node: RunningNode) => Promise<void>): Promise<number> => {
  let node: RunningNode
  try {
    node = await startNode(config, { log: (line) => console.error(`${new Date().toISOString()} ${line}`) })
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { address?: string; port?: number }
    if (e.code === "EADDRINUSE" || e.code === "EACCES" || e.code === "EADDRNOTAVAIL")
      console.error(`pollen: cannot listen on ${e.address ?? "?"}:${e.port ?? "?"}: ${e.code === "EADDRINUSE" ? "address already in use (is another node running?)" : e.code}`)
    else console.error(`pollen: cannot start the node: ${e.message}`)
    return 1
  }
  await ready(node)
  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      console.error(`pollen: ${signal} received, stopping`)
      node.close().then(
        () => {
          console.error("pollen: stopped cleanly")
          resolve(0)
        },
        (error: unknown) => {
          console.error(`pollen: error while stopping: ${error instanceof Error ? error.message : String(error)}`)
          resolve(1)
        },
      )
    }
    process.once("SIGINT", () => stop("SIGINT"))
    process.once("SIGTERM", () => stop("SIGTERM"))
  })
}
