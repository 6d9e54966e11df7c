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

/** Runs one node (`config`) or several in this process (`config[]`, `pollen start --nodes N`). */
export const runUntilSignal = async <C extends Config | readonly Config[]>(
  config: C,
  ready: (node: C extends Config ? RunningNode : readonly RunningNode[]) => Promise<void>,
): Promise<number> => {
  const configs: readonly Config[] = Array.isArray(config) ? config : [config as Config]
  const started: RunningNode[] = []
  try {
    for (const [i, c] of configs.entries()) {
      const prefix = configs.length > 1 ? `node${i} ` : ""
      started.push(await startNode(c, { log: (line) => console.error(`${new Date().toISOString()} ${prefix}${line}`) }))
    }
  } catch (error) {
    await Promise.all(started.map((n) => n.close().catch(() => undefined)))
    const e = error as NodeJS.ErrnoException & { address?: string; port?: number }
    if (e.code === "EADDRINUSE" || e.code === "EACCES" || e.code === "EADDRNOTAVAIL")
      console.error(`pollen: cannot listen on ${e.address ?? "?"}:${e.port ?? "?"}: ${e.code === "EADDRINUSE" ? "address already in use (is another node running?)" : e.code}`)
    else console.error(`pollen: cannot start the node: ${e.message}`)
    return 1
  }
  const node = { close: () => Promise.all(started.map((n) => n.close())).then(() => undefined) }
  await ready((Array.isArray(config) ? started : started[0]!) as never)
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
