// The layout on one node (DESIGN §5.3, §5.4): staged changes, `apply` through the layout
// commit (a chain of Synod slots, hosted here), and the layout gossip that makes every
// node adopt a committed version and merge everyone's update trackers.
//
// A version's content (roles, assignment) is hashed into its layoutId; the commit decides
// only the id for slot v. The proposer keeps the content of its candidate on disk before
// proposing, so whichever way the slot is decided, a node holding both the decision and the
// content installs the version; everyone else receives it by gossip and checks it against
// the content hash and, if it learned slot v, against the decided id.
import { createHash, randomBytes } from "node:crypto"
import { type LayoutCommit, type LayoutParams, layoutCommit } from "../../core/consensus/layout-commit.ts"
import { decodeUntrusted, type NodeId } from "../../core/machine.ts"
import {
  type ClusterLayout,
  type ClusterLayoutVersion,
  clearStaging,
  currentLayout,
  emptyLayout,
  installVersion,
  layoutDigest,
  mergeLayout,
  nextVersion,
  type NodeRole,
  refresh,
  stage,
  versionContent,
} from "../../core/layout/cluster-layout.ts"
import { ClusterLayoutSchema, ClusterLayoutVersionSchema } from "../../core/layout/cluster-layout-schema.ts"
import { completeSync, current, syncTarget, trackerOf } from "../../core/layout/history.ts"
import { Schema } from "effect"
import type { ReducerHost } from "../reducer-host.ts"
import { ReducerStorage } from "../reducer-storage.ts"
import { Priority } from "../rpc/rpc-connection.ts"
import { hostReducer } from "../services.ts"
import type { NodeRpc } from "./cluster-rpc.ts"
import type { HostedReducers } from "./hosted.ts"

export const PULL_ENDPOINT = "layout/pull"

const PullReplySchema = Schema.Struct({ layout: ClusterLayoutSchema, voters: Schema.Array(Schema.String) })
const decodePull = decodeUntrusted(PullReplySchema)
const decodeLayout = decodeUntrusted(ClusterLayoutSchema)
const decodeVersion = decodeUntrusted(ClusterLayoutVersionSchema)
const decodeVoters = decodeUntrusted(Schema.Array(Schema.String))

export class LayoutError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export interface LayoutManagerOptions {
  readonly rpc: NodeRpc
  /** Hosts the layout-commit reducer (its disk and messages go through the shell's services). */
  readonly reducers: HostedReducers
  /** Directory for the layout's own LMDB environment. */
  readonly dir: string
  /** Voters of the layout commit on a first start (this node and its bootstrap peers). */
  readonly initialVoters: readonly NodeId[]
  readonly replicationFactor: number
  readonly log: (line: string) => void
  /** How long `apply` waits for a voter majority. */
  readonly commitTimeoutMs?: number
  /**
   * Runs a full sync whose completion may claim `target` (DESIGN §5.2). Until the table
   * layer provides one, there is no cluster data to push and a sync completes at once.
   */
  readonly syncDriver?: (target: number) => Promise<void>
}

export class LayoutManager {
  private layout: ClusterLayout = emptyLayout
  private voters: NodeId[]
  private readonly store: ReducerStorage
  private commit!: ReducerHost<LayoutCommit>
  private stopCommit: () => void = () => {}
  private readonly candidates = new Map<string, ClusterLayoutVersion>()
  private readonly listeners = new Set<() => void>()
  private readonly pulling = new Set<NodeId>()
  /** Peers whose layout has other voters (logged once each). */
  private readonly foreign = new Set<NodeId>()
  private readonly locked = new Map<number, number>()
  private syncing = false
  private stopped = false
  private syncDriver: (target: number) => Promise<void>

  constructor(private readonly options: LayoutManagerOptions) {
    this.store = new ReducerStorage(`${options.dir}/layout`, "layout")
    let voters: NodeId[] | undefined
    for (const { key, record } of this.store.load()) {
      if (key === "state") {
        const d = decodeLayout(record)
        if (d.ok) this.layout = d.value as ClusterLayout
        else options.log(`layout: ignoring an unreadable stored layout: ${d.error.split("\n")[0]}`)
      } else if (key === "voters") {
        const d = decodeVoters(record)
        if (d.ok) voters = [...d.value]
      } else if (key.startsWith("candidate/")) {
        const d = decodeVersion(record)
        if (d.ok) this.candidates.set(key.slice(10), d.value as ClusterLayoutVersion)
      }
    }
    this.syncDriver = options.syncDriver ?? (async () => {})
    this.voters = voters ?? [...new Set(options.initialVoters)].sort()
    if (voters === undefined) this.store.persist([{ key: "voters", record: this.voters }])
    options.rpc.handle(PULL_ENDPOINT, async () => ({ layout: this.layout, voters: this.voters }))
    this.startCommit()
    this.update({ ...this.layout, history: refresh(this.layout.history, this.self) })
    this.installDecided()
  }

  get self(): NodeId {
    return this.options.rpc.self
  }

  get state(): ClusterLayout {
    return this.layout
  }

  /** The layout digest of status gossip, with the voters (nodes that differ there must talk). */
  get digest(): string {
    return `${layoutDigest(this.layout)}/${createHash("sha256").update(this.voters.join(",")).digest("hex").slice(0, 8)}`
  }

  get layoutVoters(): readonly NodeId[] {
    return this.voters
  }

  get replicationFactor(): number {
    return this.options.replicationFactor
  }

  /** Called after every change of the layout (new version, trackers, staging). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  // ---- operator actions ---------------------------------------------------------------------

  stageRole(node: NodeId, role: NodeRole | null): void {
    this.update(stage(this.layout, node, role, Date.now()))
  }

  revert(): void {
    this.update(clearStaging(this.layout, Date.now()))
  }

  /** What `apply` would install now. */
  preview(): ReturnType<typeof nextVersion> {
    return nextVersion(this.layout, this.options.replicationFactor)
  }

  /**
   * Commits the staged changes as version current + 1 (or `expected`, which must be that).
   * Rejects with a LayoutError when there is nothing valid to apply, when another apply
   * took the version number, or when no majority of voters answers in time.
   */
  async apply(expected?: number): Promise<ClusterLayoutVersion> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const next = this.preview()
      if (!next.ok) throw new LayoutError(400, next.message)
      if (expected !== undefined && expected !== next.version.version) {
        throw new LayoutError(409, `the next layout version is ${next.version.version}, not ${expected}`)
      }
      const layoutId = createHash("sha256").update(versionContent(next.version)).digest("hex")
      const candidate: ClusterLayoutVersion = { ...next.version, layoutId }
      this.candidates.set(layoutId, candidate)
      this.store.persist([{ key: `candidate/${layoutId}`, record: candidate }])
      const result = await this.propose(layoutId)
      this.installDecided()
      if (result._tag === "Unavailable") throw new LayoutError(503, "no majority of the layout voters answered in time; retry when more nodes are up")
      if (result._tag === "Committed") {
        if (current(this.layout.history) < result.version) throw new LayoutError(500, `version ${result.version} was committed but could not be installed`)
        return this.versionNumbered(result.version) ?? candidate
      }
      // Superseded: the slot went to another value. An older slot means this node had not
      // learned it yet; it has now, so try again for the next one.
      if (result.version >= next.version.version) {
        throw new LayoutError(409, `layout version ${result.version} was just applied by another node; look at it (pollen layout show) and stage again`)
      }
      if (current(this.layout.history) < result.version) {
        await this.waitForVersion(result.version, 3_000)
        if (current(this.layout.history) < result.version) {
          throw new LayoutError(409, `layout version ${result.version} was committed elsewhere and has not reached this node yet; retry in a moment`)
        }
      }
    }
    throw new LayoutError(409, "the layout kept changing while applying; retry")
  }

  /**
   * Installs the table layer's full sync (DESIGN §5.2): it must push every partition this
   * node holds to the other holders of every active version before resolving, after its
   * Merkle index covers every write this node acknowledged. Until one is installed a sync
   * completes at once, which is right only while no cluster table holds data.
   */
  setSyncDriver(driver: (target: number) => Promise<void>): void {
    this.syncDriver = driver
    this.maybeSync()
  }

  // ---- gossip ---------------------------------------------------------------------------------

  /** A peer reported a layout digest; pulls its layout when it differs from ours. */
  onPeerDigest(peer: NodeId, digest: string): void {
    if (digest === this.digest || this.pulling.has(peer) || this.foreign.has(peer) || this.stopped) return
    this.pulling.add(peer)
    this.options.rpc
      .call(peer, PULL_ENDPOINT, null, { priority: Priority.layout, timeoutMs: 10_000 })
      .then((raw) => this.mergeFrom(peer, raw))
      .catch((e: unknown) => this.options.log(`layout: pull from ${peer.slice(0, 8)} failed: ${(e as Error).message}`))
      .finally(() => this.pulling.delete(peer))
  }

  private mergeFrom(peer: NodeId, raw: unknown): void {
    if (this.stopped) return
    const d = decodePull(raw)
    if (!d.ok) return this.options.log(`layout: malformed layout from ${peer.slice(0, 8)}: ${d.error.split("\n")[0]}`)
    const remote = d.value.layout as ClusterLayout
    const problem = this.check(remote)
    if (problem !== undefined) return this.options.log(`layout: refused the layout of ${peer.slice(0, 8)}: ${problem}`)
    const remoteVoters = [...new Set(d.value.voters)].sort()
    if (remoteVoters.join() !== this.voters.join()) {
      const fresh = current(this.layout.history) === 0 && this.commit.currentState.maxRound === 0
      if (fresh && current(remote.history) > 0) {
        // A node joining an existing cluster takes its voters (DESIGN §5.4: fixed voter set).
        this.setVoters(remoteVoters, `joining a cluster whose layout voters are`)
      } else if (fresh && current(remote.history) === 0) {
        // Before the first layout, nodes that found each other all vote: both sides take the union.
        this.setVoters([...new Set([...this.voters, ...remoteVoters])].sort(), "layout voters before the first layout:")
      } else {
        if (!this.foreign.has(peer)) this.options.log(`layout: ${peer.slice(0, 8)} belongs to a cluster with other layout voters; not merging its layout`)
        this.foreign.add(peer)
        return
      }
    }
    this.update(mergeLayout(this.layout, remote, this.self, this.lockedVersions()))
  }

  /** Versions must be contiguous, hash to their layoutId, and match the slots this node learned. */
  private check(remote: ClusterLayout): string | undefined {
    const vs = remote.history.versions as readonly ClusterLayoutVersion[]
    const decided = this.commit.currentState.history
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i]!
      if (i > 0 && v.version !== vs[i - 1]!.version + 1) return "versions are not contiguous"
      if (v.version === 0) continue
      const { layoutId, ...content } = v
      if (createHash("sha256").update(versionContent(content)).digest("hex") !== layoutId) return `version ${v.version} does not match its layout id`
      const slot = decided[String(v.version)]
      if (slot !== undefined && slot.layoutId !== layoutId) return `version ${v.version} differs from the one the layout commit decided`
    }
    return undefined
  }

  // ---- placement support ----------------------------------------------------------------------

  /** Ack lock (reference/garage.md §3.4): hold it while a write planned on `version` is in flight. */
  lockWrite(): { readonly version: number; release(): void } {
    const version = current(this.layout.history)
    this.locked.set(version, (this.locked.get(version) ?? 0) + 1)
    let released = false
    return {
      version,
      release: () => {
        if (released) return
        released = true
        const n = (this.locked.get(version) ?? 1) - 1
        if (n <= 0) this.locked.delete(version)
        else this.locked.set(version, n)
        // Every table and block write takes this lock: persist and notify only on a change.
        const history = refresh(this.layout.history, this.self, this.lockedVersions())
        if (history !== this.layout.history) this.update({ ...this.layout, history })
      },
    }
  }

  /** Stops the commit host and closes the databases; the disk stays for the next start. */
  async close(): Promise<void> {
    this.stopped = true
    this.stopCommit()
    await this.store.close()
  }

  // ---- internals ------------------------------------------------------------------------------

  private lockedVersions(): number[] {
    return [...this.locked.keys()]
  }

  private versionNumbered(v: number): ClusterLayoutVersion | undefined {
    return (this.layout.history.versions as readonly ClusterLayoutVersion[]).find((x) => x.version === v)
  }

  private update(next: ClusterLayout): void {
    if (next === this.layout || this.stopped) return
    this.layout = next
    this.store.persist([{ key: "state", record: next }])
    for (const l of this.listeners) l()
    this.maybeSync()
  }

  /** Completes a sync whenever the sync target rises above this node's sync tracker. */
  private maybeSync(): void {
    if (this.syncing || this.stopped) return
    const h = this.layout.history
    const target = syncTarget(h)
    if (!Number.isFinite(target) || target <= trackerOf(h, "sync", this.self)) return
    this.syncing = true
    this.syncDriver(target).then(
      () => {
        this.syncing = false
        if (this.stopped) return
        this.update({ ...this.layout, history: refresh(completeSync(this.layout.history, this.self, target), this.self, this.lockedVersions()) })
      },
      (e: unknown) => {
        this.syncing = false
        this.options.log(`layout: sync for version ${target} failed: ${(e as Error).message}`)
      },
    )
  }

  /** Installs every decided slot after the current version whose content this node holds. */
  private installDecided(): void {
    const decided = this.commit.currentState.history
    for (;;) {
      const v = current(this.layout.history) + 1
      const slot = decided[String(v)]
      const content = slot === undefined ? undefined : this.candidates.get(slot.layoutId)
      if (content === undefined || content.version !== v) return
      this.update(installVersion(this.layout, content, this.self, Date.now(), this.lockedVersions()))
      if (current(this.layout.history) !== v) return
      this.options.log(`layout: installed version ${v}`)
    }
  }

  private waitForVersion(v: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (current(this.layout.history) >= v) return resolve()
      const timer = setTimeout(done, ms)
      const unsubscribe = this.subscribe(() => current(this.layout.history) >= v && done())
      function done() {
        clearTimeout(timer)
        unsubscribe()
        resolve()
      }
    })
  }

  private async propose(layoutId: string): Promise<{ _tag: "Committed"; version: number } | { _tag: "Superseded"; version: number; layoutId: string } | { _tag: "Unavailable" }> {
    const timeoutMs = this.options.commitTimeoutMs ?? 10_000
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      this.commit.request({ _tag: "Propose", layoutId, reqId: randomBytes(8).toString("hex") }),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
    ])
    clearTimeout(timer)
    if (result !== "timeout") return result
    // Drop the unfinished proposal the way a restart does (the reducer does not resume
    // operator proposals after Recover; acceptor state is on disk), so the next apply can
    // start a new one. If the slot got decided meanwhile, the next proposal learns it.
    this.restartCommit()
    return { _tag: "Unavailable" }
  }

  private commitParams(): LayoutParams {
    return { voters: this.voters, learners: this.voters, backoffBaseMs: 50, backoffCapMs: 1_000, retransmitMs: 500, roundLimit: 0, slotLimit: 0 }
  }

  private startCommit(): void {
    const hosted = this.options.reducers.start(
      hostReducer(layoutCommit, this.self, this.commitParams(), {
        onStep: (input) => {
          if (input._tag === "Recv") queueMicrotask(() => this.installDecided())
        },
      }),
    )
    this.commit = hosted.host
    this.stopCommit = () => hosted.stop()
  }

  private setVoters(voters: NodeId[], why: string): void {
    if (voters.join() === this.voters.join()) return
    this.options.log(`layout: ${why} ${voters.map((v) => v.slice(0, 8)).join(", ")}`)
    this.voters = voters
    this.store.persist([{ key: "voters", record: this.voters }])
    this.restartCommit()
  }

  private restartCommit(): void {
    this.stopCommit()
    this.startCommit()
  }
}
