// The live Layers of the shell's services: reducers hosted by `hostReducer` with LMDB disks,
// wall-clock timers and a ClusterRpc transport; closing the scope stops a node, and a new
// scope on the same directory recovers what it persisted.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { defaultParams, makeRegistry, type NameRegistry } from "../../src/core/consensus/name-registry.ts"
import type { NameOp, NameRes } from "../../src/core/consensus/name-messages.ts"
import type { NodeId } from "../../src/core/machine.ts"
import type { ClusterRpc } from "../../src/node/cluster/interfaces.ts"
import type { ReducerHost } from "../../src/node/reducer-host.ts"
import { hostReducer, liveServices, startScoped } from "../../src/node/services.ts"

const root = mkdtempSync(join(tmpdir(), "pollen-services-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

type Handler = (from: NodeId, payload: unknown, signal: AbortSignal) => Promise<unknown>
const endpoints = new Map<NodeId, Map<string, Handler>>()
/** An in-process ClusterRpc: the payload is copied, as a wire would; a stopped node is unreachable. */
const rpcFor = (self: NodeId): ClusterRpc => {
  const mine = new Map<string, Handler>()
  endpoints.set(self, mine)
  return {
    self,
    handle: (endpoint, handler) => void mine.set(endpoint, handler),
    call: async (to, endpoint, payload) => {
      const handler = endpoints.get(to)?.get(endpoint)
      if (handler === undefined) throw new Error(`${to} unreachable`)
      return handler(self, structuredClone(payload), new AbortController().signal)
    },
  }
}

const nodes = ["a", "b", "c"]
const registry = makeRegistry()
const params = { ...defaultParams(nodes, nodes), deadlineMs: 2_000, retransmitMs: 100 }
const claim = (node: string): NameOp => ({
  _tag: "Claim",
  name: "photos",
  bucketId: `bucket-${node}`,
  reqId: `req-${node}`,
  ownerKey: `key-${node}`,
  initParams: { quotaBytes: null },
})

const startNode = (n: NodeId) => {
  endpoints.delete(n)
  const scope = Scope.makeUnsafe()
  const lines: string[] = []
  const host: ReducerHost<NameRegistry> = startScoped(
    hostReducer(registry, n, params),
    liveServices({ metadataDir: join(root, n), rpc: rpcFor(n), log: (l) => lines.push(l) }),
    scope,
  )
  return { host, lines, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)).then(() => endpoints.delete(n)) }
}

describe("live services: LMDB disks, wall-clock timers, ClusterRpc transport", () => {
  it("three nodes agree on a name; after every node stopped and started again, the decision is still there", async () => {
    let running = nodes.map(startNode)
    const first: NameRes = await running[0]!.host.request(claim("a"))
    expect(first._tag).toBe("Created")
    await Promise.all(running.map((r) => r.stop()))

    running = nodes.map(startNode)
    expect(running[1]!.host.currentState.acc["photos"]?.accVal).not.toBeNull()
    const second: NameRes = await running[1]!.host.request(claim("b"))
    expect(second._tag).toBe("BucketAlreadyExists")
    await Promise.all(running.map((r) => r.stop()))
  })

  it("a node alone answers Unavailable at its deadline and logs its unreachable peers once each", async () => {
    const alone = startNode("a")
    const res = await alone.host.request({ ...claim("a"), name: "lonely", reqId: "req-lonely" })
    expect(res._tag).toBe("Unavailable")
    expect(alone.lines.filter((l) => l.includes("b unreachable"))).toHaveLength(1)
    await alone.stop()
  })
})
