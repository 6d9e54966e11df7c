// Byte ranges: `bytes=a-b`, `bytes=a-`, `bytes=-n`. Unparsable or multi-range headers are
// ignored (the whole object is served), as S3 does; unsatisfiable ones are InvalidRange, with
// the `Content-Range: bytes */size` RFC 9110 asks of a 416.
import { s3Error } from "./errors.ts"

export interface ByteRange {
  readonly start: number
  /** Exclusive. */
  readonly end: number
}

const RANGE_RE = /^bytes=(\d*)-(\d*)$/

export const parseRange = (header: string | undefined, size: number): ByteRange | undefined => {
  if (header === undefined) return undefined
  const m = RANGE_RE.exec(header.trim())
  if (m === null) return undefined
  const [, a, b] = m
  if (a === "" && b === "") return undefined
  const invalid = () =>
    s3Error("InvalidRange", "The requested range is not satisfiable", {
      RangeRequested: header.slice(0, 64),
      ActualObjectSize: String(size),
    }, { "content-range": `bytes */${size}` })
  if (a === "") {
    const n = Number(b)
    if (n === 0) throw invalid()
    // The last n bytes of an empty object are the whole (empty) object: a 206 could not
    // name them in Content-Range, so it is served whole, as tail readers expect.
    if (size === 0) return undefined
    return { start: Math.max(0, size - n), end: size }
  }
  const start = Number(a)
  const last = b === "" ? size - 1 : Number(b)
  if (b !== "" && last < start) return undefined
  if (start >= size) throw invalid()
  return { start, end: Math.min(last, size - 1) + 1 }
}

/** `bytes=a-b` of x-amz-copy-source-range: must be explicit and inside the source. */
export const parseCopyRange = (header: string | undefined, size: number): ByteRange | undefined => {
  if (header === undefined) return undefined
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim())
  if (m === null) throw s3Error("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
  const start = Number(m[1])
  const last = Number(m[2])
  if (last < start || last >= size)
    throw s3Error("InvalidRange", "The requested range is not satisfiable", { RangeRequested: header.slice(0, 64), ActualObjectSize: String(size) })
  return { start, end: last + 1 }
}
