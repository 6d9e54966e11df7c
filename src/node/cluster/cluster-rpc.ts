// ClusterRpc over the authenticated RPC layer: one outgoing connection per peer node id,
// dialled on first use at the address the address book gives (membership), dropped when it
// closes and dialled again on the next call. All endpoints share the connection
// (multiplexed by the RPC envelope); a call to this node itself runs its handler in
// process, so the table and block layers need no special case for "self".
import type { NodeId } from "../../core/machine.ts"
import type { NodeIdentity } from "../identity.ts"
import { Priority, RpcError, type RpcConnection } from "../rpc/rpc-connection.ts"
import { RpcNode } from "../rpc/rpc-node.ts"
import type { ClusterRpc } from "./interfaces.ts"

export interface PeerAddress {
  readonly host: string
  readonly port: number
}

/** "host:port" or "[v6]:port" → {host, port}, or undefined when malformed. */
export const parseAddress = (addr: string): PeerAddress | undefined => {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(addr)
  if (m === null || Number(m[2]) > 65535) return undefined
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) }
}

export interface ClusterRpcOptions {
  readonly identity: NodeIdentity
  readonly secret: Uint8Array
  /** The RPC address of a peer, as membership knows it; undefined when unknown. */
  readonly addressOf: (id: NodeId) => string | undefined
  readonly log: (line: string) => void
  readonly maxFrameBytes?: number
  readonly handshakeTimeoutMs?: number
  readonly defaultTimeoutMs?: number
}

type ClusterHandler = (from: NodeId, payload: unknown, signal: AbortSignal) => Promise<unknown>

export class NodeRpc implements ClusterRpc {
  readonly self: NodeId
  readonly rpc: RpcNode
  private readonly handlers = new Map<string, ClusterHandler>()
  private readonly pool = new Map<NodeId, Promise<RpcConnection>>()
  private closed = false

  constructor(private readonly options: ClusterRpcOptions) {
    this.self = options.identity.id
    this.rpc = new RpcNode({
      identity: options.identity,
      secret: options.secret,
      maxFrameBytes: options.maxFrameBytes ?? 16 << 20,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5_000,
      log: options.log,
    })
  }

  /** Listens for peers; resolves to the port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return this.rpc.listen(port, host)
  }

  handle(endpoint: string, handler: ClusterHandler): void {
    this.handlers.set(endpoint, handler)
    this.rpc.handle(endpoint, (body, from, signal) => handler(from, body, signal))
  }

  async call(
    to: NodeId,
    endpoint: string,
    payload: unknown,
    options: { readonly timeoutMs?: number; readonly priority?: Priority; readonly signal?: AbortSignal } = {},
  ): Promise<unknown> {
    if (to === this.self) return this.callSelf(endpoint, payload, options)
    const conn = await this.connection(to)
    return conn.call(endpoint, payload, {
      priority: options.priority ?? Priority.normal,
      timeoutMs: options.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    })
  }

  async close(): Promise<void> {
    this.closed = true
    this.pool.clear()
    await this.rpc.close()
  }

  private async callSelf(endpoint: string, payload: unknown, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<unknown> {
    const handler = this.handlers.get(endpoint)
    if (handler === undefined) throw new RpcError(`unknown endpoint ${endpoint}`)
    const abort = new AbortController()
    options.signal?.addEventListener("abort", () => abort.abort())
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort()
        reject(new RpcError(`${endpoint} to self timed out after ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      // The payload crosses no wire, but handlers treat it as untrusted anyway.
      return await Promise.race([handler(this.self, payload, abort.signal), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private connection(to: NodeId): Promise<RpcConnection> {
    if (this.closed) return Promise.reject(new RpcError("this node is shutting down"))
    const existing = this.pool.get(to)
    if (existing !== undefined) return existing
    const addr = this.options.addressOf(to)
    const address = addr === undefined ? undefined : parseAddress(addr)
    if (address === undefined) return Promise.reject(new RpcError(`no address known for node ${to.slice(0, 16)}`))
    const conn = this.rpc.connect(address.host, address.port).then((c) => {
      if (c.peerId !== to) {
        // Someone else answers at that address (a reinstalled node, a stale address).
        c.close(`expected node ${to.slice(0, 16)} at ${addr}, found ${c.peerId.slice(0, 16)}`)
        throw new RpcError(`node at ${addr} is ${c.peerId.slice(0, 16)}, not ${to.slice(0, 16)}`)
      }
      return c
    })
    this.pool.set(to, conn)
    conn.then(
      (c) => c.onClose(() => this.pool.get(to) === conn && this.pool.delete(to)),
      () => this.pool.get(to) === conn && this.pool.delete(to),
    )
    return conn
  }
}
