// An async byte source read through a buffer, for the parsers of request bodies (aws-chunked,
// multipart/form-data). It never calls the source's `return`, which would destroy a request.
export class BufferedSource {
  protected buf: Buffer
  private readonly it: AsyncIterator<Uint8Array>
  private ended = false

  constructor(source: AsyncIterable<Uint8Array>, start: Buffer = Buffer.alloc(0)) {
    this.buf = start
    this.it = source[Symbol.asyncIterator]()
  }

  /** Appends the source's next chunk to the buffer; false once the source has ended. */
  protected async fill(): Promise<boolean> {
    if (this.ended) return false
    const next = await this.it.next()
    if (next.done === true) {
      this.ended = true
      return false
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value)
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    return true
  }
}
