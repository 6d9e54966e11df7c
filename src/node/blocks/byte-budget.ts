// Back-pressure on memory: a semaphore counted in bytes over the block buffers a node
// holds for puts and resync (Garage's block_ram_buffer_max). Waiters are served in
// arrival order, so a large block is not starved by a stream of small ones; a request
// larger than the whole budget is clamped to it and runs alone.

export interface Lease {
  /** Gives back part of the lease (e.g. a stream turned out shorter than the maximum). */
  shrinkTo(bytes: number): void
  release(): void
}

interface Waiter {
  readonly bytes: number
  readonly grant: () => void
}

export class ByteBudget {
  private used = 0
  private readonly waiters: Waiter[] = []

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new Error(`byte budget must be positive, got ${capacity}`)
  }

  get inUse(): number {
    return this.used
  }

  get waiting(): number {
    return this.waiters.length
  }

  async acquire(bytes: number): Promise<Lease> {
    const want = Math.min(Math.max(0, bytes), this.capacity)
    if (this.waiters.length === 0 && this.used + want <= this.capacity) this.used += want
    else await new Promise<void>((grant) => this.waiters.push({ bytes: want, grant }))
    let held = want
    return {
      shrinkTo: (n) => {
        const keep = Math.min(held, Math.max(0, n))
        this.give(held - keep)
        held = keep
      },
      release: () => {
        this.give(held)
        held = 0
      },
    }
  }

  private give(bytes: number): void {
    if (bytes <= 0) return
    this.used -= bytes
    while (this.waiters.length > 0 && this.used + this.waiters[0]!.bytes <= this.capacity) {
      const w = this.waiters.shift()!
      this.used += w.bytes
      w.grant()
    }
  }
}
