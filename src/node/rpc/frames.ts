// Length-prefixed frames: a 4-byte big-endian length, then the payload. The decoder
// refuses a frame above the limit before buffering it, so a hostile peer cannot make a
// node allocate more than `maxFrameBytes`.
export class FrameError extends Error {}

export const encodeFrame = (payload: Uint8Array): Buffer => {
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32BE(payload.length, 0)
  return Buffer.concat([head, payload])
}

export class FrameDecoder {
  private buffered: Buffer[] = []
  private size = 0

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes from the socket; returns the complete frames, or throws FrameError. */
  push(chunk: Buffer): Buffer[] {
    this.buffered.push(chunk)
    this.size += chunk.length
    const frames: Buffer[] = []
    for (;;) {
      if (this.size < 4) return frames
      if (this.buffered[0]!.length < 4) this.buffered = [Buffer.concat(this.buffered)]
      const length = this.buffered[0]!.readUInt32BE(0)
      if (length > this.maxFrameBytes) {
        throw new FrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`)
      }
      // Join the chunks only once the whole frame is there: joining on every chunk made a
      // large frame cost quadratic copying.
      if (this.size < 4 + length) return frames
      const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.size)
      frames.push(all.subarray(4, 4 + length))
      const rest = all.subarray(4 + length)
      this.buffered = rest.length > 0 ? [rest] : []
      this.size = rest.length
    }
  }
}
