// `--workers N`: breadth-first search level by level; workers expand chunks of a level in
// parallel and the main thread merges their results in queue order, so generated, distinct
// and depth are exactly those of the one-worker search. The parallel run only covers the
// no-error path: on any violation, deadlock or evaluation error it returns null and the
// caller re-runs with one worker to report it exactly as TLC would.
import { readFileSync } from "node:fs"
import { Worker } from "node:worker_threads"
import { parseConfig } from "./cfg.ts"
import type { CheckResult } from "./checker.ts"
import { Checker } from "./checker.ts"
import { FingerprintSet } from "./fingerprint-set.ts"
import { buildModel } from "./model.ts"
import type { Encoded } from "./value-codec.ts"
import { encodeValue } from "./value-codec.ts"

export interface ParallelOptions {
  readonly spec: string
  readonly config: string
  readonly libDirs: readonly string[]
  readonly workers: number
  /** Overrides the cfg's CHECK_DEADLOCK (TLC's -deadlock turns it off). */
  readonly checkDeadlock?: boolean
  readonly onProgress?: (p: { generated: number; distinct: number; depth: number; queue: number; seconds: number }) => void
}

interface Reply {
  id: number
  rows?: unknown[][]
  error?: string
}

const CHUNK = 128

export const checkParallel = async (o: ParallelOptions): Promise<CheckResult | null> => {
  const start = Date.now()
  const cfg = parseConfig(readFileSync(o.config, "utf8"), o.config)
  if (o.checkDeadlock !== undefined) cfg.checkDeadlock = o.checkDeadlock
  const model = buildModel(o.spec, cfg, { libDirs: o.libDirs })
  if (model.liveness !== null) return null // temporal properties need the one-worker search's graph
  const checker = new Checker(model)
  const seen = new FingerprintSet(16)
  let generated = 0
  let bad = false
  let level: Encoded[][] = []
  checker.initialStates((s) => {
    generated++
    const ok = checker.inModel(s, null)
    let fresh = false
    if (ok) {
      const [h, l] = checker.fingerprintOf(s)
      fresh = seen.add(h, l)
      if (fresh) level.push(s.map(encodeValue))
    }
    if ((fresh || !ok) && (!checker.invariantsHold(s) || !checker.impliedInitsHold(s))) bad = true
  })
  if (bad) return null
  const boot = new URL("./parallel-worker-boot.mjs", import.meta.url)
  const workers = Array.from({ length: o.workers }, () => new Worker(boot, { workerData: { spec: o.spec, config: o.config, libDirs: o.libDirs } }))
  const waiting = new Map<number, (r: Reply) => void>()
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once("error", reject)
            w.on("message", (m: Reply & { ready?: boolean }) => {
              if (m.ready === true) resolve()
              else waiting.get(m.id)?.(m)
            })
          }),
      ),
    )
    let depth = level.length > 0 ? 1 : 0
    let nextId = 0
    let lastProgress = Date.now()
    while (level.length > 0) {
      const next: Encoded[][] = []
      const replies: Promise<Reply>[] = []
      for (let i = 0, w = 0; i < level.length; i += CHUNK, w = (w + 1) % workers.length) {
        const id = nextId++
        replies.push(new Promise<Reply>((resolve) => waiting.set(id, resolve)))
        workers[w]!.postMessage({ id, level: depth, states: level.slice(i, i + CHUNK) })
      }
      for (const p of replies) {
        const r = await p
        waiting.delete(r.id)
        if (r.error !== undefined || r.rows === undefined) return null
        for (const row of r.rows) {
          const count = row[0] as number
          if (count === 0 && model.checkDeadlock) return null
          for (let j = 1; j < row.length; j += 4) {
            generated++
            const flags = row[j + 2] as number
            if ((flags & 2) !== 0) return null
            if ((flags & 1) === 0) continue
            if (seen.add(row[j] as number, row[j + 1] as number)) {
              const enc = row[j + 3] as Encoded[] | null
              if (enc === null) return null
              next.push(enc)
            }
          }
        }
      }
      if (next.length > 0) depth++
      level = next
      const now = Date.now()
      if (o.onProgress !== undefined && now - lastProgress >= 2000) {
        lastProgress = now
        o.onProgress({ generated, distinct: seen.size, depth, queue: level.length, seconds: (now - start) / 1000 })
      }
    }
    return { outcome: { kind: "ok" }, generated, distinct: seen.size, depth, queueLeft: 0, seconds: (Date.now() - start) / 1000 }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
