// One table seen from this node: quorum writes to a quorum of EVERY write set (each
// active layout version), quorum reads from the read version's set with merge and read
// repair, and range reads merged over a quorum of each partition (DESIGN §5.2).
import { Schema } from "effect"
import type { NodeId } from "../../core/machine.ts"
import {
  Endpoint,
  MAX_RANGE_LIMIT,
  mergeNodeRanges,
  partitionOfRow,
  RangeRes,
  readQuorum,
  ReadRes,
  unionOfSets,
  UpdateRes,
  writeSetsHopeless,
  writeSetsSatisfied,
  type ConsistencyMode,
} from "../../core/table/index.ts"
import type { Placement } from "../cluster/interfaces.ts"
import { gather, GatherError } from "./gather.ts"
import { rowBatches } from "./row-batches.ts"
import type { TableStore } from "./table-store.ts"

/** Calls to table endpoints of any node, this one included. */
export interface TableNet {
  readonly self: NodeId
  call(to: NodeId, endpoint: string, payload: unknown): Promise<unknown>
}

export class QuorumError extends Error {}

export interface RangeOptions {
  /** Inclusive lower bound of the sort key ("" : from the first). */
  readonly start?: string
  /** Exclusive upper bound (undefined: to the end). */
  readonly end?: string | undefined
  /** Rows merged per call, tombstones included (default and maximum 1000). */
  readonly limit?: number
}

export interface RangeResult<E> {
  /** Live entries in sort-key order (tombstones left out). */
  readonly entries: ReadonlyArray<E>
  /** Where the next page starts, or undefined when the range is exhausted. */
  readonly next: string | undefined
}

/** A read quorum is asked first; one more replica is asked after this long without an answer (and at once for each failure). */
const READ_HEDGE_MS = 300

const decodeUpdateRes = Schema.decodeUnknownSync(UpdateRes)
const decodeReadRes = Schema.decodeUnknownSync(ReadRes)
const decodeRangeRes = Schema.decodeUnknownSync(RangeRes)

const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && view(a).equals(view(b))

export class Table<E> {
  constructor(
    readonly store: TableStore<E>,
    private readonly net: TableNet,
    private readonly placement: Placement,
    private readonly mode: () => ConsistencyMode,
  ) {}

  get name(): string {
    return this.store.schema.name
  }

  /** Every active version's holders of partition p (full-copy tables: every node). */
  writeSets(p: number): ReadonlyArray<ReadonlyArray<NodeId>> {
    return this.store.schema.replication === "fullCopy" ? [this.placement.allNodes()] : this.placement.writeSets(p)
  }

  readSet(p: number): ReadonlyArray<NodeId> {
    return this.store.schema.replication === "fullCopy" ? this.placement.allNodes() : this.placement.readSet(p)
  }

  async insert(entry: E): Promise<void> {
    await this.insertMany([entry])
  }

  /** Resolves once every partition touched has W acks in each of its write sets. */
  async insertMany(entries: ReadonlyArray<E>): Promise<void> {
    if (entries.length === 0) return
    const lock = this.placement.lockWrite?.()
    try {
      await this.insertPlanned(entries)
    } finally {
      lock?.release()
    }
  }

  private async insertPlanned(entries: ReadonlyArray<E>): Promise<void> {
    const byPartition = new Map<number, Uint8Array[]>()
    for (const e of entries) {
      const p = this.store.partitionOf(e)
      const rows = byPartition.get(p) ?? []
      rows.push(this.store.codec.encode(e))
      byPartition.set(p, rows)
    }
    const sets = new Map([...byPartition.keys()].map((p) => [p, this.writeSets(p)] as const))
    // One request per node carrying every row it holds.
    const perNode = new Map<NodeId, Uint8Array[]>()
    for (const [p, rows] of byPartition) {
      for (const node of unionOfSets(sets.get(p)!)) perNode.set(node, [...(perNode.get(node) ?? []), ...rows])
    }
    const mode = this.mode()
    try {
      await gather(
        [...perNode.keys()],
        async (node) => {
          const rows = perNode.get(node)!
          // This node's own replica: merged here, without the RPC endpoint's request decode.
          if (node === this.net.self) return void (await this.store.mergeEncoded(rows))
          // In batches, so a large insert never exceeds the RPC frame limit.
          for (const batch of rowBatches(rows)) decodeUpdateRes(await this.net.call(node, Endpoint.update, { table: this.name, rows: batch }))
        },
        ({ ok, failed }) => {
          const acked = new Set(ok.keys())
          const lost = new Set(failed.keys())
          if ([...sets.values()].some((s) => writeSetsHopeless(mode, s, lost))) return "fail"
          // This node's own replica is waited for too (unless it failed): reads that look at
          // the local copy first (bucket names, keys) then see every write this node acknowledged.
          const selfDone = !perNode.has(this.net.self) || ok.has(this.net.self) || failed.has(this.net.self)
          return selfDone && [...sets.values()].every((s) => writeSetsSatisfied(mode, s, acked)) ? "done" : "wait"
        },
      )
    } catch (e) {
      throw new QuorumError(`${this.name}: write quorum not reached (${(e as Error).message})`)
    }
  }

  /** The merged entry (tombstones included: check `schema.isTombstone`), or undefined. */
  async get(pk: string, sk: string): Promise<E | undefined> {
    const p = partitionOfRow(this.store.schema.shardBy, pk, sk, this.placement.partitionCount, this.store.schema.partitionBytes)
    const readers = this.readSet(p)
    const r = readQuorum(this.mode(), readers.length)
    let replies
    try {
      replies = await gather(
        this.readOrder(readers),
        async (node) =>
          node === this.net.self
            ? (this.store.getEncoded(pk, sk) ?? null)
            : decodeReadRes(await this.net.call(node, Endpoint.read, { table: this.name, pk, sk })).row,
        ({ ok }) => (ok.size >= r && r > 0 ? "done" : "wait"),
        { initial: r, hedgeMs: READ_HEDGE_MS },
      )
    } catch (e) {
      throw new QuorumError(`${this.name}: read quorum not reached (${(e as Error).message})`)
    }
    // The common case: every replica answered the same bytes. One decode, nothing to repair.
    const rows = [...replies.ok.values()]
    const first = rows[0]
    if (first != null && rows.every((row) => row != null && sameBytes(row, first))) {
      const d = this.store.codec.decode(first)
      if (!d.ok) throw new QuorumError(`${this.name}: bad row from a peer: ${d.error}`)
      return d.value
    }
    let merged: E | undefined
    for (const row of replies.ok.values()) {
      if (row === null) continue
      const d = this.store.codec.decode(row)
      if (!d.ok) throw new QuorumError(`${this.name}: bad row from a peer: ${d.error}`)
      merged = merged === undefined ? d.value : this.store.schema.merge(merged, d.value)
    }
    if (merged !== undefined) {
      const bytes = this.store.codec.encode(merged)
      const stale = [...replies.ok].filter(([, row]) => !sameBytes(row ?? undefined, bytes)).map(([n]) => n)
      this.repair(stale, [bytes])
    }
    return merged
  }

  /**
   * Rows of partition key `pk` with start <= sort key < end, merged from a read quorum of
   * every partition they can live in, at most `limit` rows (tombstones count) per call.
   */
  async getRange(pk: string, options: RangeOptions = {}): Promise<RangeResult<E>> {
    const start = options.start ?? ""
    const limit = Math.min(options.limit ?? MAX_RANGE_LIMIT, MAX_RANGE_LIMIT)
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${this.name}: range limit must be a positive integer`)
    const partitions =
      this.store.schema.shardBy === "partitionKey"
        ? [partitionOfRow("partitionKey", pk, "", this.placement.partitionCount, this.store.schema.partitionBytes)]
        : Array.from({ length: this.placement.partitionCount }, (_, p) => p)
    const mode = this.mode()
    const readers = new Map(partitions.map((p) => [p, this.readSet(p)] as const))
    const perNode = new Map<NodeId, number[]>()
    for (const [p, nodes] of readers) for (const n of nodes) perNode.set(n, [...(perNode.get(n) ?? []), p])
    const answered = (ok: ReadonlyMap<NodeId, unknown>, p: number) =>
      readers.get(p)!.filter((n) => ok.has(n)).length >= Math.max(1, readQuorum(mode, readers.get(p)!.length))
    let replies
    try {
      replies = await gather(
        [...perNode.keys()],
        async (node) =>
          decodeRangeRes(
            await this.net.call(node, Endpoint.range, {
              table: this.name,
              partitions: perNode.get(node)!,
              pk,
              start,
              end: options.end ?? null,
              limit,
            }),
          ),
        ({ ok }) => (partitions.every((p) => answered(ok, p)) ? "done" : "wait"),
      )
    } catch (e) {
      const ok = e instanceof GatherError ? (e.gathered.ok as ReadonlyMap<NodeId, unknown>) : new Map()
      const missing = partitions.filter((p) => !answered(ok, p))
      throw new QuorumError(
        `${this.name}: read quorum not reached for ${missing.length} partition(s) (${(e as Error).message})`,
      )
    }
    const codec = this.store.codec
    const decode = (row: Uint8Array): E => {
      const d = codec.decode(row)
      if (!d.ok) throw new QuorumError(`${this.name}: bad row from a peer: ${d.error}`)
      return d.value
    }
    const answers = [...replies.ok].map(([node, res]) => ({
      node,
      partitions: perNode.get(node)!,
      rows: res.rows.map((r) => ({ partition: r.partition, sortKey: r.sortKey, entry: decode(r.row) })),
      complete: res.complete,
    }))
    const same = (a: E, b: E) => sameBytes(codec.encode(a), codec.encode(b))
    const merged = mergeNodeRanges(answers, limit, this.store.schema.merge, same)
    for (const rep of merged.repairs) this.repair([rep.node], [codec.encode(rep.entry)])
    return {
      entries: merged.rows.map((r) => r.entry).filter((e) => !this.store.schema.isTombstone(e)),
      next: merged.next,
    }
  }

  /** This node first (no network), then the others from a rotating start so reads spread over them. */
  private readOrder(readers: ReadonlyArray<NodeId>): NodeId[] {
    const others = readers.filter((n) => n !== this.net.self)
    const from = others.length === 0 ? 0 : this.rotation++ % others.length
    const rotated = [...others.slice(from), ...others.slice(0, from)]
    return readers.includes(this.net.self) ? [this.net.self, ...rotated] : rotated
  }

  private rotation = 0

  /** Read repair: fire and forget; anti-entropy covers a failure. */
  private repair(nodes: ReadonlyArray<NodeId>, rows: Uint8Array[]): void {
    for (const node of nodes) {
      this.net.call(node, Endpoint.update, { table: this.name, rows }).catch(() => undefined)
    }
  }
}
