// Test harness for the block layer: the table layer's StaticClusterRpc over 127.0.0.1
// ports (the real authenticated RPC), a Placement that tests can change, and nodes that
// stop and restart on the same data directories and port.
import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { NodeId } from "../../src/core/machine.ts"
import { BlockStore } from "../../src/node/block-store.ts"
import { BlockManager, type BlockManagerOptions } from "../../src/node/blocks/block-manager.ts"
import { fixedPlacement, type Placement } from "../../src/node/cluster/interfaces.ts"
import { generateIdentity, type NodeIdentity } from "../../src/node/identity.ts"
import { openMetadataDb, type MetadataDb } from "../../src/node/metadata-db.ts"
import { RpcNode } from "../../src/node/rpc/rpc-node.ts"
import { StaticClusterRpc } from "../../src/node/table/static-cluster-rpc.ts"

/** The table layer's StaticClusterRpc over 127.0.0.1 ports the test fills in as nodes listen. */
export class LoopbackClusterRpc extends StaticClusterRpc {
  constructor(self: NodeId, node: RpcNode, ports: ReadonlyMap<NodeId, number>) {
    // Never to itself: the block layer serves its own node without the network.
    const addressOf = (id: NodeId) => {
      const port = id === self ? undefined : ports.get(id)
      return port === undefined ? undefined : { host: "127.0.0.1", port }
    }
    super(self, node, addressOf, 5_000)
  }
}

/** A Placement whose layout the test replaces; each node has its own (they learn changes separately). */
export class SwitchablePlacement implements Placement {
  private listeners = new Set<() => void>()
  constructor(private current: Placement) {}
  get partitionCount() {
    return this.current.partitionCount
  }
  currentVersion = () => this.current.currentVersion()
  writeSets = (p: number) => this.current.writeSets(p)
  readSet = (p: number) => this.current.readSet(p)
  replicationFactor = () => this.current.replicationFactor()
  allNodes = () => this.current.allNodes()
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  set(next: Placement): void {
    this.current = next
    for (const l of [...this.listeners]) l()
  }
}

/** Several layout versions active at once: writes go to each version's set, reads to the newest. */
export const transitionPlacement = (versions: ReadonlyArray<Placement>): Placement => {
  const newest = versions[versions.length - 1]!
  return {
    partitionCount: newest.partitionCount,
    currentVersion: () => versions.length,
    writeSets: (p) => versions.flatMap((v) => v.writeSets(p)),
    readSet: (p) => newest.readSet(p),
    replicationFactor: () => newest.replicationFactor(),
    allNodes: () => [...new Set(versions.flatMap((v) => v.allNodes()))],
    subscribe: () => () => {},
  }
}

export interface TestNode {
  readonly id: NodeId
  readonly dir: string
  readonly placement: SwitchablePlacement
  manager: BlockManager
  store: BlockStore
  db: MetadataDb
  rpc: RpcNode
  up: boolean
  logs: string[]
}

export const secret = randomBytes(32)

export class TestCluster {
  readonly nodes: TestNode[] = []
  private readonly identities = new Map<NodeId, NodeIdentity>()
  readonly ports = new Map<NodeId, number>()

  private constructor(
    private readonly root: string,
    private readonly managerOptions: Partial<BlockManagerOptions>,
  ) {}

  /** `n` nodes, each with the layout `layout(ids)`. */
  static async start(n: number, layout: (ids: NodeId[]) => Placement, managerOptions: Partial<BlockManagerOptions> = {}): Promise<TestCluster> {
    const c = new TestCluster(await mkdtemp(join(tmpdir(), "pollen-blocks-")), managerOptions)
    const ids: NodeId[] = []
    for (let i = 0; i < n; i++) {
      const identity = generateIdentity()
      c.identities.set(identity.id, identity)
      ids.push(identity.id)
    }
    for (const [i, id] of ids.entries()) {
      const node = {
        id,
        dir: join(c.root, `node${i}`),
        placement: new SwitchablePlacement(layout(ids)),
        up: false,
        logs: [],
      } as unknown as TestNode
      c.nodes.push(node)
      await c.listen(node, 0)
    }
    for (const node of c.nodes) await c.open(node)
    return c
  }

  private async listen(node: TestNode, port: number): Promise<void> {
    node.rpc = new RpcNode({
      identity: this.identities.get(node.id)!,
      secret,
      maxFrameBytes: 32 << 20,
      handshakeTimeoutMs: 2_000,
      log: (line) => node.logs.push(line),
    })
    this.ports.set(node.id, await node.rpc.listen(port))
  }

  private async open(node: TestNode): Promise<void> {
    node.db = openMetadataDb(join(node.dir, "meta"), true)
    node.store = new BlockStore(join(node.dir, "blocks"), true)
    await node.store.init()
    node.manager = new BlockManager({
      rpc: new LoopbackClusterRpc(node.id, node.rpc, this.ports),
      placement: node.placement,
      store: node.store,
      db: node.db,
      log: (line) => node.logs.push(line),
      hedgeDelayMs: 50,
      // Generous: the CI machine may be loaded; a timeout here would fail a quorum, not test one.
      rpcTimeoutMs: 10_000,
      retry: { baseMs: 20, capMs: 200 },
      ...this.managerOptions,
    })
    node.up = true
  }

  async stop(node: TestNode): Promise<void> {
    if (!node.up) return
    node.up = false
    await node.rpc.close()
    await node.manager.close()
    await node.db.close()
  }

  async restart(node: TestNode): Promise<void> {
    await this.listen(node, this.ports.get(node.id)!)
    await this.open(node)
  }

  async close(): Promise<void> {
    for (const n of this.nodes) await this.stop(n)
    await rm(this.root, { recursive: true, force: true })
  }

  byId(id: NodeId): TestNode {
    return this.nodes.find((n) => n.id === id)!
  }
}

/** Polls `check` until it holds (no timing in assertions: only a generous give-up bound). */
export const eventually = async (check: () => boolean | Promise<boolean>, what: string, limitMs = 60_000): Promise<void> => {
  const deadline = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export { fixedPlacement }
