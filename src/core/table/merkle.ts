// The Merkle trie of one partition (Garage's table/merkle.rs): a 256-ary trie over the
// SHA-256 of each row key, branching on the next byte of that hash. A leaf holds one row
// (its key and the hash of its bytes); an intermediate node holds the hashes of its
// children. The shape is canonical — a leaf sits at the shortest prefix no other key
// shares, and an intermediate node left with a single leaf child is replaced by that leaf
// — so two tries have the same root hash iff they hold the same (key, value hash) pairs,
// whatever order the updates came in. The algorithm reads and writes nodes through a
// store, so the shell can keep them in LMDB inside the row's own transaction.
import { Schema } from "effect"
import { concatBytes, equalBytes, sha256 } from "./keys.ts"

const Bytes = Schema.Uint8Array

export const MerkleNodeSchema = Schema.Union([
  Schema.TaggedStruct("Leaf", { key: Bytes, keyHash: Bytes, valueHash: Bytes }),
  Schema.TaggedStruct("Intermediate", { children: Schema.Array(Schema.Tuple([Schema.Int, Bytes])) }),
])
export type MerkleNode = typeof MerkleNodeSchema.Type
export type MerkleLeaf = Extract<MerkleNode, { _tag: "Leaf" }>

/** Nodes of one partition's trie, by prefix (bytes of the key hash). */
export interface MerkleStore {
  get(prefix: Uint8Array): MerkleNode | undefined
  put(prefix: Uint8Array, node: MerkleNode): void
  remove(prefix: Uint8Array): void
}

export const EMPTY_HASH = new Uint8Array(32)

const LEAF = new Uint8Array([0x4c])
const INTERMEDIATE = new Uint8Array([0x49])

export const nodeHash = (node: MerkleNode | undefined): Uint8Array => {
  if (node === undefined) return EMPTY_HASH
  if (node._tag === "Leaf") return sha256(concatBytes(LEAF, node.keyHash, node.valueHash))
  return sha256(concatBytes(INTERMEDIATE, ...node.children.flatMap(([b, h]) => [new Uint8Array([b]), h])))
}

export const rootHash = (store: MerkleStore): Uint8Array => nodeHash(store.get(new Uint8Array(0)))

const child = (prefix: Uint8Array, byte: number): Uint8Array => concatBytes(prefix, new Uint8Array([byte]))

/**
 * Sets row `key` (whose SHA-256 is `keyHash`) to `valueHash`, or removes it when
 * `valueHash` is undefined.
 */
export const merkleUpdate = (
  store: MerkleStore,
  key: Uint8Array,
  valueHash: Uint8Array | undefined,
  keyHash: Uint8Array = sha256(key),
): void => {
  update(store, new Uint8Array(0), { _tag: "Leaf", key, keyHash, valueHash: valueHash ?? EMPTY_HASH }, valueHash === undefined)
}

/** Updates the subtree at `prefix`; returns the node now there. */
const update = (store: MerkleStore, prefix: Uint8Array, leaf: MerkleLeaf, remove: boolean): MerkleNode | undefined => {
  const node = store.get(prefix)
  if (node === undefined) {
    if (remove) return undefined
    store.put(prefix, leaf)
    return leaf
  }
  if (node._tag === "Leaf") {
    if (equalBytes(node.keyHash, leaf.keyHash)) {
      if (remove) {
        store.remove(prefix)
        return undefined
      }
      store.put(prefix, leaf)
      return leaf
    }
    if (remove) return node
    // Two keys share this prefix: the old leaf moves one level down and the new one follows.
    const byte = node.keyHash[prefix.length]!
    store.put(child(prefix, byte), node)
    return updateIntermediate(store, prefix, { _tag: "Intermediate", children: [[byte, nodeHash(node)]] }, leaf, remove)
  }
  return updateIntermediate(store, prefix, node, leaf, remove)
}

const updateIntermediate = (
  store: MerkleStore,
  prefix: Uint8Array,
  node: Extract<MerkleNode, { _tag: "Intermediate" }>,
  leaf: MerkleLeaf,
  remove: boolean,
): MerkleNode | undefined => {
  const byte = leaf.keyHash[prefix.length]!
  const below = update(store, child(prefix, byte), leaf, remove)
  const children = node.children.filter(([b]) => b !== byte)
  if (below !== undefined) children.push([byte, nodeHash(below)])
  children.sort((x, y) => x[0] - y[0])
  if (children.length === 0) {
    store.remove(prefix)
    return undefined
  }
  if (children.length === 1) {
    const onlyPrefix = child(prefix, children[0]![0])
    const only = store.get(onlyPrefix)
    if (only?._tag === "Leaf") {
      store.remove(onlyPrefix)
      store.put(prefix, only)
      return only
    }
  }
  const next: MerkleNode = { _tag: "Intermediate", children }
  store.put(prefix, next)
  return next
}

/** Every leaf under `prefix`. */
export const leavesUnder = (store: MerkleStore, prefix: Uint8Array): MerkleLeaf[] => {
  const node = store.get(prefix)
  if (node === undefined) return []
  if (node._tag === "Leaf") return [node]
  return node.children.flatMap(([b]) => leavesUnder(store, child(prefix, b)))
}

/**
 * One step of a push sync: given this node's node and the peer's node at `prefix`, which
 * local subtrees the peer must receive whole, and which child prefixes to compare next.
 */
export const compareNodes = (
  prefix: Uint8Array,
  local: MerkleNode | undefined,
  remote: MerkleNode | undefined,
): { readonly send: Uint8Array[]; readonly descend: Uint8Array[] } => {
  if (local === undefined || equalBytes(nodeHash(local), nodeHash(remote))) return { send: [], descend: [] }
  if (local._tag === "Leaf" || remote === undefined || remote._tag === "Leaf") return { send: [prefix], descend: [] }
  const theirs = new Map(remote.children.map(([b, h]) => [b, h]))
  const descend: Uint8Array[] = []
  for (const [b, h] of local.children) {
    const r = theirs.get(b)
    if (r === undefined || !equalBytes(r, h)) descend.push(child(prefix, b))
  }
  return { send: [], descend }
}

/** An in-memory store, for tests and for the pure model of a replica. */
export const memoryMerkleStore = (): MerkleStore & { readonly size: () => number } => {
  const nodes = new Map<string, MerkleNode>()
  const k = (p: Uint8Array) => Array.from(p).join(",")
  return {
    get: (p) => nodes.get(k(p)),
    put: (p, n) => void nodes.set(k(p), n),
    remove: (p) => void nodes.delete(k(p)),
    size: () => nodes.size,
  }
}

/**
 * Decodes a node read from disk or from a peer; throws on bad input. Checked by hand: every
 * row write reads the nodes on its trie path, and the Schema's decode was 14% of a
 * replica's merge. It accepts exactly what `MerkleNodeSchema` accepts and returns the same
 * value (test/table/merkle-decode.test.ts holds it to the Schema).
 */
export const decodeMerkleNode = (raw: unknown): MerkleNode => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return malformed("not a record")
  const o = raw as Record<string, unknown>
  if (o["_tag"] === "Leaf") {
    const { key, keyHash, valueHash } = o
    if (!(key instanceof Uint8Array) || !(keyHash instanceof Uint8Array) || !(valueHash instanceof Uint8Array)) return malformed("a leaf needs key, keyHash and valueHash bytes")
    return { _tag: "Leaf", key, keyHash, valueHash }
  }
  if (o["_tag"] === "Intermediate") {
    const children = o["children"]
    if (!Array.isArray(children)) return malformed("children is not an array")
    for (const c of children)
      if (!Array.isArray(c) || c.length !== 2 || !Number.isSafeInteger(c[0]) || !(c[1] instanceof Uint8Array)) return malformed("a child is not [integer, bytes]")
    return { _tag: "Intermediate", children: children as Array<[number, Uint8Array]> }
  }
  return malformed("unknown _tag")
}

const malformed = (why: string): never => {
  throw new Error(`malformed Merkle node: ${why}`)
}
