// An in-process ClusterRpc network for tests: calls are delivered to the target's
// handlers after a microtask hop, payloads pass through MessagePack as on the wire, and a
// node marked down refuses every call (as a stopped process would).
import { Packr } from "msgpackr"
import type { NodeId } from "../../src/core/machine.ts"
import type { ClusterRpc } from "../../src/node/cluster/interfaces.ts"

type Handler = (from: NodeId, payload: unknown, signal: AbortSignal) => Promise<unknown>

export class MemoryNetwork {
  private readonly handlers = new Map<NodeId, Map<string, Handler>>()
  readonly down = new Set<NodeId>()
  private readonly packr = new Packr({ useRecords: false, moreTypes: false })

  rpc(self: NodeId): ClusterRpc {
    const mine = new Map<string, Handler>()
    this.handlers.set(self, mine)
    return {
      self,
      handle: (endpoint, handler) => void mine.set(endpoint, handler),
      call: async (to, endpoint, payload) => {
        await Promise.resolve()
        if (this.down.has(to) || this.down.has(self)) throw new Error(`${to.slice(0, 6)} unreachable`)
        const handler = this.handlers.get(to)?.get(endpoint)
        if (handler === undefined) throw new Error(`unknown endpoint ${endpoint}`)
        const wire = this.packr.unpack(this.packr.pack(payload)) as unknown
        const result = await handler(self, wire, new AbortController().signal)
        if (this.down.has(to)) throw new Error(`${to.slice(0, 6)} went down`)
        return this.packr.unpack(this.packr.pack(result)) as unknown
      },
    }
  }
}
