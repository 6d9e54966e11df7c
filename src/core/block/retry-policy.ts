// When the resync queue retries a block whose check failed: exponential backoff, as
// Garage's resync (60 s × 2^k, capped at 2^6), with the base and cap as parameters.

export interface RetryPolicy {
  readonly baseMs: number
  readonly capMs: number
}

/** Garage's figures: 1 min, doubling, at most 64 min. */
export const defaultRetryPolicy: RetryPolicy = { baseMs: 60_000, capMs: 64 * 60_000 }

/** Delay before the next try after `failures` consecutive failures (failures >= 1). */
export const retryDelay = (failures: number, policy: RetryPolicy): number =>
  Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 40))
