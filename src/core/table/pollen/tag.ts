// S3 tags (object and bucket tagging): a key and a value each, stored in key order.
import { Schema } from "effect"

export const Tag = Schema.Struct({ key: Schema.String, value: Schema.String })

export const TagSet = Schema.Array(Tag)
export type TagSet = typeof TagSet.Type
