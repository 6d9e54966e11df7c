// A full garbage collection once a busy node falls idle. V8 collects when JavaScript
// allocates, so after a burst of block traffic the dead Buffers (blocks, request bodies)
// stay allocated until the next burst: measured 26–55 MiB of them per node of a 3-node
// cluster 15 s after a bench run. One collection when the node goes quiet gives that memory
// back to the system (small machines), and costs nothing while the node is busy.
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

export interface IdleGcOptions {
  /** How often the node's CPU use is looked at. */
  readonly periodMs?: number
  /** A period with less CPU than this share of it is idle. */
  readonly idleShare?: number
  /** Collect only if at least this much memory is held by Buffers and other external objects. */
  readonly minExternalBytes?: number
}

/** `gc()` of this process: the global one under --expose-gc, else exposed at run time. */
const collector = (): (() => void) => {
  const global = (globalThis as { gc?: () => void }).gc
  if (global !== undefined) return global
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
}

/** Starts the watch; returns its stop function. */
export const startIdleGc = (options: IdleGcOptions = {}): (() => void) => {
  const periodMs = options.periodMs ?? 10_000
  const idleShare = options.idleShare ?? 0.02
  const minExternalBytes = options.minExternalBytes ?? 16 << 20
  const gc = collector()
  let cpu = process.cpuUsage()
  let busySinceCollection = false
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu)
    cpu = process.cpuUsage()
    const busy = (used.user + used.system) / 1000 > idleShare * periodMs
    if (busy) busySinceCollection = true
    else if (busySinceCollection) {
      busySinceCollection = false
      if (process.memoryUsage().external >= minExternalBytes) {
        gc()
        cpu = process.cpuUsage() // the collection's own CPU does not make the next period busy
      }
    }
  }, periodMs)
  timer.unref()
  return () => clearInterval(timer)
}
