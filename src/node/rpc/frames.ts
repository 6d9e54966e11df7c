// Length-prefixed frames: a 4-byte big-endian length, then the payload. The decoder
// refuses a frame above the limit before buffering it, so a hostile peer cannot make a
// node allocate more than `maxFrameBytes`.
export class FrameError extends Error {}

/**
 * A frame's payload as views of the socket chunks it spans: a large frame is decrypted
 * piece by piece instead of being joined into one buffer first.
 */
export type Frame = readonly Buffer[]

export const joinFrame = (frame: Frame): Buffer => (frame.length === 1 ? frame[0]! : Buffer.concat(frame))

/** The 4-byte header of a frame whose payload is `length` bytes, for writing a payload in pieces. */
export const frameHead = (length: number): Buffer => {
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32BE(length, 0)
  return head
}

export const encodeFrame = (payload: Uint8Array): Buffer => Buffer.concat([frameHead(payload.length), payload])

export class FrameDecoder {
  private buffered: Buffer[] = []
  private size = 0

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes from the socket; returns the complete frames, or throws FrameError. */
  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk)
    this.size += chunk.length
    const frames: Frame[] = []
    for (;;) {
      if (this.size < 4) return frames
      if (this.buffered[0]!.length < 4) this.buffered = [Buffer.concat(this.buffered)] // a header split across chunks: rare
      const length = this.buffered[0]!.readUInt32BE(0)
      if (length > this.maxFrameBytes) {
        throw new FrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`)
      }
      if (this.size < 4 + length) return frames
      this.take(4)
      frames.push(this.take(length))
    }
  }

  /** Removes `n` buffered bytes from the front, as views of the chunks they lie in. */
  private take(n: number): Buffer[] {
    const pieces: Buffer[] = []
    this.size -= n
    while (n > 0) {
      const first = this.buffered[0]!
      if (first.length > n) {
        pieces.push(first.subarray(0, n))
        this.buffered[0] = first.subarray(n)
        break
      }
      pieces.push(first)
      this.buffered.shift()
      n -= first.length
    }
    return pieces
  }
}
