// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
// Timestamps stay close to physical time (l is the largest physical ms seen) yet respect
// causality: a write made after seeing another always gets a larger timestamp, even if
// this node's wall clock is behind. Garage's Jepsen runs lost writes under clock
// scrambling until it used max(now, last + 1); an HLC gives that guarantee and also
// carries it across nodes via hlcRecv. Time enters only as the `nowMs` argument, so the
// functions are pure and the model checker can feed any clock behaviour it likes.

export type Hlc = {
  /** Largest physical time (ms) this clock has seen, locally or in a message. */
  readonly l: number
  /** Logical counter ordering events that share the same l. */
  readonly c: number
}

export const hlcZero: Hlc = { l: 0, c: 0 }

/** Lexicographic order on (l, c). */
export const compareHlc = (a: Hlc, b: Hlc): -1 | 0 | 1 =>
  a.l < b.l ? -1 : a.l > b.l ? 1 : a.c < b.c ? -1 : a.c > b.c ? 1 : 0

// A broken wall clock (NaN, ±Infinity) must not poison the state: it is ignored and the
// clock advances logically only.
const physical = (nowMs: number): number => (Number.isFinite(nowMs) ? nowMs : -Infinity)

/**
 * Local or send event. l' = max(l, now); c' = c + 1 if l did not move, else 0.
 * Strictly greater than `clock` whatever `nowMs` is (it may go backwards).
 */
export const hlcNow = (clock: Hlc, nowMs: number): Hlc => {
  const l = Math.max(clock.l, physical(nowMs))
  return l === clock.l ? { l, c: clock.c + 1 } : { l, c: 0 }
}

/**
 * Receive event: merge a remote timestamp. l' = max(l, remote.l, now); the counter
 * continues from whichever of the two clocks holds l' (both: the larger counter), and
 * resets to 0 if only physical time reached l'. The result is strictly greater than both
 * `clock` and `remote`, so anything this node does next is ordered after the message.
 */
export const hlcRecv = (clock: Hlc, remote: Hlc, nowMs: number): Hlc => {
  const l = Math.max(clock.l, remote.l, physical(nowMs))
  const fromLocal = l === clock.l
  const fromRemote = l === remote.l
  const c =
    fromLocal && fromRemote
      ? Math.max(clock.c, remote.c) + 1
      : fromLocal
        ? clock.c + 1
        : fromRemote
          ? remote.c + 1
          : 0
  return { l, c }
}
