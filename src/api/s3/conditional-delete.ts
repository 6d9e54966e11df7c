// Conditional deletes (AWS, general purpose buckets): DeleteObject's `If-Match` header and
// DeleteObjects' per-object `<ETag>`. Checked against the key's current version under its
// write lock. Ignoring them would be a wrong success: the caller believes the object it read
// is the one removed.
import type { ObjectStore } from "../../node/object-store.ts"
import { etagMatches } from "./conditions.ts"
import { s3Error, type S3Error } from "./errors.ts"

export type DeleteOutcome = "deleted" | "absent" | "mismatch"

/** Deletes `key` only when its current ETag matches `ifMatch` (an ETag list or `*`). */
export const deleteIfMatch = async (store: ObjectStore, bucketId: string, key: string, ifMatch: string): Promise<DeleteOutcome> => {
  let outcome: DeleteOutcome = "absent"
  await store.deleteObject(bucketId, key, (current) => {
    outcome = current.etag !== undefined && etagMatches(ifMatch, current.etag) ? "deleted" : "mismatch"
    return outcome === "deleted"
  })
  return outcome
}

/** The error DeleteObject answers for an outcome other than "deleted", as AWS does. */
export const deleteOutcomeError = (outcome: Exclude<DeleteOutcome, "deleted">): S3Error =>
  outcome === "absent"
    ? s3Error("NoSuchKey", "The specified key does not exist.")
    : s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Match" })

/** AWS takes these on directory buckets only; Pollen has none, so they are not ignored either. */
export const refuseDirectoryBucketConditions = (headers: ReadonlyMap<string, string>): void => {
  for (const name of ["x-amz-if-match-last-modified-time", "x-amz-if-match-size"])
    if (headers.has(name)) throw s3Error("NotImplemented", `The ${name} header (directory buckets) is not implemented by Pollen.`)
}
