// Bucket lifecycle rules carried out (Garage's lifecycle worker): once per interval (a day by
// default, [lifecycle] interval_secs), each node goes through the object rows it stores of
// every bucket with enabled rules, deletes the current objects an Expiration rule has
// expired and aborts the multipart uploads an AbortIncompleteMultipartUpload rule has.
//
// Who does what: partition p's rows are handled by one of its holders in the layout version
// reads go to (the read set): the holder at index p mod n of its n holders, or, when that
// node is down, the next one up after it (in that order, wrapping around). The read version
// is one whose holders have finished syncing, so the chosen node has the rows (the newest
// version's holders may still be receiving theirs during a layout change). The index turns
// with p because holders are listed in node-id order: "the first holder" would give every
// partition to the same node whenever the replication factor equals the node count. Nodes
// that briefly disagree (on the layout, or on who is up) may both handle a partition or
// neither: the work is idempotent and the next pass makes up for a miss.
//
// Idempotent: the scan reads this node's replica, which may be stale, so every action reads
// the key again through the store (a quorum read under the key's write lock) and acts only
// if a rule still applies to what it finds: an object overwritten since is kept, an upload
// completed or aborted since is left alone. Deleting is DeleteObject's path (a delete
// marker; the old version's blocks are freed as for any delete), aborting is
// AbortMultipartUpload's.
//
// Times are AWS's: an object expires at the first midnight UTC after Last-Modified + Days
// (created 2014-01-15 10:30 UTC with Days 3: 2014-01-19 00:00 UTC), or from Date on; an
// upload is aborted at the first midnight UTC after its initiation + DaysAfterInitiation.
// The clock is injected so tests can move it.
import type { NodeId } from "../core/machine.ts"
import { currentVersion, type ObjectRow } from "../core/table/pollen/index.ts"
import type { Placement } from "./cluster/interfaces.ts"
import type { Bucket, LifecycleFilter, LifecycleRule, ObjectStore, ObjectSummary } from "./object-store.ts"
import type { TableStore } from "./table/table-store.ts"

export const DAY_MS = 86_400_000

/** The first midnight UTC strictly after `ms`. */
export const nextMidnightUtc = (ms: number): number => (Math.floor(ms / DAY_MS) + 1) * DAY_MS

const matches = (f: LifecycleFilter, o: ObjectSummary): boolean =>
  (f.prefix === undefined || o.key.startsWith(f.prefix)) &&
  (f.sizeGreaterThan === undefined || o.size > f.sizeGreaterThan) &&
  (f.sizeLessThan === undefined || o.size < f.sizeLessThan) &&
  (f.tags ?? []).every((t) => o.tags?.some((u) => u.key === t.key && u.value === t.value) === true)

/** When `rule` expires the object (undefined: never: disabled, no Expiration, or not matching its filter). */
export const expirationOf = (rule: LifecycleRule, o: ObjectSummary): number | undefined => {
  if (!rule.enabled || !matches(rule.filter, o)) return undefined
  if (rule.expirationDays !== undefined) return nextMidnightUtc(o.lastModified + rule.expirationDays * DAY_MS)
  return rule.expirationDate
}

/** When `rule` aborts an upload of `key` initiated at `initiated` (prefix only: AWS refuses size filters with this action). */
export const uploadAbortOf = (rule: LifecycleRule, key: string, initiated: number): number | undefined => {
  if (!rule.enabled || rule.abortIncompleteUploadDays === undefined) return undefined
  if (rule.filter.prefix !== undefined && !key.startsWith(rule.filter.prefix)) return undefined
  return nextMidnightUtc(initiated + rule.abortIncompleteUploadDays * DAY_MS)
}

const due = (at: number | undefined, now: number): boolean => at !== undefined && at <= now

export interface LifecycleReport {
  /** Buckets with enabled rules. */
  readonly buckets: number
  /** Object rows of those buckets this node looked at (its share). */
  readonly rows: number
  readonly expired: number
  readonly aborted: number
  readonly failures: number
  /** False when the pass stopped early (too many failures, or the node closing). */
  readonly complete: boolean
}

export interface LifecycleOptions {
  readonly store: ObjectStore
  /** This node's replicas of the object table. */
  readonly objects: TableStore<ObjectRow>
  readonly placement: Placement
  readonly self: NodeId
  /** The other nodes this node sees up now (default: all); a down node's partitions go to the next holder. */
  readonly upNodes?: () => ReadonlySet<NodeId>
  readonly now: () => number
  /** Time between the starts of two passes. */
  readonly intervalMs: number
  /** Where the start of the last complete pass is kept (so restarts do not postpone passes). */
  readonly state: { get(key: string): string | undefined; putSync(key: string, value: string): unknown }
  readonly log: (line: string) => void
  /** Delay of the first pass after a start (default a minute, so a start is not slowed). */
  readonly startDelayMs?: number
}

/** Rows read from LMDB at once; the event loop gets a turn between pages. */
const PAGE = 256
/** A pass gives up after this many failed actions (the store is likely unavailable). After a pass with failures the next comes within RETRY_MS. */
const MAX_FAILURES = 10
const RETRY_MS = 3_600_000
const LAST_PASS = "last_pass_at"

export class LifecycleWorker {
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private chain: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: LifecycleOptions) {}

  /** Schedules passes: the next one `intervalMs` after the last complete one, not before the start delay. */
  start(): void {
    const last = Number(this.options.state.get(LAST_PASS) ?? Number.NaN)
    const next = Number.isNaN(last) ? 0 : last + this.options.intervalMs - this.options.now()
    this.schedule(Math.max(this.options.startDelayMs ?? 60_000, next))
  }

  private schedule(waitMs: number): void {
    if (this.closed) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      void this.runOnce().then((r) => this.schedule(r.complete && r.failures === 0 ? this.options.intervalMs : Math.min(RETRY_MS, this.options.intervalMs)))
    }, Math.min(Math.max(0, waitMs), 2 ** 31 - 1))
    this.timer.unref()
  }

  /** One whole pass at the clock's current time (after any pass in progress); never rejects. */
  runOnce(): Promise<LifecycleReport> {
    const run = this.chain.then(() => this.pass())
    this.chain = run.catch(() => undefined)
    return run.catch((e: unknown) => {
      this.options.log(`lifecycle: pass failed: ${(e as Error).message}`)
      return { buckets: 0, rows: 0, expired: 0, aborted: 0, failures: 1, complete: false }
    })
  }

  /** Stops scheduling and waits for a pass in progress to stop. */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    await this.chain
  }

  /** The partitions this node handles (see the top of this file). */
  private ownPartitions(): number[] {
    const { placement, self, objects } = this.options
    const up = this.options.upNodes?.()
    const out: number[] = []
    for (let p = 0; p < objects.partitionCount; p++) {
      const holders = placement.readSet(p)
      for (let i = 0; i < holders.length; i++) {
        const h = holders[(p + i) % holders.length]!
        if (h === self) out.push(p)
        if (h === self || up === undefined || up.has(h)) break
      }
    }
    return out
  }

  private async pass(): Promise<LifecycleReport> {
    const { store, objects, log } = this.options
    const now = this.options.now()
    const report = { buckets: 0, rows: 0, expired: 0, aborted: 0, failures: 0, complete: true }
    if (this.closed) return { ...report, complete: false }
    const buckets = (await store.listBuckets()).filter((b) => b.lifecycle?.some((r) => r.enabled) === true)
    report.buckets = buckets.length
    const partitions = buckets.length === 0 ? [] : this.ownPartitions()
    const failed = (what: string, e: unknown): boolean => {
      report.failures++
      log(`lifecycle: ${what} failed: ${(e as Error).message}`)
      if (report.failures < MAX_FAILURES) return false
      log(`lifecycle: pass stopped after ${report.failures} failures; the next one starts within ${Math.round(Math.min(RETRY_MS, this.options.intervalMs) / 60_000)} min`)
      return true
    }
    for (const bucket of buckets) {
      const rules = bucket.lifecycle!.filter((r) => r.enabled)
      const name = bucket.aliases[0] ?? bucket.id
      for (const p of partitions) {
        let start = ""
        for (;;) {
          if (this.closed) return { ...report, complete: false }
          const page = objects.range(p, bucket.id, start, undefined, PAGE)
          for (const { sortKey, row: bytes } of page) {
            const decoded = objects.codec.decode(bytes)
            if (!decoded.ok) continue
            report.rows++
            for (const action of this.actionsFor(bucket, rules, decoded.value, now)) {
              if (this.closed) return { ...report, complete: false }
              try {
                if (await action.run()) report[action.kind]++
              } catch (e) {
                if (failed(`${action.kind === "expired" ? "expiring" : "aborting an upload of"} ${name}/${sortKey.slice(0, 200)}`, e)) return { ...report, complete: false }
              }
            }
          }
          if (page.length < PAGE) break
          start = `${page[page.length - 1]!.sortKey}\u0000`
          await new Promise((r) => setImmediate(r))
        }
      }
    }
    // A pass with failures is not recorded: the next one comes within an hour, also after a restart.
    if (!this.closed && report.failures === 0) this.options.state.putSync(LAST_PASS, String(now))
    if (report.expired + report.aborted > 0)
      log(`lifecycle: expired ${report.expired} objects and aborted ${report.aborted} multipart uploads in ${report.buckets} buckets`)
    return report
  }

  /** What the rules ask for this row; each action checks again on a fresh read before it acts. */
  private actionsFor(bucket: Bucket, rules: readonly LifecycleRule[], row: ObjectRow, now: number): Array<{ kind: "expired" | "aborted"; run: () => Promise<boolean> }> {
    const { store } = this.options
    const out: Array<{ kind: "expired" | "aborted"; run: () => Promise<boolean> }> = []
    const expired = (o: ObjectSummary) => rules.some((r) => due(expirationOf(r, o), now))
    const v = currentVersion(row)
    if (v !== undefined && v.state._tag === "Complete" && v.state.data._tag !== "DeleteMarker") {
      const seen = { key: row.key, size: v.state.data.meta.size, lastModified: v.ts.l, tags: v.state.data.meta.tags?.value }
      if (expired(seen)) out.push({ kind: "expired", run: () => store.deleteObject(bucket.id, row.key, expired) })
    }
    const abort = (key: string, initiated: number) => rules.some((r) => due(uploadAbortOf(r, key, initiated), now))
    for (const u of row.versions) {
      if (u.state._tag !== "Uploading" || !u.state.multipart || !abort(row.key, u.ts.l)) continue
      out.push({
        kind: "aborted",
        run: async () => {
          const upload = await store.getUpload(bucket.id, u.uuid)
          if (upload === undefined || !abort(upload.key, upload.initiated)) return false
          await store.abortUpload(upload)
          return true
        },
      })
    }
    return out
  }
}
