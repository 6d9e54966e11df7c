// Calls to several nodes at once that settle as soon as the replies so far decide the
// outcome (a quorum reached, or no longer reachable). Calls still running continue in the
// background; their results are ignored.
import type { NodeId } from "../../core/machine.ts"

export type Verdict = "done" | "fail" | "wait"

export interface Gathered<T> {
  readonly ok: ReadonlyMap<NodeId, T>
  readonly failed: ReadonlyMap<NodeId, Error>
}

export const gather = <T>(
  targets: ReadonlyArray<NodeId>,
  call: (node: NodeId) => Promise<T>,
  decide: (g: Gathered<T>) => Verdict,
): Promise<Gathered<T>> =>
  new Promise((resolve, reject) => {
    const ok = new Map<NodeId, T>()
    const failed = new Map<NodeId, Error>()
    let settled = false
    const check = () => {
      if (settled) return
      const v = decide({ ok, failed })
      const all = ok.size + failed.size === targets.length
      if (v === "done") {
        settled = true
        resolve({ ok: new Map(ok), failed: new Map(failed) })
      } else if (v === "fail" || all) {
        settled = true
        reject(new GatherError({ ok: new Map(ok), failed: new Map(failed) }))
      }
    }
    if (targets.length === 0) return check()
    for (const node of targets) {
      let p: Promise<T>
      try {
        p = call(node)
      } catch (e) {
        p = Promise.reject(e)
      }
      p.then(
        (v) => {
          ok.set(node, v)
          check()
        },
        (e: unknown) => {
          failed.set(node, e instanceof Error ? e : new Error(String(e)))
          check()
        },
      )
    }
  })

export class GatherError<T> extends Error {
  constructor(readonly gathered: Gathered<T>) {
    super(
      `${gathered.ok.size} replies, ${gathered.failed.size} failures` +
        (gathered.failed.size > 0
          ? `: ${[...gathered.failed].map(([n, e]) => `${n.slice(0, 8)}: ${e.message}`).join("; ")}`
          : ""),
    )
  }
}
