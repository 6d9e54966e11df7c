// The cluster on one node: the RPC endpoint (ClusterRpc), membership (the pure reducer in
// src/core/membership, hosted with LMDB), and the layout manager with its Placement. Status
// gossip carries the layout digest; a differing digest makes the node pull the peer's layout.
// The name registry (global bucket names) runs on the same hosted reducers, voted on by the
// layout voters.
import { mkdirSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import type { NodeId } from "../../core/machine.ts"
import { isUp, type Membership, membership } from "../../core/membership/membership.ts"
import type { NodeStatus, PeerEntry } from "../../core/membership/messages.ts"
import { current } from "../../core/layout/history.ts"
import type { NodeIdentity } from "../identity.ts"
import type { ReducerHost } from "../reducer-host.ts"
import { hostReducer, liveServices } from "../services.ts"
import { NodeRpc } from "./cluster-rpc.ts"
import { HostedReducers } from "./hosted.ts"
import { LayoutManager } from "./layout-manager.ts"
import { LayoutPlacement } from "./layout-placement.ts"
import { NameRegistryService } from "./name-registry-service.ts"

export interface ClusterOptions {
  readonly identity: NodeIdentity
  readonly secret: Uint8Array
  readonly bind: { readonly host: string; readonly port: number }
  /** The address peers dial; default: the bound host and port. */
  readonly publicAddr: string | undefined
  readonly bootstrap: readonly PeerEntry[]
  readonly replicationFactor: number
  readonly pingIntervalMs: number
  readonly downAfterMs: number
  /** How long `layout apply` waits for a majority of the layout voters (default 10 s). */
  readonly commitTimeoutMs?: number
  /** How long a bucket-name claim, release or lookup waits for a voter majority (default 10 s). */
  readonly nameDeadlineMs?: number
  /** Period of the name registry's repair scan (default 5 s; 0 = off). */
  readonly nameRepairIntervalMs?: number
  /** Directory for the cluster's LMDB environments. */
  readonly dir: string
  readonly log: (line: string) => void
}

export interface PeerView {
  readonly id: NodeId
  readonly addr: string
  readonly hostname: string | null
  readonly isUp: boolean
  readonly lastSeenSecsAgo: number | null
  readonly layoutVersion: number | null
}

export class ClusterService {
  readonly rpc: NodeRpc
  readonly layout: LayoutManager
  readonly placement: LayoutPlacement
  /** Global bucket names (BucketNames), agreed by the layout voters. */
  readonly names: NameRegistryService
  private readonly reducers: HostedReducers
  private membership!: ReducerHost<Membership>
  private addr = ""

  private constructor(private readonly options: ClusterOptions) {
    this.rpc = new NodeRpc({
      identity: options.identity,
      secret: options.secret,
      // Bootstrap addresses too: the first pings leave while membership is still starting.
      addressOf: (id) => this.membership?.currentState.peers[id]?.addr ?? options.bootstrap.find((p) => p.id === id)?.addr,
      log: options.log,
    })
    mkdirSync(options.dir, { recursive: true })
    // The reducers' disks share one LMDB environment; their messages go over this RPC.
    this.reducers = new HostedReducers(liveServices({ metadataDir: join(options.dir, "reducers"), rpc: this.rpc, log: options.log }))
    this.layout = new LayoutManager({
      rpc: this.rpc,
      reducers: this.reducers,
      dir: options.dir,
      initialVoters: [options.identity.id, ...options.bootstrap.map((p) => p.id)],
      replicationFactor: options.replicationFactor,
      log: options.log,
      ...(options.commitTimeoutMs !== undefined ? { commitTimeoutMs: options.commitTimeoutMs } : {}),
    })
    this.placement = new LayoutPlacement(this.layout)
    this.names = new NameRegistryService({
      self: options.identity.id,
      reducers: this.reducers,
      layout: this.layout,
      log: options.log,
      ...(options.nameDeadlineMs !== undefined ? { deadlineMs: options.nameDeadlineMs } : {}),
      ...(options.nameRepairIntervalMs !== undefined ? { repairIntervalMs: options.nameRepairIntervalMs } : {}),
    })
  }

  static async start(options: ClusterOptions): Promise<ClusterService> {
    const service = new ClusterService(options)
    try {
      await service.listen()
    } catch (error) {
      await service.names.close()
      await service.layout.close()
      await service.reducers.close()
      await service.rpc.close()
      throw error
    }
    return service
  }

  get self(): NodeId {
    return this.rpc.self
  }

  get publicAddr(): string {
    return this.addr
  }

  get downAfterMs(): number {
    return this.options.downAfterMs
  }

  /** Every known peer (not this node), with its liveness as of now. */
  peers(): PeerView[] {
    const s = this.membership.currentState
    const now = Date.now()
    return Object.keys(s.peers)
      .sort()
      .map((id) => {
        const p = s.peers[id]!
        return {
          id,
          addr: p.addr,
          hostname: p.status?.hostname ?? null,
          isUp: isUp(p, now, this.options.downAfterMs),
          lastSeenSecsAgo: p.lastSeen === null ? null : Math.max(0, Math.round((now - p.lastSeen) / 1000)),
          layoutVersion: p.status?.layoutVersion ?? null,
        }
      })
  }

  /** `pollen node connect`: learn a peer by id and address. */
  async connect(peer: PeerEntry): Promise<void> {
    await this.membership.request({ _tag: "AddPeer", peer })
  }

  async close(): Promise<void> {
    await this.rpc.close()
    await this.names.close()
    await this.layout.close()
    await this.reducers.close()
  }

  private status(): NodeStatus {
    return { addr: this.addr, hostname: hostname(), layoutDigest: this.layout.digest, layoutVersion: current(this.layout.state.history) }
  }

  private async listen(): Promise<void> {
    const port = await this.rpc.listen(this.options.bind.port, this.options.bind.host)
    const host = this.options.bind.host.includes(":") ? `[${this.options.bind.host}]` : this.options.bind.host
    this.addr = this.options.publicAddr ?? `${host}:${port}`
    const params = {
      initialStatus: this.status(),
      bootstrap: this.options.bootstrap.filter((p) => p.id !== this.self),
      pingIntervalMs: this.options.pingIntervalMs,
      downAfterMs: this.options.downAfterMs,
    }
    this.membership = this.reducers.start(
      hostReducer(membership, this.self, params, {
        tickOnReceive: true,
        onStep: (input) => {
          if (input._tag === "Recv") this.layout.onPeerDigest(input.from, input.msg.status.layoutDigest)
        },
      }),
    ).host
    this.layout.subscribe(() => {
      void this.membership.request({ _tag: "SetStatus", status: this.status(), broadcast: true })
    })
  }
}
