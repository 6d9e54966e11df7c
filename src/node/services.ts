// The shell's services (DESIGN §6) as Effect services. A reducer is hosted by
// `hostReducer`, which asks only for these services; a real node provides them with
// `liveServices` (LMDB, the cluster's RPC, wall-clock timers, stderr) and the
// deterministic simulator (src/sim) with its own Layers (memory, a latency matrix,
// virtual time). The same ReducerHost code runs in both.
import { Context, Effect, Layer, Scope } from "effect"
import type { Machine, NodeId, Protocol } from "../core/machine.ts"
import type { ClusterRpc } from "./cluster/interfaces.ts"
import { type HostTimers, type ReducerDisk, ReducerHost, wallClockTimers } from "./reducer-host.ts"
import { ReducerStorage } from "./reducer-storage.ts"
import { Priority } from "./rpc/rpc-connection.ts"

/** Time and timers. */
export class NodeClock extends Context.Service<NodeClock, { now(): number } & HostTimers>()("pollen/NodeClock") {}

/** Messages between the instances of one protocol on different nodes. */
export class NodeTransport extends Context.Service<
  NodeTransport,
  {
    /** Fire-and-forget: the protocols tolerate loss. */
    send(protocol: string, to: NodeId, msg: unknown, priority: Priority): void
    /** Hands every message for `protocol` to `deliver`, undecoded; the returned function stops it. */
    serve(protocol: string, deliver: (from: NodeId, raw: unknown) => void): () => void
  }
>()("pollen/NodeTransport") {}

/** The reducers' disks, one per protocol. */
export class NodeStorage extends Context.Service<NodeStorage, { disk(protocol: string): ReducerDisk }>()("pollen/NodeStorage") {}

/** One line per event worth an operator's attention. */
export class NodeLog extends Context.Service<NodeLog, { line(text: string): void }>()("pollen/NodeLog") {}

/** Seeds for the reducers' own PRNGs (reducers never draw randomness themselves). */
export class NodeRandom extends Context.Service<NodeRandom, { seed(): number }>()("pollen/NodeRandom") {}

export type NodeServices = NodeClock | NodeTransport | NodeStorage | NodeLog

/** Consensus and layout traffic overtakes table and block traffic (DESIGN §6). */
export const priorityOf = (protocol: string): Priority =>
  /registry|commit|layout|membership/.test(protocol) ? Priority.consensus : Priority.normal

/**
 * Runs `machine` on this node for the lifetime of the scope: recovers from its disk, serves
 * its messages, runs its timers; closing the scope stops it (the disk stays).
 */
export const hostReducer = <P extends Protocol>(
  machine: Machine<P>,
  self: NodeId,
  params: P["Params"],
  options: { readonly onStep?: ConstructorParameters<typeof ReducerHost<P>>[0]["onStep"]; readonly tickOnReceive?: boolean } = {},
): Effect.Effect<ReducerHost<P>, never, NodeServices | Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* NodeClock
    const transport = yield* NodeTransport
    const storage = yield* NodeStorage
    const log = yield* NodeLog
    const priority = priorityOf(machine.name)
    return yield* Effect.acquireRelease(
      Effect.sync(() => {
        // Served before the host exists: recovery may send to this very node, and that message
        // must wait for the host rather than find no endpoint.
        let ready: ReducerHost<P> | undefined
        const early: [NodeId, unknown][] = []
        const unserve = transport.serve(machine.name, (from, raw) => (ready === undefined ? early.push([from, raw]) : ready.receive(from, raw)))
        const host = new ReducerHost<P>({
          machine,
          self,
          params,
          storage: storage.disk(machine.name),
          transport: { send: (to, msg) => transport.send(machine.name, to, msg, priority) },
          clock,
          timers: clock,
          log: (text) => log.line(text),
          ...(options.onStep !== undefined ? { onStep: options.onStep } : {}),
          ...(options.tickOnReceive !== undefined ? { tickOnReceive: options.tickOnReceive } : {}),
        })
        ready = host
        for (const [from, raw] of early.splice(0)) queueMicrotask(() => host.receive(from, raw))
        return { host, unserve }
      }),
      ({ host, unserve }) =>
        Effect.sync(() => {
          unserve()
          host.stop()
        }),
    ).pipe(Effect.map(({ host }) => host))
  })

/** Wall-clock time and timers. */
export const liveClock = Layer.succeed(NodeClock, { now: () => Date.now(), setTimer: wallClockTimers.setTimer })

/** Log lines to stderr (or to `sink`). */
export const liveLog = (sink: (text: string) => void = (text) => console.error(text)) => Layer.succeed(NodeLog, { line: sink })

/** The reducers' disks in the LMDB environment under `metadataDir`, closed with the scope. */
export const liveStorage = (metadataDir: string): Layer.Layer<NodeStorage> =>
  Layer.effect(
    NodeStorage,
    Effect.gen(function* () {
      const disks = new Map<string, ReducerStorage>()
      yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([...disks.values()].map((d) => d.close()))))
      return {
        disk: (protocol: string) => {
          let d = disks.get(protocol)
          if (d === undefined) {
            d = new ReducerStorage(metadataDir, `reducer/${protocol}`)
            disks.set(protocol, d)
          }
          return d
        },
      }
    }),
  )

/**
 * Messages over the cluster's authenticated RPC: endpoint `reducer/<protocol>`, the sender
 * named by the connection (not by the message). Failures are logged once per unreachable peer.
 */
export const rpcTransport = (rpc: ClusterRpc): Layer.Layer<NodeTransport, never, NodeLog> =>
  Layer.effect(
    NodeTransport,
    Effect.gen(function* () {
      const log = yield* NodeLog
      const unreachable = new Set<NodeId>()
      const serving = new Map<string, (from: NodeId, raw: unknown) => void>()
      return {
        send: (protocol, to, msg, priority) => {
          rpc.call(to, `reducer/${protocol}`, msg, { priority, timeoutMs: 10_000 }).then(
            () => unreachable.delete(to),
            (e: unknown) => {
              if (!unreachable.has(to)) log.line(`${rpc.self}: ${to} unreachable (${protocol}): ${(e as Error).message}`)
              unreachable.add(to)
            },
          )
        },
        serve: (protocol, deliver) => {
          if (!serving.has(protocol)) {
            rpc.handle(`reducer/${protocol}`, async (from, payload) => {
              serving.get(protocol)?.(from, payload)
              return null
            })
          }
          serving.set(protocol, deliver)
          return () => serving.delete(protocol)
        },
      }
    }),
  )

/** Everything a real node's reducers need, over `rpc` and the LMDB files under `metadataDir`. */
export const liveServices = (options: {
  readonly metadataDir: string
  readonly rpc: ClusterRpc
  readonly log?: (text: string) => void
}): Layer.Layer<NodeServices> => {
  const log = liveLog(options.log)
  return Layer.mergeAll(liveClock, log, liveStorage(options.metadataDir), rpcTransport(options.rpc).pipe(Layer.provide(log)))
}

/**
 * Builds `layer` and runs `program` inside `scope`, synchronously: the services and
 * whatever the program acquired live until the scope closes (a node's stop, or a crash in
 * the simulator). For programs that do not wait on I/O to start, like `hostReducer`.
 */
export const startScoped = <A, R>(
  program: Effect.Effect<A, never, R | Scope.Scope>,
  layer: Layer.Layer<Exclude<R, Scope.Scope>>,
  scope: Scope.Closeable,
): A =>
  Effect.runSync(
    Scope.provide(scope)(
      Effect.gen(function* () {
        const services = yield* Layer.build(layer)
        return yield* Effect.provideContext(program as Effect.Effect<A, never, Exclude<R, Scope.Scope> | Scope.Scope>, services)
      }),
    ) as Effect.Effect<A>,
  )
