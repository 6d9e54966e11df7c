// A ClusterRpc over the authenticated RPC layer with a fixed address book: enough for the
// table layer's tests and tools before membership provides the real one (the cluster
// branch owns that). Connections are dialled on first use, re-dialled after a loss, and a
// dialled peer must prove the node id it is addressed by.
import type { NodeId } from "../../core/machine.ts"
import type { ClusterRpc } from "../cluster/interfaces.ts"
import { Priority, type RpcConnection } from "../rpc/rpc-connection.ts"
import type { RpcNode } from "../rpc/rpc-node.ts"

export interface PeerAddress {
  readonly host: string
  readonly port: number
}

export class StaticClusterRpc implements ClusterRpc {
  private readonly connections = new Map<NodeId, Promise<RpcConnection>>()
  private readonly addressOf: (id: NodeId) => PeerAddress | undefined

  /** `addresses`: a map read at each dial (so it may be filled later), or a lookup. */
  constructor(
    readonly self: NodeId,
    private readonly node: RpcNode,
    addresses: ReadonlyMap<NodeId, PeerAddress> | ((id: NodeId) => PeerAddress | undefined),
    private readonly defaultTimeoutMs = 10_000,
  ) {
    this.addressOf = typeof addresses === "function" ? addresses : (id) => addresses.get(id)
  }

  handle(endpoint: string, handler: (from: NodeId, payload: unknown, signal: AbortSignal) => Promise<unknown>): void {
    this.node.handle(endpoint, (body, from, signal) => handler(from, body, signal))
  }

  async call(
    to: NodeId,
    endpoint: string,
    payload: unknown,
    options: { readonly timeoutMs?: number; readonly priority?: Priority; readonly signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const conn = await this.connection(to)
    return conn.call(endpoint, payload, {
      priority: options.priority ?? Priority.normal,
      timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
  }

  private connection(to: NodeId): Promise<RpcConnection> {
    const existing = this.connections.get(to)
    if (existing !== undefined) return existing
    const address = this.addressOf(to)
    if (address === undefined) return Promise.reject(new Error(`no address for node ${to.slice(0, 8)}`))
    const conn = this.node.connect(address.host, address.port).then((c) => {
      if (c.peerId !== to) {
        c.close("unexpected node id")
        throw new Error(`node at ${address.host}:${address.port} is not ${to.slice(0, 8)}`)
      }
      return c
    })
    this.connections.set(to, conn)
    conn.then(
      (c) => c.onClose(() => this.connections.get(to) === conn && this.connections.delete(to)),
      () => this.connections.get(to) === conn && this.connections.delete(to),
    )
    return conn
  }
}
