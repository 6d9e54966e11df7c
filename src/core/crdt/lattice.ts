// The two functions every CRDT here exports. A type's merge is the join of a
// join-semilattice (commutative, associative, idempotent) and its leq is the partial
// order that join induces: leq(a, b) iff merge(a, b) equals b. Replicas converge because
// merge only ever moves a state up this order.

/** Join of two states. By convention returns `a` itself when the join equals a. */
export type Merge<T> = (a: T, b: T) => T

/** The partial order of a type: leq(a, b) iff merge(a, b) equals b. */
export type Leq<T> = (a: T, b: T) => boolean
