// One authenticated, encrypted RPC connection over TCP: the handshake, then requests and
// responses with timeouts and cancellation, sent in priority order (consensus and layout
// traffic before block transfers), several per sealed frame. Anything malformed from the
// peer closes this connection only, with one log line; nothing from an unauthenticated
// peer is decoded beyond its Hello and its proof.
import { randomBytes } from "node:crypto"
import type { Socket } from "node:net"
import { type Message, parseEnvelope } from "./envelope.ts"
import { Packr, RESET_BUFFER_MODE } from "msgpackr"
import type { NodeIdentity } from "../identity.ts"
import { OutgoingBatch, PREFIX_BYTES, splitBatch } from "./batches.ts"
import { encodeFrame, type Frame, FrameDecoder, joinFrame } from "./frames.ts"
import { checkHello, checkProof, type Hello, makeProof, PROTOCOL_VERSION, type Role, sessionKeys } from "./handshake.ts"
import { Opener, Sealer, TAG_BYTES } from "./sealed-channel.ts"

const packr = new Packr({ useRecords: false, moreTypes: false })

/** Plaintext bytes of a batch: enough to amortise a frame's costs, little enough not to hold consensus back long. */
const BATCH_BYTES = 256 << 10

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
  private readonly queues: Message[][] = [[], [], [], []]
  private flushScheduled = false
  /** The most plaintext one frame may carry, so that no frame this node sends exceeds `maxFrameBytes`. */
  private readonly framePlainBytes: number
  private readonly batchBytes: number
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
    this.framePlainBytes = options.maxFrameBytes - TAG_BYTES
    this.batchBytes = Math.min(BATCH_BYTES, this.framePlainBytes)
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

  /**
   * Sends a request and waits for its response. Aborting `signal` cancels it at the peer.
   * `body` is encoded when its batch is sent, not now: it must not change after the call.
   */
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
        this.cancel(id, priority)
        reject(new RpcError(`${endpoint} to ${this.peerId.slice(0, 8)} timed out after ${opts.timeoutMs ?? 30_000} ms`))
      }, opts.timeoutMs ?? 30_000)
      this.pending.set(id, { resolve, reject, timer })
      opts.signal?.addEventListener("abort", () => {
        if (this.takePending(id) === undefined) return
        this.cancel(id, priority)
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
    let frames: Frame[]
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

  private onFrame(frame: Frame): void {
    switch (this.state) {
      case "hello": {
        const hello = packr.unpack(joinFrame(frame)) as unknown
        const problem = checkHello(hello)
        if (problem !== undefined) return this.fail(`refused: ${problem}`)
        this.peer = hello as Hello
        this.state = "proof"
        this.socket.write(encodeFrame(packr.pack(makeProof(this.options.secret, this.options.identity, this.role, this.me, this.peer))))
        return
      }
      case "proof": {
        const peerRole: Role = this.role === "initiator" ? "responder" : "initiator"
        const problem = checkProof(this.options.secret, peerRole, this.peer, this.me, packr.unpack(joinFrame(frame)) as unknown)
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
        for (const message of splitBatch(this.opener!.open(frame))) {
          if (this.isClosed()) return // a handler of a message before this one closed the connection
          this.onMessage(packr.unpack(message) as unknown)
        }
        return
      case "closed":
        return
    }
  }

  private onMessage(raw: unknown): void {
    const msg = parseEnvelope(raw)
    if (msg === undefined) throw new Error("not an RPC envelope")
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
        const p = this.takePending(id)
        if (p === undefined) return // a late response to a request that timed out
        return ok ? p.resolve(value) : p.reject(new RpcError(String(value)))
      }
      case 2:
        this.serving.get(msg[1])?.abort()
        this.serving.delete(msg[1])
        return
    }
  }

  /** Takes a call out of the pending set, stopping its timer. */
  private takePending(id: number): Pending | undefined {
    const p = this.pending.get(id)
    if (p === undefined) return undefined
    clearTimeout(p.timer)
    this.pending.delete(id)
    return p
  }

  // ---- sending ------------------------------------------------------------------------

  /**
   * Drops a request that has not left yet; otherwise tells the peer to stop serving it.
   * (A cancel sent for a queued request would overtake it, consensus first.)
   */
  private cancel(id: number, priority: Priority): void {
    const queue = this.queues[priority]!
    const at = queue.findIndex((m) => m[0] === 0 && m[1] === id)
    if (at >= 0) queue.splice(at, 1)
    else this.enqueue(Priority.consensus, [2, id])
  }

  private enqueue(priority: Priority, message: Message): void {
    this.queues[priority]!.push(message)
    if (this.flushScheduled) return
    // After the current I/O callbacks, so that everything they queue shares one batch.
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /** Writes batches of queued messages until the queues are empty or the socket asks to wait. */
  private flush(): void {
    while (this.state === "open" && !this.socket.writableNeedDrain && this.nextPriority() >= 0) this.writeBatch()
  }

  private nextPriority(): number {
    return this.queues.findIndex((q) => q.length > 0)
  }

  /**
   * Seals queued messages, most urgent first, into one frame of up to `batchBytes` of
   * plaintext (a larger message goes alone) and writes it. A consensus message queued
   * meanwhile waits behind this one frame at most.
   */
  private writeBatch(): void {
    const batch = new OutgoingBatch(this.sealer!)
    for (let p = this.nextPriority(); p >= 0 && batch.size < this.batchBytes; p = this.nextPriority()) {
      const queue = this.queues[p]!
      const message = queue.shift()!
      const packed = this.pack(message, p as Priority)
      if (packed === undefined) continue
      if (batch.size > 0 && batch.size + PREFIX_BYTES + packed.length > this.batchBytes) {
        queue.unshift(message) // first in the next batch, packed again: `packed` is only valid until the next pack
        break
      }
      batch.add(packed)
    }
    batch.writeTo(this.socket)
  }

  /**
   * The message packed: a view into msgpackr's buffer, which RESET_BUFFER_MODE has the next
   * pack reuse (no fresh buffer per large message), so it is valid until then and is
   * encrypted at once, without a copy. Undefined if it cannot be sent: a request then fails
   * here and a response is replaced by an error, rather than the peer closing the
   * connection over an oversized frame.
   */
  private pack(message: Message, priority: Priority): Buffer | undefined {
    let problem: string
    try {
      const packed = packr.pack(message, RESET_BUFFER_MODE)
      if (PREFIX_BYTES + packed.length <= this.framePlainBytes) return packed
      problem = `is ${packed.length} bytes, above the frame limit of ${this.options.maxFrameBytes}`
    } catch (e) {
      problem = `cannot be encoded: ${(e as Error).message}`
    }
    if (message[0] === 0) this.takePending(message[1])?.reject(new RpcError(`${message[3]} request ${problem}`))
    if (message[0] === 1) this.enqueue(priority, [1, message[1], false, `response ${problem}`])
    return undefined
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
