// The RPC endpoint of a node: listens for peers, dials peers, and serves registered
// handlers over authenticated connections.
import { createServer, connect, type Server } from "node:net"
import type { Handler, RpcOptions } from "./rpc-connection.ts"
import { RpcConnection } from "./rpc-connection.ts"

export class RpcNode {
  private server: Server | undefined
  private readonly handlers = new Map<string, Handler>()
  private readonly connections = new Set<RpcConnection>()

  constructor(private readonly options: RpcOptions) {}

  handle(endpoint: string, handler: Handler): void {
    this.handlers.set(endpoint, handler)
  }

  /** Listens on host:port (port 0: any); resolves to the port. */
  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.track(new RpcConnection(socket, "responder", this.options, this.handlers)))
      server.once("error", reject)
      server.listen(port, host, () => {
        this.server = server
        const address = server.address()
        resolve(typeof address === "object" && address !== null ? address.port : port)
      })
    })
  }

  /** Dials a peer and completes the handshake. */
  async connect(host: string, port: number): Promise<RpcConnection> {
    const socket = connect({ host, port })
    const conn = this.track(new RpcConnection(socket, "initiator", this.options, this.handlers))
    await conn.ready
    return conn
  }

  get openConnections(): number {
    return this.connections.size
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private track(conn: RpcConnection): RpcConnection {
    this.connections.add(conn)
    conn.onClose(() => this.connections.delete(conn))
    return conn
  }
}
