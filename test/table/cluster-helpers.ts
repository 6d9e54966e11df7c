// Table-layer nodes on 127.0.0.1 for integration tests: each with its own LMDB directory,
// an authenticated RpcNode, a StaticClusterRpc and a TableService.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { open, type RootDatabase } from "lmdb"
import type { ConsistencyMode, TableSchema } from "../../src/core/table/index.ts"
import type { Placement } from "../../src/node/cluster/interfaces.ts"
import { loadOrCreateIdentity, type NodeIdentity } from "../../src/node/identity.ts"
import { RpcNode } from "../../src/node/rpc/rpc-node.ts"
import { StaticClusterRpc, type PeerAddress } from "../../src/node/table/static-cluster-rpc.ts"
import { TableService, type TableServiceOptions } from "../../src/node/table/table-service.ts"

export interface TableNode {
  readonly dir: string
  readonly identity: NodeIdentity
  readonly id: string
  readonly rpcNode: RpcNode
  readonly cluster: StaticClusterRpc
  readonly service: TableService
  readonly root: RootDatabase
  readonly port: number
  readonly logs: string[]
  stop(): Promise<void>
}

export const newNodeDir = (): string => mkdtempSync(join(tmpdir(), "pollen-tnode-"))

export interface StartOptions {
  readonly dir: string
  readonly secret: Uint8Array
  readonly placement: Placement
  readonly addresses: Map<string, PeerAddress>
  readonly schemas: ReadonlyArray<TableSchema<any>>
  readonly mode?: ConsistencyMode
  readonly port?: number
  readonly service?: Partial<TableServiceOptions>
}

export const openTableDb = (dir: string): RootDatabase => open({ path: join(dir, "meta"), compression: false, maxDbs: 128 })

export const startTableNode = async (o: StartOptions): Promise<TableNode> => {
  const identity = loadOrCreateIdentity(o.dir)
  const logs: string[] = []
  const log = (l: string) => logs.push(l)
  const rpcNode = new RpcNode({ identity, secret: o.secret, maxFrameBytes: 16 << 20, handshakeTimeoutMs: 2_000, log })
  const cluster = new StaticClusterRpc(identity.id, rpcNode, o.addresses)
  const root = openTableDb(o.dir)
  const service = new TableService({
    rpc: cluster,
    placement: o.placement,
    root,
    consistencyMode: o.mode ?? "consistent",
    log,
    syncIntervalMs: 0,
    gcIntervalMs: 0,
    rpcTimeoutMs: 3_000,
    ...o.service,
  })
  for (const s of o.schemas) service.add(s)
  const port = await rpcNode.listen(o.port ?? 0)
  o.addresses.set(identity.id, { host: "127.0.0.1", port })
  service.start()
  return {
    dir: o.dir,
    identity,
    id: identity.id,
    rpcNode,
    cluster,
    service,
    root,
    port,
    logs,
    stop: async () => {
      service.stop()
      await rpcNode.close()
      await root.close()
    },
  }
}
