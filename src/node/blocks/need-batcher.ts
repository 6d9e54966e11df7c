// Coalesces "do you need this block?" questions to the same node into one block/need
// call of up to MAX_NEED_BATCH hashes: after a layout change every block on a node is
// re-checked, and one RPC per block and holder would swamp the links.
import type { NodeId } from "../../core/machine.ts"
import type { ClusterRpc } from "../cluster/interfaces.ts"
import { Priority } from "../rpc/rpc-connection.ts"
import { decodeNeedReply, Endpoint, MAX_NEED_BATCH, type NeedAnswer } from "./block-messages.ts"

interface Question {
  readonly hash: string
  readonly resolve: (a: NeedAnswer) => void
  readonly reject: (e: Error) => void
}

export class NeedBatcher {
  private readonly waiting = new Map<NodeId, Question[]>()

  constructor(
    private readonly rpc: ClusterRpc,
    private readonly timeoutMs: number,
  ) {}

  ask(node: NodeId, hash: string): Promise<NeedAnswer> {
    return new Promise((resolve, reject) => {
      let batch = this.waiting.get(node)
      if (batch === undefined) {
        batch = []
        this.waiting.set(node, batch)
        // Questions asked in the same turn of the event loop go out together.
        setImmediate(() => this.flush(node))
      }
      batch.push({ hash, resolve, reject })
      if (batch.length >= MAX_NEED_BATCH) this.flush(node)
    })
  }

  private flush(node: NodeId): void {
    const batch = this.waiting.get(node)
    if (batch === undefined || batch.length === 0) return
    this.waiting.delete(node)
    this.rpc
      .call(node, Endpoint.need, { hashes: batch.map((q) => q.hash) }, { priority: Priority.background, timeoutMs: this.timeoutMs })
      .then((raw) => {
        const reply = decodeNeedReply(raw)
        if (!reply.ok || reply.value.answers.length !== batch.length) throw new Error("malformed block/need reply")
        batch.forEach((q, i) => q.resolve(reply.value.answers[i]!))
      })
      .catch((e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e))
        for (const q of batch) q.reject(err)
      })
  }
}
