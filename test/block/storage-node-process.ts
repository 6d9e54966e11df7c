// A block storage node in its own process, for the SIGKILL test: holds every partition
// (rf 1), serves the block endpoints on the given port, prints "ready <id> <port>".
// Usage: node --import tsx test/block/storage-node-process.ts <dir> <port> <secret hex>
import { join } from "node:path"
import { BlockStore } from "../../src/node/block-store.ts"
import { BlockManager } from "../../src/node/blocks/block-manager.ts"
import { fixedPlacement } from "../../src/node/cluster/interfaces.ts"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"
import { openMetadataDb } from "../../src/node/metadata-db.ts"
import { RpcNode } from "../../src/node/rpc/rpc-node.ts"
import { LoopbackClusterRpc } from "./helpers.ts"

const [dir, port, secret] = process.argv.slice(2) as [string, string, string]
const identity = loadOrCreateIdentity(join(dir, "meta"))
const rpc = new RpcNode({ identity, secret: Buffer.from(secret, "hex"), maxFrameBytes: 32 << 20, handshakeTimeoutMs: 2_000, log: () => {} })
const bound = await rpc.listen(Number(port))
const store = new BlockStore(join(dir, "blocks"), true)
await store.init()
new BlockManager({
  rpc: new LoopbackClusterRpc(identity.id, rpc, new Map()),
  placement: fixedPlacement([identity.id], 1, 16),
  store,
  db: openMetadataDb(join(dir, "meta"), true),
})
console.log(`ready ${identity.id} ${bound}`)
