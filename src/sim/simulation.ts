// The deterministic simulator (DESIGN §2 `src/sim`): many nodes in one process, virtual
// time, a latency matrix, partitions, message loss from a seeded PRNG, crashes that keep
// only what was persisted, restarts. It provides the shell's services (src/node/services.ts)
// as its own Layers, so the reducers run inside the same ReducerHost as in a real node.
// A run is a function of its inputs and seed: same inputs, same events, same figures.
import { Effect, Exit, Layer, Scope } from "effect"
import type { NodeId, Persisted } from "../core/machine.ts"
import { nextRandom } from "../core/consensus/prng.ts"
import { NodeClock, NodeLog, NodeStorage, NodeTransport, type NodeServices, startScoped } from "../node/services.ts"
import { EventQueue } from "./event-queue.ts"

export interface SimulationOptions {
  readonly nodes: ReadonlyArray<NodeId>
  /** One-way delay in ms from `from` to `to` (half the round trip of a latency matrix). */
  readonly latency: (from: NodeId, to: NodeId) => number
  readonly seed?: number
  /** Probability in [0, 1) that a message is lost. */
  readonly dropRate?: number
}

export interface NetworkFigures {
  sent: number
  delivered: number
  dropped: number
}

interface SimNode {
  up: boolean
  scope: Scope.Closeable | undefined
  start: (() => unknown) | undefined
  readonly handlers: Map<string, (from: NodeId, raw: unknown) => void>
  /** protocol → key → record: what survives a crash. */
  readonly disk: Map<string, Map<string, unknown>>
}

export class Simulation {
  private readonly queue = new EventQueue()
  private readonly nodes = new Map<NodeId, SimNode>()
  private readonly cut = new Set<string>()
  private seed: number
  private time = 0
  readonly network: NetworkFigures = { sent: 0, delivered: 0, dropped: 0 }
  readonly log: string[] = []

  constructor(private readonly options: SimulationOptions) {
    this.seed = options.seed ?? 1
    for (const n of options.nodes) this.nodes.set(n, { up: false, scope: undefined, start: undefined, handlers: new Map(), disk: new Map() })
  }

  /** Virtual time in ms since the start of the run. */
  get now(): number {
    return this.time
  }

  /** Runs `fn` at virtual time `at` (clients' requests, faults). */
  at(at: number, fn: () => void): void {
    this.queue.push(Math.max(at, this.time), fn)
  }

  /** Processes events in time order up to `untilMs` (inclusive); returns the events run. */
  run(untilMs = Number.POSITIVE_INFINITY): number {
    let count = 0
    for (let e = this.queue.peek(); e !== undefined && e.at <= untilMs; e = this.queue.peek()) {
      this.queue.pop()
      this.time = e.at
      e.run()
      count++
    }
    if (Number.isFinite(untilMs)) this.time = Math.max(this.time, untilMs)
    return count
  }

  /**
   * Starts `node` with `program` (for example `hostReducer(...)`) inside a fresh scope;
   * `restart` runs the same program again after a crash, on the same disk.
   */
  start<A>(node: NodeId, program: Effect.Effect<A, never, NodeServices | Scope.Scope>): A {
    const n = this.node(node)
    if (n.up) throw new Error(`${node} is already running`)
    let result: A | undefined
    n.start = () => {
      n.scope = Scope.makeUnsafe()
      n.up = true
      result = startScoped(program, this.layer(node), n.scope)
      return result
    }
    n.start()
    return result as A
  }

  /** Stops `node` at once: timers, handlers and memory are gone; its disk stays. */
  crash(node: NodeId): void {
    const n = this.node(node)
    if (!n.up) return
    n.up = false
    if (n.scope !== undefined) Effect.runSync(Scope.close(n.scope, Exit.void))
    n.scope = undefined
    n.handlers.clear()
  }

  restart(node: NodeId): void {
    const n = this.node(node)
    if (n.up) return
    if (n.start === undefined) throw new Error(`${node} was never started`)
    n.start()
  }

  isUp(node: NodeId): boolean {
    return this.node(node).up
  }

  /** Messages between the groups are lost until `heal`; nodes in no group talk to everyone. */
  partition(...groups: ReadonlyArray<ReadonlyArray<NodeId>>): void {
    for (let i = 0; i < groups.length; i++)
      for (let j = 0; j < groups.length; j++)
        if (i !== j) for (const a of groups[i]!) for (const b of groups[j]!) this.cut.add(`${a}\u0000${b}`)
  }

  heal(): void {
    this.cut.clear()
  }

  private node(id: NodeId): SimNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new Error(`unknown node ${id}`)
    return n
  }

  private random(): number {
    const r = nextRandom(this.seed)
    this.seed = r.seed
    return r.value
  }

  private send(from: NodeId, to: NodeId, protocol: string, msg: unknown): void {
    this.network.sent++
    const lost = this.cut.has(`${from}\u0000${to}`) || ((this.options.dropRate ?? 0) > 0 && this.random() < this.options.dropRate!)
    if (lost || !this.nodes.has(to)) {
      this.network.dropped++
      return
    }
    // A copy, as if it went through the wire: the receiver must not share the sender's objects.
    const copy = structuredClone(msg)
    this.queue.push(this.time + this.options.latency(from, to), () => {
      const handler = this.nodes.get(to)!.handlers.get(protocol)
      if (handler === undefined) {
        this.network.dropped++
        return
      }
      this.network.delivered++
      handler(from, copy)
    })
  }

  /** The services of `node`, backed by this simulation. */
  private layer(node: NodeId): Layer.Layer<NodeServices> {
    const n = this.node(node)
    return Layer.mergeAll(
      Layer.succeed(NodeClock, {
        now: () => this.time,
        setTimer: (afterMs, fire) => {
          let live = true
          this.queue.push(this.time + afterMs, () => {
            if (live && n.up) fire()
          })
          return () => {
            live = false
          }
        },
      }),
      Layer.succeed(NodeTransport, {
        send: (protocol, to, msg) => this.send(node, to, protocol, msg),
        serve: (protocol, deliver) => {
          n.handlers.set(protocol, deliver)
          return () => {
            if (n.handlers.get(protocol) === deliver) n.handlers.delete(protocol)
          }
        },
      }),
      Layer.succeed(NodeStorage, {
        disk: (protocol) => {
          let d = n.disk.get(protocol)
          if (d === undefined) {
            d = new Map()
            n.disk.set(protocol, d)
          }
          const records = d
          return {
            load: (): Array<Persisted<unknown>> =>
              [...records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, record]) => ({ key, record: structuredClone(record) })),
            persist: (rs, forgotten = []) => {
              for (const r of rs) records.set(r.key, structuredClone(r.record))
              for (const key of forgotten) records.delete(key)
            },
          }
        },
      }),
      Layer.succeed(NodeLog, { line: (text) => this.log.push(`${this.time} ${node}: ${text}`) }),
    )
  }
}
