// Messages between the driver of `npm run bench:cluster` and its storage node processes (IPC).

export interface Memory {
  /** VmRSS, its anonymous and file-backed parts, and VmHWM (peak) from /proc/self/status, bytes. */
  readonly vmRss: number
  readonly rssAnon: number
  readonly rssFile: number
  readonly vmHwm: number
  /** process.memoryUsage(), bytes. */
  readonly heapTotal: number
  readonly heapUsed: number
  readonly external: number
  readonly arrayBuffers: number
}

export type ToNode =
  | { readonly type: "peers"; readonly storage: readonly string[]; readonly addresses: ReadonlyArray<readonly [string, number]> }
  | { readonly type: "memory"; readonly gc: boolean }
  | { readonly type: "stop" }

export type FromNode =
  | { readonly type: "listening"; readonly id: string; readonly port: number }
  | { readonly type: "hosted" }
  | { readonly type: "memory"; readonly memory: Memory }
  | { readonly type: "stopped" }

/** VmRSS (anonymous and file-backed) and VmHWM of a process from /proc (Linux), bytes; undefined if unreadable. */
export const procMemory = async (pid: number | "self"): Promise<{ rss: number; anon: number; file: number; hwm: number } | undefined> => {
  const { readFile } = await import("node:fs/promises")
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8")
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024
    return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile"), hwm: kb("VmHWM") }
  } catch {
    return undefined
  }
}
