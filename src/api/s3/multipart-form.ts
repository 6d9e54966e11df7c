// A streaming reader of multipart/form-data bodies (RFC 7578, RFC 2046 §5.1) for PostObject:
// the fields before the part named `file` are read into memory, bounded in total; the file's
// content is then streamed without buffering it; whatever follows the file (more fields, the
// close delimiter) is read and ignored, as S3 ignores fields after the file. Any deviation from
// the grammar is `MalformedPOSTRequest`, never a crash.
import { BufferedSource } from "./buffered-source.ts"
import { s3Error, type S3Error } from "./errors.ts"

export interface FormFile {
  /** The `filename` parameter of the file part, if it had one. */
  readonly filename: string | undefined
  /** The file's bytes; iterate once. Ends when the file part ends; throws an S3Error on a broken body. */
  readonly content: AsyncIterable<Buffer>
}

export interface Form {
  /** Fields before the file, in order: names as sent, values decoded as UTF-8. */
  readonly fields: ReadonlyArray<readonly [string, string]>
  readonly file: FormFile | undefined
}

const malformed = (): S3Error => s3Error("MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")

const tooLarge = (): S3Error => s3Error("MaxPostPreDataLengthExceededError", "Your POST request fields preceding the upload file were too large.")

const CRLF = Buffer.from("\r\n")
const MAX_HEADERS = 16
/** RFC 2046 allows 70 characters; a little slack for clients that go beyond. */
const MAX_BOUNDARY = 200

/** The boundary of a `multipart/form-data; boundary=...` Content-Type; PreconditionFailed for any other type, as S3 answers. */
export const boundaryOf = (contentType: string | undefined): string => {
  const [type, ...params] = (contentType ?? "").split(";")
  if (type!.trim().toLowerCase() !== "multipart/form-data")
    throw s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: "Bucket POST must be of the enclosure-type multipart/form-data",
    })
  for (const param of params) {
    const eq = param.indexOf("=")
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue
    let value = param.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.slice(1, -1)
    if (value.length === 0 || value.length > MAX_BOUNDARY || /[^\x20-\x7e]/.test(value)) throw malformed()
    return value
  }
  throw malformed()
}

/** The form body, read through a buffer. */
class Reader extends BufferedSource {
  /** Bytes taken off the front of the buffer (the virtual CRLF included). */
  private consumed = -CRLF.length

  constructor(source: AsyncIterable<Buffer>) {
    // The body is read as if it began with CRLF, so the first delimiter looks like every other one.
    super(source, Buffer.from(CRLF))
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    this.consumed += n
    return out
  }

  /** The bytes before the next `pattern` (removed with it); everything read so far stays within `limit`. */
  async until(pattern: Buffer, limit: number): Promise<Buffer> {
    let from = 0
    for (;;) {
      const i = this.buf.indexOf(pattern, from)
      if (i >= 0) {
        if (this.consumed + i + pattern.length > limit) throw tooLarge()
        const out = this.take(i)
        this.take(pattern.length)
        return out
      }
      if (this.consumed + this.buf.length > limit + pattern.length) throw tooLarge()
      from = Math.max(0, this.buf.length - pattern.length + 1)
      if (!(await this.fill())) throw malformed()
    }
  }

  /** The next `n` bytes, left in the buffer. */
  async peek(n: number, limit: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (!(await this.fill())) throw malformed()
    }
    if (this.consumed + n > limit) throw tooLarge()
    return this.buf.subarray(0, n)
  }

  /** The bytes before the next `delimiter`, streamed; then the rest of the body is read and dropped. */
  async *streamUntil(delimiter: Buffer): AsyncGenerator<Buffer> {
    const keep = delimiter.length - 1
    for (;;) {
      const i = this.buf.indexOf(delimiter)
      if (i >= 0) {
        const out = this.take(i)
        this.take(delimiter.length)
        // A delimiter is followed by `--`, or by white space and CRLF (RFC 2046).
        while (this.buf.length < 2) if (!(await this.fill())) throw malformed()
        const next = this.buf.subarray(0, 2).toString("latin1")
        if (next !== "--" && next !== "\r\n" && next[0] !== " " && next[0] !== "\t") throw malformed()
        this.buf = Buffer.alloc(0)
        if (out.length > 0) yield out
        break
      }
      if (this.buf.length > keep) yield this.take(this.buf.length - keep)
      if (!(await this.fill())) throw malformed()
    }
    // Fields after the file are ignored (as S3 does), but the whole body is read before the
    // object is stored: a body that breaks off stores nothing.
    while (await this.fill()) this.buf = Buffer.alloc(0)
  }
}

interface Disposition {
  readonly name: string
  readonly filename: string | undefined
}

/** `form-data; name="a"; filename="b"` (quoted strings with `\"` and `\\` escapes, tokens, `filename*=UTF-8''...`). */
const parseDisposition = (value: string): Disposition => {
  let i = value.indexOf(";")
  const type = (i < 0 ? value : value.slice(0, i)).trim().toLowerCase()
  if (type !== "form-data") throw malformed()
  const params = new Map<string, string>()
  while (i >= 0 && i < value.length) {
    i++ // past ';'
    while (value[i] === " " || value[i] === "\t") i++
    if (i >= value.length) break
    const eq = value.indexOf("=", i)
    if (eq < 0) throw malformed()
    const name = value.slice(i, eq).trim().toLowerCase()
    i = eq + 1
    while (value[i] === " " || value[i] === "\t") i++
    let v = ""
    if (value[i] === "\"") {
      i++
      for (;;) {
        if (i >= value.length) throw malformed()
        const c = value[i]!
        if (c === "\"") break
        if (c === "\\" && (value[i + 1] === "\"" || value[i + 1] === "\\")) i++
        v += value[i]
        i++
      }
      i++ // past the closing quote
      while (value[i] === " " || value[i] === "\t") i++
      if (i < value.length && value[i] !== ";") throw malformed()
    } else {
      const end = value.indexOf(";", i)
      v = (end < 0 ? value.slice(i) : value.slice(i, end)).trim()
      i = end < 0 ? value.length : end
      if (v === "") throw malformed()
    }
    if (name === "" || params.has(name)) throw malformed()
    params.set(name, v)
    if (i < value.length && value[i] !== ";") throw malformed()
  }
  const name = params.get("name")
  if (name === undefined) throw malformed()
  let filename = params.get("filename")
  const extended = params.get("filename*")
  if (extended !== undefined) {
    const m = /^utf-8'[^']*'(.*)$/i.exec(extended)
    if (m === null) throw malformed()
    try {
      filename = decodeURIComponent(m[1]!)
    } catch {
      throw malformed()
    }
  }
  return { name, filename }
}

const readPartHeaders = async (reader: Reader, limit: number): Promise<Disposition> => {
  let disposition: Disposition | undefined
  for (let n = 0; ; n++) {
    const line = (await reader.until(CRLF, limit)).toString("utf8")
    if (line === "") break
    if (n >= MAX_HEADERS) throw malformed()
    const colon = line.indexOf(":")
    if (colon <= 0 || line[0] === " " || line[0] === "\t") throw malformed()
    const name = line.slice(0, colon).trim().toLowerCase()
    if (name === "content-disposition") {
      if (disposition !== undefined) throw malformed()
      disposition = parseDisposition(line.slice(colon + 1).trim())
    }
  }
  if (disposition === undefined) throw malformed()
  return disposition
}

/**
 * Reads the fields of a multipart/form-data body up to the part named `file` (field names
 * compared without case); the body up to the file's content may be at most `limit` bytes.
 * Without a file part the whole body is read and `file` is undefined.
 */
export const readForm = async (source: AsyncIterable<Buffer>, boundary: string, limit: number): Promise<Form> => {
  const reader = new Reader(source)
  const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1")
  const fields: [string, string][] = []
  await reader.until(delimiter, limit) // the preamble, if any
  for (;;) {
    // After a delimiter: `--` closes the body; else optional white space and CRLF.
    if ((await reader.peek(2, limit)).equals(Buffer.from("--"))) return { fields, file: undefined }
    const padding = await reader.until(CRLF, limit)
    if (!/^[ \t]*$/.test(padding.toString("latin1"))) throw malformed()
    const part = await readPartHeaders(reader, limit)
    if (part.name.toLowerCase() === "file") return { fields, file: { filename: part.filename, content: reader.streamUntil(delimiter) } }
    const value = await reader.until(delimiter, limit)
    fields.push([part.name, value.toString("utf8")])
  }
}
