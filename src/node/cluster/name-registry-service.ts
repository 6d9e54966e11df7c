// Global bucket names on a real cluster (consensus.md §5.2, DESIGN §5.4): the CASPaxos name
// registry reducer hosted on every node like the layout commit (HostedReducers: LMDB disk,
// wall-clock timers, messages over the cluster RPC). The voters are the layout voters, fixed
// once the first layout is committed; any node proposes. Name operations are refused
// (`unavailable`) until then, because before the first layout the voter set may still grow
// as nodes find each other, and the registry has no voter handoff (proofs-notes/name-registry.md).
//
// Rows: every decision this node learns (its own, a peer's `Decided` broadcast, a repair
// read) is handed to `onDecision` listeners as the alias and bucket rows it projects; the
// store writes them into its CRDT tables. See docs/cluster.md "Bucket names".
import { randomBytes } from "node:crypto"
import { rank } from "../../core/consensus/change.ts"
import { defaultParams, type NameRegistry, type RegistryParams, type RegistryState } from "../../core/consensus/name-registry.ts"
import type { BucketParamsSchema, NameOp, NameRes } from "../../core/consensus/name-messages.ts"
import { aliasRank, type Rows } from "../../core/consensus/projection.ts"
import { current } from "../../core/layout/history.ts"
import type { NodeId } from "../../core/machine.ts"
import type { ReducerHost } from "../reducer-host.ts"
import { hostReducer } from "../services.ts"
import type { BucketNames, ClaimOutcome } from "./bucket-names.ts"
import type { HostedReducers } from "./hosted.ts"
import type { LayoutManager } from "./layout-manager.ts"
import { allDecisions, changedDecisions, type NameDecision } from "./name-decisions.ts"
import { fromNonVoter, guardedRegistry } from "./name-registry-guard.ts"

export interface NameRegistryOptions {
  readonly self: NodeId
  readonly reducers: HostedReducers
  /** Source of the voters and of "is there a committed layout yet". */
  readonly layout: Pick<LayoutManager, "layoutVoters" | "state" | "subscribe">
  readonly log: (line: string) => void
  /** How long a client waits for a majority before `unavailable` (default 10 s). */
  readonly deadlineMs?: number
  readonly backoffBaseMs?: number
  readonly backoffCapMs?: number
  readonly retransmitMs?: number
  /**
   * Period of the repair scan (0 = off, default 5 s): a voter that accepted a value for a
   * name but learned no decision at least that high for two scans in a row runs a `read` of
   * the name, which completes (or supersedes) the half-done write and projects its rows.
   */
  readonly repairIntervalMs?: number
}

/** `lookup` could not reach a majority of the voters: the binding is unknown, not absent. */
export class NamesUnavailable extends Error {
  constructor(name: string) {
    super(`no majority of the name registry voters answered in time for ${JSON.stringify(name)}`)
  }
}

type BucketParams = typeof BucketParamsSchema.Type
const UNAVAILABLE: NameRes = { _tag: "Unavailable" }

const sameOp = (a: NameOp, b: NameOp): boolean =>
  a._tag === b._tag && a.name === b.name && ("bucketId" in a ? a.bucketId : null) === ("bucketId" in b ? b.bucketId : null)

export class NameRegistryService implements BucketNames {
  private hosted!: { readonly host: ReducerHost<NameRegistry>; stop(): void }
  private voters: readonly NodeId[] = []
  private rows: Rows = { alias: {}, buckets: {} }
  private readonly listeners = new Set<(d: NameDecision) => void>()
  /** Resolvers of the requests in flight, answered `Unavailable` on close or restart. */
  private readonly pending = new Set<(r: NameRes) => void>()
  private readonly loggedNonVoters = new Set<NodeId>()
  /** Names a repair scan found behind (accepted rank, accepted ballot), to act on the next one. */
  private suspects = new Map<string, string>()
  private readonly unsubscribe: () => void
  private readonly repairTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly options: NameRegistryOptions) {
    this.startHost()
    this.unsubscribe = options.layout.subscribe(() => this.followVoters())
    const every = options.repairIntervalMs ?? 5_000
    if (every > 0) {
      this.repairTimer = setInterval(() => this.repairScan(), every)
      this.repairTimer.unref()
    }
  }

  get deadlineMs(): number {
    return this.options.deadlineMs ?? 10_000
  }

  /** The reducer's state (for status pages and tests). */
  get state(): RegistryState {
    return this.hosted.host.currentState
  }

  claim(name: string, bucketId: string, requestId: string): Promise<ClaimOutcome> {
    return this.claimWith(name, bucketId, requestId, {})
  }

  /**
   * `claim` with what the bucket row needs besides the id: the owner key and the initial
   * parameters ride inside the decided value, so whichever node projects the decision
   * writes the same bucket row.
   */
  async claimWith(name: string, bucketId: string, requestId: string, extra: { ownerKey?: string; initParams?: BucketParams }): Promise<ClaimOutcome> {
    const op: NameOp = {
      _tag: "Claim",
      name,
      bucketId,
      reqId: requestId,
      ownerKey: extra.ownerKey ?? "",
      initParams: extra.initParams ?? { quotaBytes: null },
    }
    const res = await this.request(op)
    switch (res._tag) {
      case "Created":
        return { kind: "created", bucketId: res.bucketId }
      case "BucketAlreadyOwnedByYou":
        return { kind: "exists", bucketId: res.bucketId }
      case "BucketAlreadyExists": {
        // The reply names no bucket; the decided value, kept with the intent, does.
        const outcome = this.state.ops[requestId]?.outcome
        if (outcome?._tag === "Bound") return { kind: "exists", bucketId: outcome.bucketId }
        const bound = await this.lookup(name)
        return bound === undefined ? { kind: "unavailable" } : { kind: "exists", bucketId: bound }
      }
      case "Unavailable":
        return { kind: "unavailable" }
      default:
        throw new Error(`name registry: unexpected reply ${res._tag} to a claim`)
    }
  }

  async release(name: string, bucketId: string, requestId: string): Promise<"released" | "not-bound" | "unavailable"> {
    const res = await this.request({ _tag: "Release", name, bucketId, reqId: requestId })
    switch (res._tag) {
      case "Released":
        return "released"
      case "NoSuchBucket":
        return "not-bound"
      case "Unavailable":
        return "unavailable"
      default:
        throw new Error(`name registry: unexpected reply ${res._tag} to a release`)
    }
  }

  /**
   * Linearizable: a `read` through the registry (2 round trips to a voter majority; it also
   * completes a half-done write it finds). Rejects with NamesUnavailable without a majority.
   */
  async lookup(name: string): Promise<string | undefined> {
    const res = await this.request({ _tag: "Read", name, reqId: `read/${randomBytes(8).toString("hex")}` })
    if (res._tag === "Unavailable") throw new NamesUnavailable(name)
    if (res._tag !== "Value") throw new Error(`name registry: unexpected reply ${res._tag} to a read`)
    return res.val?._tag === "Bound" ? res.val.bucketId : undefined
  }

  /**
   * No round trip: the binding as of the decisions this node has learned. Never names a
   * bucket that was not bound to `name` by some decision, but may miss a recent claim or
   * still show a released name (for routing hints, never for "does not exist").
   */
  lookupLocal(name: string): string | undefined {
    const row = this.rows.alias[name]
    return row?.kind === "bound" ? (row.bucketId ?? undefined) : undefined
  }

  /** The rows of the latest decision about `name` this node has learned (e.g. right after its own claim). */
  decisionOf(name: string): NameDecision | undefined {
    const alias = this.rows.alias[name]
    if (alias === undefined) return undefined
    const buckets = Object.entries(this.rows.buckets).flatMap(([id, row]) => (row.name === name ? [{ id, row }] : []))
    return { name, alias, buckets }
  }

  /**
   * Calls `listener` with every decision this node learns from now on (with `replay`, first
   * with the rows of every decision it already knows, e.g. after a restart). Listeners must
   * apply rows idempotently: the same decision can arrive several times.
   */
  onDecision(listener: (d: NameDecision) => void, options: { readonly replay?: boolean } = {}): () => void {
    if (options.replay === true) for (const d of allDecisions(this.rows)) this.notify(listener, d)
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.unsubscribe()
    if (this.repairTimer !== undefined) clearInterval(this.repairTimer)
    this.hosted.stop()
    this.answerPending()
  }

  // ---- internals ------------------------------------------------------------------------------

  private async request(op: NameOp): Promise<NameRes> {
    if (this.closed || current(this.options.layout.state.history) === 0) return UNAVAILABLE
    const known = this.state.ops[op.reqId]
    if (known !== undefined && !sameOp(known.op, op)) {
      throw new Error(`request id ${op.reqId} was already used for a different operation (${known.op._tag} of ${JSON.stringify(known.op.name)})`)
    }
    const host = this.hosted.host
    return new Promise<NameRes>((resolve) => {
      // The reducer answers Unavailable at its deadline; this timer only covers a host that
      // was stopped meanwhile (close, voter change) and will never answer.
      const timer = setTimeout(() => done(UNAVAILABLE), this.deadlineMs + 1_000)
      const done = (r: NameRes) => {
        if (!this.pending.delete(done)) return
        clearTimeout(timer)
        resolve(r)
      }
      this.pending.add(done)
      host.request(op).then(done)
    })
  }

  private answerPending(): void {
    for (const done of [...this.pending]) done(UNAVAILABLE)
  }

  private params(): RegistryParams {
    const o = this.options
    return {
      ...defaultParams(this.voters, this.voters),
      backoffBaseMs: o.backoffBaseMs ?? 50,
      backoffCapMs: o.backoffCapMs ?? 1_000,
      retransmitMs: o.retransmitMs ?? 500,
      deadlineMs: this.deadlineMs,
    }
  }

  private startHost(): void {
    this.voters = [...this.options.layout.layoutVoters]
    this.hosted = this.options.reducers.start(
      hostReducer(guardedRegistry, this.options.self, this.params(), { onStep: (input, state) => this.afterStep(input, state) }),
    )
  }

  private afterStep(input: Parameters<typeof fromNonVoter>[1], state: RegistryState): void {
    if (fromNonVoter(this.voters, input) && input._tag === "Recv" && !this.loggedNonVoters.has(input.from)) {
      this.loggedNonVoters.add(input.from)
      this.options.log(`name registry: ignoring ${input.msg._tag} from ${input.from.slice(0, 16)}, which is not a voter (further ones from it are dropped silently)`)
    }
    if (state.rows === this.rows) return
    const decisions = changedDecisions(this.rows, state.rows)
    this.rows = state.rows
    for (const d of decisions) for (const l of this.listeners) this.notify(l, d)
  }

  private notify(listener: (d: NameDecision) => void, d: NameDecision): void {
    try {
      listener(d)
    } catch (e) {
      this.options.log(`name registry: a decision listener failed on ${JSON.stringify(d.name)}: ${(e as Error).message}`)
    }
  }

  /** The layout voters change only before the first layout (LayoutManager); follow them. */
  private followVoters(): void {
    const next = this.options.layout.layoutVoters
    if (this.closed || next.join() === this.voters.join()) return
    this.options.log(`name registry: voters are now ${next.map((v) => v.slice(0, 8)).join(", ")}`)
    this.hosted.stop()
    this.answerPending()
    this.startHost()
  }

  /**
   * A voter holding an accepted value for a name above every decision it learned, twice in a
   * row, reads the name: the proposer may have crashed between a majority accepting and
   * its `Decided`, which would leave the name bound with no rows anywhere.
   */
  private repairScan(): void {
    if (this.closed || current(this.options.layout.state.history) === 0) return
    const s = this.state
    if (!s.params.voters.includes(s.self)) return
    const busy = new Set(Object.values(s.ops).filter((p) => p.phase !== "done").map((p) => p.op.name))
    const next = new Map<string, string>()
    for (const [name, r] of Object.entries(s.acc)) {
      if (r.accVal === null || busy.has(name)) continue
      const row = s.rows.alias[name]
      if (row !== undefined && aliasRank(row) >= rank(r.accVal)) continue
      const mark = `${r.accBal.round}.${r.accBal.node}`
      if (this.suspects.get(name) === mark) {
        this.options.log(`name registry: ${JSON.stringify(name)} has an accepted value but no decision here; reading it to complete it`)
        this.lookup(name).catch(() => {})
      } else next.set(name, mark)
    }
    this.suspects = next
  }
}
