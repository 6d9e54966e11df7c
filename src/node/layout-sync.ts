// The layout manager's per-node "sync" step (docs/cluster.md): a fresh anti-entropy round
// of every table, then the block layer's resync of what this node now holds or must hand
// over. The sync tracker may advance only when both finished with no failure; otherwise
// the step is retried with backoff until it succeeds or the node stops, and at once when a
// peer comes up (`nudge`, called by sync-on-reconnect.ts): a failed round mostly means a
// holder was unreachable.
import type { BlockManager } from "./blocks/block-manager.ts"
import type { TableService } from "./table/table-service.ts"

const FIRST_RETRY_MS = 1_000
const MAX_RETRY_MS = 15_000

export const layoutSyncDriver = (
  tables: TableService,
  blocks: BlockManager,
  log: (line: string) => void,
): { driver: (target: number) => Promise<void>; nudge(): void; stop(): void } => {
  let stopped = false
  // A nudge that comes while a round runs must still cut the next wait short.
  let nudged = false
  let wakeUp: (() => void) | undefined
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (nudged || stopped) {
        nudged = false
        return resolve()
      }
      const t = setTimeout(done, ms)
      t.unref()
      function done() {
        clearTimeout(t)
        wakeUp = undefined
        nudged = false
        resolve()
      }
      wakeUp = done
    })
  const once = async (): Promise<string | undefined> => {
    const report = await tables.syncAll({ fresh: true })
    if (report.failures > 0) return `${report.failures} table partition sync(s) failed`
    await blocks.settle()
    const errored = blocks.queue.errored
    return errored > 0 ? `${errored} block(s) could not be resynced yet` : undefined
  }
  const driver = async (target: number): Promise<void> => {
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(MAX_RETRY_MS, wait * 2)) {
      if (stopped) throw new Error("the node is stopping")
      const problem = await once().catch((e: unknown) => (e as Error).message)
      if (problem === undefined) return
      log(`layout: sync for version ${target} not complete (${problem}); retrying in ${Math.round(wait / 1000)} s`)
      await sleep(wait)
    }
  }
  return {
    driver,
    nudge: () => {
      nudged = true
      wakeUp?.()
    },
    stop: () => {
      stopped = true
      wakeUp?.()
    },
  }
}
