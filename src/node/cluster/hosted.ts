// Reducers of the cluster service hosted through the shell's Effect services (services.ts):
// the live Layers are built once per node, and each reducer runs in its own child scope so
// it can be stopped (and started again) without stopping the others.
import { type Context, Effect, Exit, Layer, Scope } from "effect"
import type { Protocol } from "../../core/machine.ts"
import type { ReducerHost } from "../reducer-host.ts"
import type { NodeServices } from "../services.ts"

export class HostedReducers {
  private readonly root: Scope.Closeable = Effect.runSync(Scope.make())
  private readonly services: Context.Context<NodeServices>

  constructor(layer: Layer.Layer<NodeServices>) {
    this.services = Effect.runSync(Scope.provide(this.root)(Layer.build(layer)))
  }

  /** Starts `program` (a `hostReducer(...)`); `stop()` closes its scope (its disk stays). */
  start<P extends Protocol>(program: Effect.Effect<ReducerHost<P>, never, NodeServices | Scope.Scope>): { readonly host: ReducerHost<P>; stop(): void } {
    const scope = Effect.runSync(Scope.fork(this.root))
    const host = Effect.runSync(Scope.provide(scope)(Effect.provideContext(program, this.services)))
    return { host, stop: () => Effect.runSync(Scope.close(scope, Exit.void)) }
  }

  /** Stops every reducer and releases the services (closes the LMDB disks). */
  close(): Promise<void> {
    return Effect.runPromise(Scope.close(this.root, Exit.void))
  }
}
