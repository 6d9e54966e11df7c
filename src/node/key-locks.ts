// Serialises the writes of one key made through this node, so that a conditional write's
// read-then-write is not interleaved with another write of the same key on the same node.
// Writes through other nodes are not covered: cluster-wide atomicity would need consensus.
export class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>()

  async with<T>(key: string, f: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve()
    const run = before.then(f, f)
    const tail = run.catch(() => undefined)
    this.tails.set(key, tail)
    try {
      return await run
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
