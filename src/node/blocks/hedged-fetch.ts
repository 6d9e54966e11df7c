// Runs the hedged-read state machine (core/block/hedged-read.ts) over real RPCs: asks the
// candidates in order, hedges to the next one after `hedgeDelayMs`, and accepts only a
// block whose SHA-256 matches its hash; a mismatch counts as a failure of that holder.
import { hedgeStep, startHedge, type HedgeAction, type HedgeEvent, type HedgeState } from "../../core/block/hedged-read.ts"
import type { NodeId } from "../../core/machine.ts"
import type { ClusterRpc } from "../cluster/interfaces.ts"
import type { Priority } from "../rpc/rpc-connection.ts"
import { decodeGetReply, Endpoint, sha256Hex } from "./block-messages.ts"

export class BlockUnavailableError extends Error {}

export interface HedgedFetchOptions {
  readonly rpc: ClusterRpc
  readonly hash: string
  readonly candidates: ReadonlyArray<NodeId>
  readonly hedgeDelayMs: number
  readonly maxInFlight: number
  readonly timeoutMs: number
  readonly priority: Priority
  /** Round-trip time of each good answer, for the read order of later reads. */
  readonly onAnswer?: (node: NodeId, ms: number) => void
}

export const hedgedFetch = (o: HedgedFetchOptions): Promise<{ data: Buffer; from: NodeId }> =>
  new Promise((resolve, reject) => {
    if (o.candidates.length === 0) return reject(new BlockUnavailableError(`block ${o.hash.slice(0, 12)}: no other node to ask`))
    let state: HedgeState
    let timer: NodeJS.Timeout | undefined
    const controllers = new Map<number, AbortController>()
    const results = new Map<number, Buffer>()
    const errors: string[] = []

    const run = (r: { state: HedgeState; actions: ReadonlyArray<HedgeAction> }): void => {
      state = r.state
      for (const a of r.actions) {
        switch (a._tag) {
          case "Ask":
            ask(a.index)
            break
          case "ArmTimer":
            clearTimeout(timer)
            timer = setTimeout(() => feed({ _tag: "HedgeTimer" }), o.hedgeDelayMs)
            break
          case "Cancel":
            controllers.get(a.index)?.abort()
            break
          case "Deliver":
            clearTimeout(timer)
            resolve({ data: results.get(a.index)!, from: o.candidates[a.index]! })
            break
          case "GiveUp":
            clearTimeout(timer)
            reject(new BlockUnavailableError(`block ${o.hash.slice(0, 12)} unavailable: ${errors.join("; ")}`))
            break
        }
      }
    }
    const feed = (e: HedgeEvent): void => run(hedgeStep(state, e))

    const ask = (index: number): void => {
      const node = o.candidates[index]!
      const abort = new AbortController()
      controllers.set(index, abort)
      const started = performance.now()
      o.rpc
        .call(node, Endpoint.get, { hash: o.hash }, { timeoutMs: o.timeoutMs, priority: o.priority, signal: abort.signal })
        .then((raw) => {
          const reply = decodeGetReply(raw)
          if (!reply.ok) throw new Error(`malformed reply: ${reply.error.slice(0, 200)}`)
          if (!("data" in reply.value)) throw new Error("does not have it")
          const data = reply.value.data
          if (sha256Hex(data) !== o.hash) throw new Error("sent data that does not match the hash")
          o.onAnswer?.(node, performance.now() - started)
          results.set(index, Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength))
          feed({ _tag: "Succeeded", index })
        })
        .catch((e: unknown) => {
          if (abort.signal.aborted) return
          errors.push(`${node.slice(0, 8)}: ${e instanceof Error ? e.message : String(e)}`)
          feed({ _tag: "Failed", index })
        })
    }

    run(startHedge(o.candidates.length, o.maxInFlight))
  })
