// A history checker for key-value registers recorded by real clients (wall-clock intervals
// from one clock): every read must return a value at least as new as each write of its key
// that completed before the read began, and only values some write produced.
//
// Writes carry unique values per key. "At least as new" is the real-time order: a value v
// from write w is too old for a read r when some write w2 of the same key completed before r
// began and w completed before w2 began (w is then strictly older than w2 in every
// linearization, so a register that returns v has lost w2). Writes overlapping each other
// may be ordered either way (last-writer-wins picks one), so they never count against a
// read. A delete is a write of `null`; a read of nothing returns `null`.

export interface WriteOp {
  readonly kind: "write"
  readonly key: string
  /** The value written; `null` for a delete. Non-null values are unique per key. */
  readonly value: string | null
  readonly start: number
  /** When the acknowledgement arrived; undefined if it never did (the write may or may not have happened). */
  readonly end: number | undefined
}

export interface ReadOp {
  readonly kind: "read"
  readonly key: string
  readonly value: string | null
  readonly start: number
  readonly end: number
}

export type HistoryOp = WriteOp | ReadOp

export interface Violation {
  readonly read: ReadOp
  readonly reason: string
}

interface KeyWrites {
  readonly writes: WriteOp[]
  readonly acked: WriteOp[]
  /** Every write (acknowledged or not) by value; `null` values are not indexed. */
  readonly byValue: Map<string, WriteOp>
}

/** The reads that break read-after-write (empty when the history is fine). */
export const readAfterWriteViolations = (history: readonly HistoryOp[]): Violation[] => {
  const keys = new Map<string, KeyWrites>()
  for (const op of history) {
    if (op.kind !== "write") continue
    let k = keys.get(op.key)
    if (k === undefined) keys.set(op.key, (k = { writes: [], acked: [], byValue: new Map() }))
    if (op.value !== null) {
      if (k.byValue.has(op.value)) throw new Error(`two writes of value ${op.value} to key ${op.key}: values must be unique`)
      k.byValue.set(op.value, op)
    }
    k.writes.push(op)
    if (op.end !== undefined) k.acked.push(op)
  }

  const violations: Violation[] = []
  for (const op of history) {
    if (op.kind !== "read") continue
    const k = keys.get(op.key)
    const acked = k?.acked ?? []
    // The source of the value read: a write of it, or (null) the initial state / any delete.
    let source: WriteOp | undefined
    if (op.value !== null) {
      source = k?.byValue.get(op.value)
      if (source === undefined) {
        violations.push({ read: op, reason: `returned ${op.value}, which no write of ${op.key} produced` })
        continue
      }
      if (source.start > op.end) {
        violations.push({ read: op, reason: `returned ${op.value} before its write began` })
        continue
      }
    }
    // Of the writes acknowledged before the read began, the one that began last: every value
    // acknowledged before it began is older than it in any linearization.
    let latest: WriteOp | undefined
    for (const w of acked) if (w.end! < op.start && (latest === undefined || w.start > latest.start)) latest = w
    if (latest === undefined) continue
    if (op.value === null) {
      // Nothing read: fine only if a delete may be ordered after `latest`.
      const deleteMayWin = (k?.writes ?? []).some((d) => d.value === null && d.start < op.end && !(d.end !== undefined && d.end < latest.start))
      if (!deleteMayWin) violations.push({ read: op, reason: `returned nothing, but ${latest.value} was acknowledged at ${latest.end} before the read began at ${op.start}` })
    } else if (source!.end !== undefined && source!.end < latest.start) {
      violations.push({
        read: op,
        reason: `returned ${op.value} (acknowledged at ${source!.end}), older than ${latest.value ?? "a delete"} (begun at ${latest.start}, acknowledged at ${latest.end}) before the read began at ${op.start}`,
      })
    }
  }
  return violations
}
