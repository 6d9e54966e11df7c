// A node that runs one reducer for real: LMDB for its disk, the authenticated RPC layer
// for its messages, wall-clock timers. The same reducer the model checker explores.
import type { Input, Machine, NodeId, Protocol } from "../core/machine.ts"
import type { NodeIdentity } from "./identity.ts"
import { ReducerHost } from "./reducer-host.ts"
import { ReducerStorage } from "./reducer-storage.ts"
import { Priority, type RpcConnection } from "./rpc/rpc-connection.ts"
import { RpcNode } from "./rpc/rpc-node.ts"

export interface PeerAddress {
  readonly host: string
  readonly port: number
}

export interface ReducerNodeOptions<P extends Protocol> {
  readonly machine: Machine<P>
  readonly self: NodeId
  readonly params: P["Params"]
  readonly identity: NodeIdentity
  readonly secret: Uint8Array
  readonly metadataDir: string
  readonly rpcPort: number
  readonly peers: ReadonlyMap<NodeId, PeerAddress>
  readonly log: (line: string) => void
  /** Called with every reducer input and the state after it (trace logs). */
  readonly onStep?: (input: Input<P["Msg"], P["Op"], P["Rec"]>, state: P["State"]) => void
}

export class ReducerNode<P extends Protocol> {
  readonly rpc: RpcNode
  private host!: ReducerHost<P>
  private storage!: ReducerStorage
  private readonly connections = new Map<NodeId, Promise<RpcConnection>>()
  private readonly unreachable = new Set<NodeId>()
  port = 0

  constructor(private readonly options: ReducerNodeOptions<P>) {
    this.rpc = new RpcNode({
      identity: options.identity,
      secret: options.secret,
      maxFrameBytes: 16 << 20,
      handshakeTimeoutMs: 5_000,
      log: options.log,
    })
  }

  private get endpoint(): string {
    return `reducer/${this.options.machine.name}`
  }

  async start(): Promise<void> {
    this.storage = new ReducerStorage(this.options.metadataDir, `reducer/${this.options.machine.name}`)
    this.rpc.handle(this.endpoint, async (body) => {
      const b = body as { from?: unknown; msg?: unknown } | null
      if (b === null || typeof b !== "object" || typeof b.from !== "string" || !this.options.peers.has(b.from)) {
        throw new Error("message from an unknown node")
      }
      this.host.receive(b.from, b.msg)
      return null
    })
    this.port = await this.rpc.listen(this.options.rpcPort)
    this.host = new ReducerHost({
      machine: this.options.machine,
      self: this.options.self,
      params: this.options.params,
      storage: this.storage,
      clock: { now: () => Date.now() },
      log: this.options.log,
      transport: { send: (to, msg) => this.send(to, msg) },
      ...(this.options.onStep !== undefined ? { onStep: this.options.onStep } : {}),
    })
  }

  request(op: P["Op"], id?: string): Promise<P["Res"]> {
    return this.host.request(op, id)
  }

  get state(): P["State"] {
    return this.host.currentState
  }

  /** Stops timers, closes connections and the database; the disk stays for the next start. */
  async stop(): Promise<void> {
    this.host.stop()
    await this.rpc.close()
    this.connections.clear()
    await this.storage.close()
  }

  private send(to: NodeId, msg: unknown): void {
    const address = this.options.peers.get(to)
    if (address === undefined) return this.options.log(`${this.options.self}: no address for ${to}`)
    let conn = this.connections.get(to)
    if (conn === undefined) {
      conn = this.rpc.connect(address.host, address.port)
      this.connections.set(to, conn)
      conn.then(
        (c) => c.onClose(() => this.connections.delete(to)),
        () => this.connections.delete(to),
      )
    }
    conn
      .then((c) => c.call(this.endpoint, { from: this.options.self, msg }, { priority: Priority.normal, timeoutMs: 10_000 }))
      .then(
        () => this.unreachable.delete(to),
        (e: unknown) => {
          // One line when a peer becomes unreachable, not one per lost message.
          if (!this.unreachable.has(to)) this.options.log(`${this.options.self}: ${to} unreachable: ${(e as Error).message}`)
          this.unreachable.add(to)
        },
      )
  }
}
