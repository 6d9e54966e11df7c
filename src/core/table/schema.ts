// A table of CRDT entries (DESIGN §5.2): what a table declares so the generic engine can
// store, merge, replicate and garbage-collect its rows. Entries are plain data described
// by an effect/Schema (the same declaration decodes rows from peers and from disk), keyed
// by (partition key, sort key), and merged with their CRDT merge.
import type { Schema } from "effect"
import type { Merge } from "../crdt/lattice.ts"

/** Sharded tables live on the rf nodes of a partition; full-copy tables on every node. */
export type Replication = "sharded" | "fullCopy"

/**
 * Which part of the key picks the partition. "partitionKey": every row of a partition key
 * is on the same nodes (a range read asks one partition). "partitionAndSortKey": rows are
 * spread by (partition key, sort key), so one bucket's objects are not pinned to rf nodes;
 * a range read then merges over every partition (DESIGN §5.2).
 */
export type ShardBy = "partitionKey" | "partitionAndSortKey"

/** A write into another table that a change of a row implies (a cascade). */
export interface QueuedInsert {
  readonly table: string
  readonly entry: unknown
}

export interface TableSchema<E> {
  readonly name: string
  readonly replication: Replication
  readonly shardBy: ShardBy
  /** Type and encoded form are the same plain data (MessagePack-able). */
  readonly entry: Schema.Codec<E, unknown>
  readonly partitionKey: (e: E) => string
  readonly sortKey: (e: E) => string
  /**
   * The bytes whose hash picks the partition of a partition key (default: its UTF-8). The
   * block-reference table hashes the block hash's bytes, as the block layer does, so that
   * its rows live on the nodes that hold the block.
   */
  readonly partitionBytes?: (pk: string) => Uint8Array
  /** The CRDT merge: commutative, associative, idempotent; returns `a` itself when unchanged. */
  readonly merge: Merge<E>
  /** A tombstone may be collected once every holder has it (tombstone GC). */
  readonly isTombstone: (e: E) => boolean
  /**
   * Inserts into other tables implied by a change of this row from `old` to `next`. They are
   * queued in the same transaction as the row and delivered later with quorum writes.
   */
  readonly cascade?: (old: E | undefined, next: E) => ReadonlyArray<QueuedInsert>
}

export const defineTable = <E>(schema: TableSchema<E>): TableSchema<E> => schema
