// How S3 buckets get global names: claim/release/lookup of a name → bucket id binding.
export type ClaimOutcome = { kind: "created"; bucketId: string } | { kind: "exists"; bucketId: string } | { kind: "unavailable" }
export interface BucketNames {
  /** Binds `name` to `bucketId` unless it is bound; idempotent for one requestId. */
  claim(name: string, bucketId: string, requestId: string): Promise<ClaimOutcome>
  release(name: string, bucketId: string, requestId: string): Promise<"released" | "not-bound" | "unavailable">
  lookup(name: string): Promise<string | undefined>
}
