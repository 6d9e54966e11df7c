// CRDT toolkit: pure merges over plain readonly data, each with the partial order it
// joins in, so the semilattice laws can be checked (test/crdt).
export * from "./order.ts"
export * from "./lattice.ts"
export * from "./hlc.ts"
export * from "./lww.ts"
export * from "./lww-map.ts"
export * from "./map.ts"
export * from "./bool.ts"
export * from "./deletable.ts"
export * from "./canceling-option.ts"
export * from "./merging-option.ts"
export * from "./counters.ts"
