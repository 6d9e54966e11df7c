// The pure part of the table layer: schemas, keys, the Merkle trie, quorums, range merges.
export * from "./schema.ts"
export * from "./keys.ts"
export * from "./row-codec.ts"
export * from "./merkle.ts"
export * from "./quorum.ts"
export * from "./range-merge.ts"
export * from "./messages.ts"
