// Three ClusterService nodes in one process on loopback with a committed layout, for the
// name registry tests: real sockets, LMDB, the shared rpc secret; a node can be stopped and
// started again on its own port and metadata directory.
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { current } from "../../src/core/layout/history.ts"
import { ClusterService } from "../../src/node/cluster/cluster-service.ts"
import { generateIdentity, type NodeIdentity } from "../../src/node/identity.ts"
import { freePort } from "../support/net.ts"

export const until = async (check: () => boolean, what: string, ms = 15_000) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

export interface TestCluster {
  readonly nodes: Array<ClusterService | undefined>
  readonly logs: string[]
  node(i: number): ClusterService
  stop(i: number): Promise<void>
  start(i: number): Promise<ClusterService>
  close(): Promise<void>
}

export const startCluster = async (
  dir: string,
  nameDeadlineMs: number,
  nameRepairIntervalMs = 0,
  beforeLayout: (nodes: ClusterService[]) => Promise<void> = async () => {},
): Promise<TestCluster> => {
  const secret = randomBytes(32)
  const identities: NodeIdentity[] = [0, 1, 2].map(() => generateIdentity())
  const ports = await Promise.all(identities.map(() => freePort()))
  const logs: string[] = []
  const nodes: Array<ClusterService | undefined> = [undefined, undefined, undefined]
  const start = async (i: number) => {
    const n = await ClusterService.start({
      identity: identities[i]!,
      secret,
      bind: { host: "127.0.0.1", port: ports[i]! },
      publicAddr: undefined,
      bootstrap: identities.map((id, j) => ({ id: id.id, addr: `127.0.0.1:${ports[j]}` })).filter((_, j) => j !== i),
      replicationFactor: 3,
      pingIntervalMs: 100,
      downAfterMs: 600,
      commitTimeoutMs: 3_000,
      nameDeadlineMs,
      nameRepairIntervalMs,
      dir: join(dir, `n${i}`),
      log: (l) => logs.push(`n${i}: ${l}`),
    })
    nodes[i] = n
    return n
  }
  const node = (i: number) => {
    const n = nodes[i]
    if (n === undefined) throw new Error(`node ${i} is stopped`)
    return n
  }
  await Promise.all([0, 1, 2].map(start))
  await until(() => nodes.every((n) => n!.peers().length === 2 && n!.peers().every((p) => p.isUp)), "all peers up")
  await beforeLayout(nodes as ClusterService[])
  for (const [i, id] of identities.entries()) node(0).layout.stageRole(id.id, { zone: `dc${i}`, capacity: 1e9, tags: [] })
  await node(0).layout.apply(1)
  await until(() => nodes.every((n) => current(n!.layout.state.history) === 1), "layout version 1 everywhere")
  return {
    nodes,
    logs,
    node,
    start,
    stop: async (i) => {
      const n = nodes[i]
      nodes[i] = undefined
      await n?.close()
    },
    close: async () => {
      await Promise.all(nodes.map((n) => n?.close().catch(() => {})))
    },
  }
}
