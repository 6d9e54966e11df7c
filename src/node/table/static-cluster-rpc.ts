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

  constructor(
    readonly self: NodeId,
    private readonly node: RpcNode,
    private readonly addresses: Map<NodeId, PeerAddress>,
  ) {}

  setAddress(id: NodeId, address: PeerAddress): void {
    this.addresses.set(id, address)
    this.connections.delete(id)
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
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
  }

  private connection(to: NodeId): Promise<RpcConnection> {
    const existing = this.connections.get(to)
    if (existing !== undefined) return existing
    const address = this.addresses.get(to)
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
