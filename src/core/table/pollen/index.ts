// The tables Pollen's metadata lives in (DESIGN §5.2; Garage's src/model, reference/garage.md §4.3).
import { blockRefTable } from "./block-ref.ts"
import { bucketAliasTable } from "./bucket-alias.ts"
import { bucketTable } from "./bucket.ts"
import { counterTable } from "./counters.ts"
import { keyTable } from "./key.ts"
import { multipartUploadTable } from "./multipart-upload.ts"
import { objectTable } from "./object.ts"
import { versionTable } from "./version.ts"

export * from "./block-ref.ts"
export * from "./bucket-alias.ts"
export * from "./bucket.ts"
export * from "./counters.ts"
export * from "./key.ts"
export * from "./multipart-upload.ts"
export * from "./object.ts"
export * from "./tag.ts"
export * from "./version.ts"

/** Every table, in the order a node declares them. */
export const pollenTables = [
  bucketTable,
  bucketAliasTable,
  keyTable,
  objectTable,
  versionTable,
  multipartUploadTable,
  blockRefTable,
  counterTable,
] as const
