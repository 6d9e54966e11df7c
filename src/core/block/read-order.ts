// Which other nodes a node asks for a block it does not have locally, in order: the
// holders of the block's partition nearest first (by measured round-trip time; unmeasured
// nodes keep the layout's order, after the measured ones), then the other nodes of the
// cluster as a last resort.
import type { NodeId } from "../machine.ts"

export const readOrder = (
  self: NodeId,
  holders: ReadonlyArray<NodeId>,
  others: ReadonlyArray<NodeId>,
  rttMs: ReadonlyMap<NodeId, number>,
): NodeId[] => {
  const seen = new Set<NodeId>([self])
  const uniq = (xs: ReadonlyArray<NodeId>) => xs.filter((n) => (seen.has(n) ? false : (seen.add(n), true)))
  const near = uniq(holders)
    .map((node, i) => ({ node, i, rtt: rttMs.get(node) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.rtt - b.rtt || a.i - b.i)
    .map((x) => x.node)
  return [...near, ...uniq(others)]
}
