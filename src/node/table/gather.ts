// Calls to several nodes that settle as soon as the replies so far decide the outcome (a
// quorum reached, or no longer reachable). Calls still running continue in the
// background; their results are ignored. With `initial`, only the first `initial` targets
// are called at first (a read quorum, this node first): one more is called for each call
// that fails and each `hedgeMs` without a verdict, as Garage's reads do — a read of a
// healthy partition then costs R calls, not one per replica.
import type { NodeId } from "../../core/machine.ts"

export type Verdict = "done" | "fail" | "wait"

export interface Gathered<T> {
  readonly ok: ReadonlyMap<NodeId, T>
  readonly failed: ReadonlyMap<NodeId, Error>
}

export interface Staggered {
  readonly initial: number
  readonly hedgeMs: number
}

export const gather = <T>(
  targets: ReadonlyArray<NodeId>,
  call: (node: NodeId) => Promise<T>,
  decide: (g: Gathered<T>) => Verdict,
  staggered?: Staggered,
): Promise<Gathered<T>> =>
  new Promise((resolve, reject) => {
    const ok = new Map<NodeId, T>()
    const failed = new Map<NodeId, Error>()
    let settled = false
    let launched = 0
    let hedge: NodeJS.Timeout | undefined
    const finish = () => {
      settled = true
      if (hedge !== undefined) clearInterval(hedge)
    }
    const check = () => {
      if (settled) return
      const v = decide({ ok, failed })
      const all = ok.size + failed.size === targets.length
      if (v === "done") {
        finish()
        resolve({ ok: new Map(ok), failed: new Map(failed) })
      } else if (v === "fail" || all) {
        finish()
        reject(new GatherError({ ok: new Map(ok), failed: new Map(failed) }))
      }
    }
    // Undecided: a failed call is replaced at once; so is the last pending one when it answered.
    const answered = (failure: boolean) => {
      check()
      if (!settled && (failure || ok.size + failed.size === launched)) launch()
    }
    const launch = () => {
      if (launched >= targets.length) return
      const node = targets[launched++]!
      let p: Promise<T>
      try {
        p = call(node)
      } catch (e) {
        p = Promise.reject(e)
      }
      p.then(
        (v) => {
          ok.set(node, v)
          answered(false)
        },
        (e: unknown) => {
          failed.set(node, e instanceof Error ? e : new Error(String(e)))
          answered(true)
        },
      )
    }
    if (targets.length === 0) return check()
    const first = staggered === undefined ? targets.length : Math.max(1, Math.min(staggered.initial, targets.length))
    for (let i = 0; i < first; i++) launch()
    if (staggered !== undefined && first < targets.length) {
      hedge = setInterval(() => (settled || launched >= targets.length ? clearInterval(hedge) : launch()), staggered.hedgeMs)
      hedge.unref()
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
