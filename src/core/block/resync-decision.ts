// What the resync queue does with one block on one node, from what the node knows about it.
import { type BlockRc, isDeletable, isNeeded } from "./refcount.ts"

export interface BlockFacts {
  /** This node is in some active layout version's node set for the block's partition. */
  readonly isHolder: boolean
  /** A block file is on this node's disk. */
  readonly present: boolean
  readonly rc: BlockRc | undefined
  /** This node had the block and lost it (corrupt file, failed local write): get it back. */
  readonly lost: boolean
  readonly now: number
  /**
   * Blocks never referenced here are not deleted yet: the node started too recently for the
   * block-reference rows it missed while down to have reached it.
   */
  readonly holdNeverReferenced?: boolean
}

export type ResyncAction =
  /** Unreferenced past the delay: remove the file (if any) and the count. */
  | "delete"
  /** Held here but should be: copy it from another holder. */
  | "fetch"
  /** Here but not ours any more: give it to every holder that lacks it, then delete it here. */
  | "offload"
  /** Ours and here: give it to the other holders that lack it (a replica write failed, the layout changed). */
  | "replicate"
  | "nothing"

export const resyncAction = (f: BlockFacts): ResyncAction => {
  if (isDeletable(f.rc, f.now)) return f.holdNeverReferenced === true && f.rc?.neverReferenced === true ? "nothing" : "delete"
  if (f.present) return f.isHolder ? "replicate" : "offload"
  if (f.isHolder && (isNeeded(f.rc, f.now) || f.lost)) return "fetch"
  return "nothing"
}
