// Block reference counting (Garage's block_ref `updated` hook): the block_ref table is
// partitioned like the blocks (block-ref.ts), so every node that stores a reference row
// holds the block, and counts it in its BlockManager when the row appears or is deleted,
// in the same LMDB transaction as the row.
import type { BlockRefRow } from "../core/table/pollen/index.ts"
import type { BlockManager } from "./blocks/block-manager.ts"
import type { Table } from "./table/table.ts"

/** +1 when a live reference appears, -1 when a live one is deleted, else 0. */
const deltaOf = (old: BlockRefRow | undefined, next: BlockRefRow): 1 | -1 | 0 => {
  const wasLive = old !== undefined && !old.deleted
  // A tombstone arriving first (the reference's creation never reached this node) counts nothing.
  return !wasLive && !next.deleted ? 1 : wasLive && next.deleted ? -1 : 0
}

export const countBlockReferences = (refs: Table<BlockRefRow>, blocks: BlockManager, log: (line: string) => void): void => {
  // The count changes in the reference row's own transaction: a crash cannot separate them.
  refs.store.onChangeInTransaction((old, next) => {
    const d = deltaOf(old, next)
    if (d !== 0) blocks.countInTransaction(next.block, d)
  })
  refs.store.onChange((old, next) => {
    const d = deltaOf(old, next)
    if (d !== 0) blocks.afterCounted(next.block, d).catch((e: unknown) => log(`blocks: after counting ${next.block.slice(0, 12)}: ${(e as Error).message}`))
  })
}
