// The shell around one reducer (DESIGN §3, §6): it feeds the reducer its inputs one at a
// time, makes every `Persist` of a step durable before any `Send` or `Reply` of that step
// leaves, runs the timers the reducer sets, and delivers peer messages only after their
// Schema accepted them. The reducer itself stays pure; everything here is I/O.
import type { Input, Machine, NodeId, Output, Persisted, Protocol } from "../core/machine.ts"
import { decodeUntrusted } from "../core/machine.ts"

export interface HostTransport {
  /** Fire-and-forget: the protocols tolerate loss, so failures are only logged. */
  send(to: NodeId, msg: unknown): void
}

export interface HostClock {
  now(): number
}

/** Timers: wall-clock in a real node, virtual time in the simulator. */
export interface HostTimers {
  /** Calls `fire` once after `afterMs`; the returned function cancels it. */
  setTimer(afterMs: number, fire: () => void): () => void
}

/** A reducer's disk: LMDB in a real node (ReducerStorage), memory in the simulator. */
export interface ReducerDisk {
  /** Every record persisted so far, sorted by key (the `Recover` input). */
  load(): Array<Persisted<unknown>>
  /** Writes `records` and removes the `forgotten` keys; durable when it returns. */
  persist(records: ReadonlyArray<Persisted<unknown>>, forgotten?: ReadonlyArray<string>): void
}

export const wallClockTimers: HostTimers = {
  setTimer: (afterMs, fire) => {
    const t = setTimeout(fire, afterMs)
    return () => clearTimeout(t)
  },
}

export interface ReducerHostOptions<P extends Protocol> {
  readonly machine: Machine<P>
  readonly self: NodeId
  readonly params: P["Params"]
  readonly storage: ReducerDisk
  readonly transport: HostTransport
  readonly clock: HostClock
  /** Default: wall-clock timers. */
  readonly timers?: HostTimers
  readonly log: (line: string) => void
  /** Called with every input and the state after it (for trace logs). */
  readonly onStep?: (input: Input<P["Msg"], P["Op"], P["Rec"]>, state: P["State"]) => void
  /** Feed a `Tick` before every received message too (for reducers that time-stamp messages). */
  readonly tickOnReceive?: boolean
}

export class ReducerHost<P extends Protocol> {
  private state: P["State"]
  private readonly timers = new Map<string, () => void>()
  private readonly waiting = new Map<string, (result: P["Res"]) => void>()
  private nextRequest = 1
  private stopped = false
  private readonly decodeMsg: (input: unknown) => { ok: true; value: P["Msg"] } | { ok: false; error: string }

  constructor(private readonly options: ReducerHostOptions<P>) {
    this.decodeMsg = decodeUntrusted(options.machine.schemas.msg)
    this.state = options.machine.init(options.self, options.params)
    // A start is a restart with whatever the disk holds (nothing on the first start).
    this.apply({ _tag: "Recover", persisted: options.storage.load() as never })
  }

  get currentState(): P["State"] {
    return this.state
  }

  /** A client request; resolves with the reducer's reply. */
  request(op: P["Op"], id?: string): Promise<P["Res"]> {
    return new Promise<P["Res"]>((resolve) => this.submit(op, resolve, id))
  }

  /**
   * A client request whose reply is handed to `onReply` synchronously, inside the step that
   * produced it (the simulator needs the virtual time of the reply, not of a later microtask).
   * `id` names the request in the reducer (trace validation wants the model's `c<client>.<pc>`).
   */
  submit(op: P["Op"], onReply: (result: P["Res"]) => void, id = `${this.options.self}.${this.nextRequest++}`): void {
    this.waiting.set(id, onReply)
    this.apply({ _tag: "Tick", now: this.options.clock.now() })
    this.apply({ _tag: "Request", id, op })
  }

  /** A message from a peer, as it came off the wire: decoded by the message Schema first. */
  receive(from: NodeId, raw: unknown): void {
    const decoded = this.decodeMsg(raw)
    if (!decoded.ok) {
      this.options.log(`${this.options.machine.name}: dropped a malformed message from ${from}: ${decoded.error.split("\n")[0]}`)
      return
    }
    if (this.options.tickOnReceive === true) this.apply({ _tag: "Tick", now: this.options.clock.now() })
    this.apply({ _tag: "Recv", from, msg: decoded.value })
  }

  /** Stops the timers; what was persisted stays for the next start. */
  stop(): void {
    this.stopped = true
    for (const cancel of this.timers.values()) cancel()
    this.timers.clear()
  }

  private apply(input: Input<P["Msg"], P["Op"], P["Rec"]>): void {
    if (this.stopped) return
    const { state, out } = this.options.machine.step(this.state, input)
    this.state = state
    this.options.onStep?.(input, state)
    this.execute(out)
  }

  private execute(out: ReadonlyArray<Output<P["Msg"], P["Res"], P["Rec"]>>): void {
    // The ordering rule: persist first (durable on return), then let anything leave.
    this.options.storage.persist(
      out.flatMap((o) => (o._tag === "Persist" ? [{ key: o.key, record: o.record }] : [])),
      out.flatMap((o) => (o._tag === "Forget" ? [o.key] : [])),
    )
    for (const o of out) {
      switch (o._tag) {
        case "Send":
          this.options.transport.send(o.to, o.msg)
          break
        case "Reply": {
          const resolve = this.waiting.get(o.id)
          this.waiting.delete(o.id)
          resolve?.(o.result)
          break
        }
        case "SetTimer": {
          this.timers.get(o.id)?.()
          const id = o.id
          const cancel = (this.options.timers ?? wallClockTimers).setTimer(o.afterMs, () => {
            if (this.timers.get(id) !== cancel) return
            this.timers.delete(id)
            this.apply({ _tag: "Tick", now: this.options.clock.now() })
            this.apply({ _tag: "Timer", id })
          })
          this.timers.set(id, cancel)
          break
        }
        case "CancelTimer":
          this.timers.get(o.id)?.()
          this.timers.delete(o.id)
          break
        case "Persist":
        case "Forget":
          break
      }
    }
  }
}
