// The simulator's agenda: events ordered by virtual time, ties by insertion order, so a
// run is a function of its inputs and seed alone.
export interface SimEvent {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

/** A binary min-heap on (at, seq). */
export class EventQueue {
  private readonly heap: SimEvent[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(at: number, run: () => void): void {
    const h = this.heap
    h.push({ at, seq: this.seq++, run })
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  peek(): SimEvent | undefined {
    return this.heap[0]
  }

  pop(): SimEvent | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length === 0 || last === undefined) return top
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l]!, h[m]!)) m = l
      if (r < h.length && before(h[r]!, h[m]!)) m = r
      if (m === i) return top
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}

const before = (a: SimEvent, b: SimEvent): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)
