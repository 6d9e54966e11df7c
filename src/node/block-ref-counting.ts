// Block reference counting (Garage's block_ref `updated` hook): the block_ref table is
// partitioned like the blocks (block-ref.ts), so every node that stores a reference row
// holds the block, and counts it in its BlockManager when the row appears or is deleted.
import type { BlockRefRow } from "../core/table/pollen/index.ts"
import type { BlockManager } from "./blocks/block-manager.ts"
import type { Table } from "./table/table.ts"

export const countBlockReferences = (refs: Table<BlockRefRow>, blocks: BlockManager, log: (line: string) => void): void => {
  refs.store.onChange((old, next) => {
    const wasLive = old !== undefined && !old.deleted
    // A tombstone arriving first (the reference's creation never reached this node) counts nothing.
    if (!wasLive && !next.deleted) {
      blocks.incref(next.block).catch((e: unknown) => log(`blocks: incref of ${next.block.slice(0, 12)} failed: ${(e as Error).message}`))
    } else if (wasLive && next.deleted) {
      blocks.decref(next.block)
    }
  })
}
