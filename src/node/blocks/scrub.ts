// One scrub pass: read every block file on this node and check its SHA-256 against its
// name. What to do with a corrupt one (move it aside, fetch a good copy) is the caller's.
import type { BlockStore } from "../block-store.ts"
import { sha256Hex } from "./block-messages.ts"

export interface ScrubReport {
  readonly checked: number
  readonly corrupted: ReadonlyArray<string>
}

export const scrubBlocks = async (
  store: BlockStore,
  onCorrupt: (hash: string) => Promise<void>,
  stop: () => boolean,
  pauseMs = 0,
): Promise<ScrubReport> => {
  let checked = 0
  const corrupted: string[] = []
  for await (const hash of store.list()) {
    if (stop()) break
    const data = await store.readAll(hash)
    if (data === undefined) continue // deleted meanwhile
    checked++
    if (sha256Hex(data) !== hash) {
      corrupted.push(hash)
      await onCorrupt(hash)
    }
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs))
  }
  return { checked, corrupted }
}
