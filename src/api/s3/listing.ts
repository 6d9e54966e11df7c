// Listing keys in order with a prefix, a delimiter of any length, a start point and a limit;
// keys sharing a delimiter-ended prefix roll up into one CommonPrefix, counted once.
import type { ObjectMeta, ObjectStore } from "../../node/object-store.ts"
import { s3Error } from "./errors.ts"
import { uriEncode } from "./sigv4-canonical.ts"

const MAX_CHAR = "\u{10FFFF}"

export interface ListPage {
  readonly objects: readonly ObjectMeta[]
  readonly prefixes: readonly string[]
  readonly truncated: boolean
  /** The last key or common prefix returned, where the next page starts after. */
  readonly last: string | undefined
}

export const commonPrefix = (key: string, prefix: string, delimiter: string): string | undefined => {
  if (delimiter === "" || !key.startsWith(prefix)) return undefined
  const i = key.indexOf(delimiter, prefix.length)
  return i < 0 ? undefined : key.slice(0, i + delimiter.length)
}

export const listPage = async (
  store: ObjectStore,
  bucketId: string,
  opts: { prefix: string; delimiter: string; after: string | undefined; maxKeys: number },
): Promise<ListPage> => {
  // max-keys=0 asks for no keys: AWS answers an empty, untruncated page (ceph s3-tests check it).
  if (opts.maxKeys === 0) return { objects: [], prefixes: [], truncated: false, last: undefined }
  const objects: ObjectMeta[] = []
  const prefixes: string[] = []
  let last: string | undefined
  let after = opts.after
  // A start point that is itself a common prefix skips everything under it.
  if (after !== undefined && commonPrefix(after, opts.prefix, opts.delimiter) === after) after = after + MAX_CHAR
  const count = () => objects.length + prefixes.length
  for (;;) {
    let restartAfter: string | undefined
    for await (const meta of store.listObjects(bucketId, { prefix: opts.prefix, after })) {
      const cp = commonPrefix(meta.key, opts.prefix, opts.delimiter)
      if (count() >= opts.maxKeys) return { objects, prefixes, truncated: true, last }
      if (cp !== undefined) {
        prefixes.push(cp)
        last = cp
        restartAfter = cp + MAX_CHAR
        break
      }
      objects.push(meta)
      last = meta.key
    }
    if (restartAfter === undefined) return { objects, prefixes, truncated: false, last }
    after = restartAfter
  }
}

export const parseMaxKeys = (raw: string | undefined, fallback = 1000): number => {
  if (raw === undefined) return fallback
  if (!/^\d{1,10}$/.test(raw)) throw s3Error("InvalidArgument", "Provided max-keys not an integer or within integer range")
  return Math.min(Number(raw), fallback)
}

export const encodingOf = (raw: string | undefined): ((s: string) => string) => {
  if (raw === undefined) return (s) => s
  if (raw !== "url") throw s3Error("InvalidArgument", "Invalid Encoding Method specified in Request")
  return (s) => uriEncode(s, true)
}
