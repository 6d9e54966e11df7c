// This node's hybrid logical clock for CRDT timestamps (core/crdt/hlc.ts): strictly
// increasing, close to wall time, and moved past every timestamp it has observed, so a
// write made after reading another always wins over it.
import { hlcNow, hlcRecv, hlcZero, type Hlc } from "../core/crdt/index.ts"

export class HlcClock {
  private last: Hlc = hlcZero

  constructor(private readonly wall: () => number = Date.now) {}

  /** A fresh timestamp; `atLeastMs` lets a caller tie it to a time it reports (Last-Modified). */
  now(atLeastMs?: number): Hlc {
    this.last = hlcNow(this.last, Math.max(this.wall(), atLeastMs ?? -Infinity))
    return this.last
  }

  observe(ts: Hlc): void {
    this.last = hlcRecv(this.last, ts, this.wall())
  }
}
