// Request headers that ask for a feature this store does not have. Ignoring them would be a
// wrong success (the client would believe its data encrypted or locked), so they get
// 501 NotImplemented instead.
import { s3Error } from "./errors.ts"

const REFUSED_PREFIXES: readonly (readonly [string, string])[] = [
  ["x-amz-server-side-encryption", "server-side encryption"],
  ["x-amz-copy-source-server-side-encryption", "server-side encryption"],
  ["x-amz-object-lock-", "object lock"],
  ["x-amz-bucket-object-lock-enabled", "object lock"],
  ["x-amz-grant-", "ACL grants"],
]

export const refuseUnsupportedHeaders = (headers: ReadonlyMap<string, string>): void => {
  for (const name of headers.keys()) {
    for (const [prefix, feature] of REFUSED_PREFIXES)
      if (name.startsWith(prefix)) {
        // "false" asks for nothing: CreateBucket may send x-amz-bucket-object-lock-enabled: false.
        if (name === "x-amz-bucket-object-lock-enabled" && headers.get(name)?.trim().toLowerCase() === "false") continue
        throw s3Error("NotImplemented", `The ${name} header (${feature}) is not implemented by Pollen.`)
      }
    if (name === "x-amz-storage-class") {
      const v = headers.get(name)!.trim()
      if (v !== "STANDARD") throw s3Error("NotImplemented", `Storage class '${v.slice(0, 32)}' is not implemented; Pollen stores every object as STANDARD.`)
    }
  }
}
