// Symmetry reduction over interchangeable nodes: a state is fingerprinted through the
// lexicographically smallest encoding among its images under every permutation of the
// model's `symmetricNodes` (TLC's SYMMETRY, applied to node identities). Node ids are
// renamed wherever they occur as whole tokens in strings and object keys (so a timer id
// "sync:n1" follows its node), hence node ids must not appear in unrelated data.
import type { Protocol } from "../core/machine.ts"
import type { ClusterSemantics } from "./cluster-semantics.ts"

/** A permutation as `perm[i]` = the index node i moves to. */
export type Permutation = ReadonlyArray<number>

const permutationsOf = (items: ReadonlyArray<number>): number[][] => {
  if (items.length <= 1) return [[...items]]
  const out: number[][] = []
  items.forEach((x, k) => {
    for (const rest of permutationsOf([...items.slice(0, k), ...items.slice(k + 1)])) out.push([x, ...rest])
  })
  return out
}

/** Every permutation of the symmetric nodes (identity first), over all node indices. */
export const symmetryGroup = <P extends Protocol, G>(sem: ClusterSemantics<P, G>): Permutation[] => {
  const { model } = sem
  const symmetric = (model.symmetricNodes ?? []).map((id) => {
    const i = model.nodes.indexOf(id)
    if (i < 0) throw new Error(`model ${model.name}: symmetric node ${id} is not a node`)
    if (model.clients.some((c) => c.node === id)) {
      throw new Error(`model ${model.name}: symmetric node ${id} has a client attached, so it is not interchangeable`)
    }
    return i
  })
  if (symmetric.length < 2) return [model.nodes.map((_, i) => i)]
  return permutationsOf(symmetric).map((image) => {
    const perm = model.nodes.map((_, i) => i)
    symmetric.forEach((from, k) => (perm[from] = image[k]!))
    return perm
  })
}

const lexLess = (a: Int32Array, b: Int32Array): boolean => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]!
  return a.length < b.length
}

/** The representative of `world`'s orbit under `group`. */
export const canonicalize = <P extends Protocol, G>(
  sem: ClusterSemantics<P, G>,
  group: ReadonlyArray<Permutation>,
  world: Int32Array,
): Int32Array => {
  let best = world
  for (let g = 1; g < group.length; g++) {
    const image = sem.permute(world, g, group[g]!)
    if (lexLess(image, best)) best = image
  }
  return best
}
