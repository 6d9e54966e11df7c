// One authenticated, encrypted RPC connection over TCP: the handshake, then requests and
// responses with timeouts and cancellation, sent in priority order (consensus and layout
// traffic before block transfers). Anything malformed from the peer closes this
// connection only, with one log line; nothing from an unauthenticated peer is decoded
// beyond its Hello and its proof.
import { randomBytes } from "node:crypto"
import type { Socket } from "node:net"
import { Schema } from "effect"
import { Packr } from "msgpackr"
import type { NodeIdentity } from "../identity.ts"
import { encodeFrame, FrameDecoder } from "./frames.ts"
import { checkHello, checkProof, type Hello, makeProof, PROTOCOL_VERSION, type Role, sessionKeys } from "./handshake.ts"
import { Opener, Sealer } from "./sealed-channel.ts"

const packr = new Packr({ useRecords: false, moreTypes: false })

/** Lower numbers go first. */
export const Priority = { consensus: 0, layout: 1, normal: 2, background: 3 } as const
export type Priority = (typeof Priority)[keyof typeof Priority]

export interface RpcOptions {
  readonly identity: NodeIdentity
  readonly secret: Uint8Array
  readonly maxFrameBytes: number
  readonly handshakeTimeoutMs: number
  readonly log: (line: string) => void
}

export type Handler = (body: unknown, from: string, signal: AbortSignal) => Promise<unknown>

const Envelope = Schema.Union([
  Schema.Tuple([Schema.Literal(0), Schema.Int, Schema.Int, Schema.String, Schema.Unknown]), // request
  Schema.Tuple([Schema.Literal(1), Schema.Int, Schema.Boolean, Schema.Unknown]), // response
  Schema.Tuple([Schema.Literal(2), Schema.Int]), // cancel
])
const decodeEnvelope = Schema.decodeUnknownExit(Envelope)

export class RpcError extends Error {}

interface Pending {
  resolve(v: unknown): void
  reject(e: Error): void
  timer: NodeJS.Timeout
}

export class RpcConnection {
  peerId = ""
  private readonly decoder: FrameDecoder
  private state: "hello" | "proof" | "open" | "closed" = "hello"
  private me!: Hello
  private peer!: Hello
  private sealer?: Sealer
  private opener?: Opener
  private readonly queues: Buffer[][] = [[], [], [], []]
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly serving = new Map<number, AbortController>()
  private readonly closeListeners: Array<(reason: string) => void> = []
  readonly ready: Promise<void>
  private settleReady!: { resolve(): void; reject(e: Error): void }

  constructor(
    private readonly socket: Socket,
    private readonly role: Role,
    private readonly options: RpcOptions,
    private readonly handlers: ReadonlyMap<string, Handler>,
  ) {
    this.decoder = new FrameDecoder(options.maxFrameBytes)
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }))
    this.ready.catch(() => {})
    const handshakeTimer = setTimeout(() => this.fail("handshake timed out"), options.handshakeTimeoutMs)
    this.ready.then(
      () => clearTimeout(handshakeTimer),
      () => clearTimeout(handshakeTimer),
    )
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("drain", () => this.flush())
    socket.on("error", (e) => this.fail(`socket error: ${e.message}`, true))
    socket.on("close", () => this.fail("connection closed", true))
    this.me = { magic: "pollen-rpc", version: PROTOCOL_VERSION, nodeId: options.identity.id, nonce: randomBytes(32) }
    socket.write(encodeFrame(packr.pack(this.me)))
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener)
  }

  /** Sends a request and waits for its response. Aborting `signal` cancels it at the peer. */
  call(
    endpoint: string,
    body: unknown,
    opts: { priority?: Priority; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    if (this.state !== "open") return Promise.reject(new RpcError(`connection to ${this.remote} is not open`))
    const id = this.nextId++
    const priority = opts.priority ?? Priority.normal
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        this.enqueue(Priority.consensus, [2, id])
        reject(new RpcError(`${endpoint} to ${this.peerId.slice(0, 8)} timed out after ${opts.timeoutMs ?? 30_000} ms`))
      }, opts.timeoutMs ?? 30_000)
      this.pending.set(id, { resolve, reject, timer })
      opts.signal?.addEventListener("abort", () => {
        const p = this.pending.get(id)
        if (p === undefined) return
        clearTimeout(p.timer)
        this.pending.delete(id)
        this.enqueue(Priority.consensus, [2, id])
        reject(new RpcError(`${endpoint} cancelled`))
      })
      this.enqueue(priority, [0, id, priority, endpoint, body])
    })
  }

  close(reason = "closed by this node"): void {
    this.fail(reason, true)
  }

  // ---- receiving ----------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === "closed") return
    let frames: Buffer[]
    try {
      frames = this.decoder.push(chunk)
    } catch (e) {
      return this.fail((e as Error).message)
    }
    for (const frame of frames) {
      if (this.isClosed()) return // a frame before this one closed the connection
      try {
        this.onFrame(frame)
      } catch (e) {
        return this.fail(`malformed frame: ${(e as Error).message}`)
      }
    }
  }

  private onFrame(frame: Buffer): void {
    switch (this.state) {
      case "hello": {
        const hello = packr.unpack(frame) as unknown
        const problem = checkHello(hello)
        if (problem !== undefined) return this.fail(`refused: ${problem}`)
        this.peer = hello as Hello
        this.state = "proof"
        this.socket.write(encodeFrame(packr.pack(makeProof(this.options.secret, this.options.identity, this.role, this.me, this.peer))))
        return
      }
      case "proof": {
        const peerRole: Role = this.role === "initiator" ? "responder" : "initiator"
        const problem = checkProof(this.options.secret, peerRole, this.peer, this.me, packr.unpack(frame) as unknown)
        if (problem !== undefined) return this.fail(`refused: ${problem}`)
        const keys = sessionKeys(this.options.secret, this.role, this.me, this.peer)
        this.sealer = new Sealer(keys.send)
        this.opener = new Opener(keys.receive)
        this.peerId = this.peer.nodeId
        this.state = "open"
        this.settleReady.resolve()
        this.flush()
        return
      }
      case "open":
        return this.onMessage(packr.unpack(this.opener!.open(frame)) as unknown)
      case "closed":
        return
    }
  }

  private onMessage(raw: unknown): void {
    const exit = decodeEnvelope(raw)
    if (exit._tag === "Failure") throw new Error("not an RPC envelope")
    const msg = exit.value
    switch (msg[0]) {
      case 0: {
        const [, id, priority, endpoint, body] = msg
        const handler = this.handlers.get(endpoint)
        const reply = (ok: boolean, value: unknown) => {
          this.serving.delete(id)
          if (this.state === "open") this.enqueue(Math.min(3, Math.max(0, priority)) as Priority, [1, id, ok, value])
        }
        if (handler === undefined) return reply(false, `unknown endpoint ${endpoint}`)
        const abort = new AbortController()
        this.serving.set(id, abort)
        handler(body, this.peerId, abort.signal).then(
          (value) => (abort.signal.aborted ? this.serving.delete(id) : reply(true, value)),
          (e: unknown) => reply(false, e instanceof Error ? e.message : String(e)),
        )
        return
      }
      case 1: {
        const [, id, ok, value] = msg
        const p = this.pending.get(id)
        if (p === undefined) return // a late response to a request that timed out
        clearTimeout(p.timer)
        this.pending.delete(id)
        return ok ? p.resolve(value) : p.reject(new RpcError(String(value)))
      }
      case 2:
        this.serving.get(msg[1])?.abort()
        this.serving.delete(msg[1])
        return
    }
  }

  // ---- sending ------------------------------------------------------------------------

  private enqueue(priority: Priority, message: unknown): void {
    this.queues[priority]!.push(Buffer.from(packr.pack(message)))
    this.flush()
  }

  /** Writes queued messages, most urgent first, until the socket asks to wait. */
  private flush(): void {
    if (this.state !== "open" || this.socket.writableNeedDrain) return
    for (const queue of this.queues) {
      while (queue.length > 0) {
        const plain = queue.shift()!
        if (!this.socket.write(encodeFrame(this.sealer!.seal(plain)))) return
      }
    }
  }

  private isClosed(): boolean {
    return this.state === "closed"
  }

  private fail(reason: string, quiet = false): void {
    if (this.state === "closed") return
    const wasOpen = this.state === "open"
    this.state = "closed"
    if (!quiet || wasOpen) {
      this.options.log(`rpc: connection ${this.remote}${this.peerId ? ` (${this.peerId.slice(0, 8)})` : ""} closed: ${reason}`)
    }
    this.settleReady.reject(new RpcError(reason))
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(new RpcError(`connection lost: ${reason}`))
    }
    this.pending.clear()
    for (const a of this.serving.values()) a.abort()
    this.serving.clear()
    this.socket.destroy()
    for (const l of this.closeListeners) l(reason)
  }
}
