// One Pollen node as `npm run bench:cluster` runs it: the authenticated RPC on 127.0.0.1,
// the table layer with Pollen's tables (LMDB, metadata_fsync on) and the block layer
// (block files fsynced), with the production defaults except where noted. Used by the
// storage node processes (bench/cluster/node.ts) and by the driver's gateway node.
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { NodeId } from "../../src/core/machine.ts"
import type { TableSchema } from "../../src/core/table/index.ts"
import { pollenTables } from "../../src/core/table/pollen/index.ts"
import { BlockStore } from "../../src/node/block-store.ts"
import { BlockManager } from "../../src/node/blocks/block-manager.ts"
import type { Placement } from "../../src/node/cluster/interfaces.ts"
import { loadOrCreateIdentity, type NodeIdentity } from "../../src/node/identity.ts"
import { openMetadataDb, type MetadataDb } from "../../src/node/metadata-db.ts"
import { RpcNode } from "../../src/node/rpc/rpc-node.ts"
import { StaticClusterRpc, type PeerAddress } from "../../src/node/table/static-cluster-rpc.ts"
import { TableService } from "../../src/node/table/table-service.ts"

export interface Listening {
  readonly identity: NodeIdentity
  readonly rpc: RpcNode
  readonly port: number
}

/** First step: the identity (kept in `dir`) and the RPC endpoint, so peers can be told the address. */
export const listen = async (dir: string, secret: Buffer, log: (line: string) => void): Promise<Listening> => {
  mkdirSync(dir, { recursive: true })
  const identity = loadOrCreateIdentity(dir)
  // As ClusterRpc configures it (src/node/cluster/cluster-rpc.ts).
  const rpc = new RpcNode({ identity, secret, maxFrameBytes: 16 << 20, handshakeTimeoutMs: 5_000, log })
  return { identity, rpc, port: await rpc.listen(0) }
}

export interface Hosted {
  readonly self: NodeId
  readonly tables: TableService
  readonly blocks: BlockManager
  readonly db: MetadataDb
  close(): Promise<void>
}

/** Second step, once every address is known: the table and block layers. */
export const host = async (
  dir: string,
  l: Listening,
  addresses: Map<NodeId, PeerAddress>,
  placement: Placement,
  log: (line: string) => void,
): Promise<Hosted> => {
  const clusterRpc = new StaticClusterRpc(l.identity.id, l.rpc, addresses)
  const db = openMetadataDb(join(dir, "meta"), true)
  const tables = new TableService({ rpc: clusterRpc, placement, root: db.root, consistencyMode: "consistent", log })
  for (const t of pollenTables) tables.add(t as TableSchema<unknown>)
  tables.start()
  const store = new BlockStore(join(dir, "blocks"), true)
  await store.init()
  const blocks = new BlockManager({ rpc: clusterRpc, placement, store, db, log })
  return {
    self: l.identity.id,
    tables,
    blocks,
    db,
    close: async () => {
      tables.stop()
      await l.rpc.close()
      await blocks.close()
      await db.close()
    },
  }
}
