// The breadth-first frontier: encoded states packed back to back in large Int32Array
// chunks (length, state index, words...), so a million queued states cost their words and
// not a million small objects for the garbage collector to trace.
const CHUNK_WORDS = 1 << 20

export class WorldQueue {
  private chunks: Int32Array[] = []
  private writeChunk = 0
  private writeAt = 0
  private readChunk = 0
  private readAt = 0
  private count = 0

  get length(): number {
    return this.count
  }

  push(words: Int32Array, length: number, index: number): void {
    const need = length + 2
    let chunk = this.chunks[this.writeChunk]
    if (chunk === undefined || this.writeAt + need > chunk.length) {
      if (chunk !== undefined) this.writeChunk++
      chunk = new Int32Array(Math.max(CHUNK_WORDS, need))
      this.chunks[this.writeChunk] = chunk
      this.writeAt = 0
    }
    chunk[this.writeAt] = length
    chunk[this.writeAt + 1] = index
    chunk.set(words.subarray(0, length), this.writeAt + 2)
    this.writeAt += need
    if (this.writeAt < chunk.length) chunk[this.writeAt] = -1 // end of this chunk's records
    this.count++
  }

  /** The next state (a view valid until the chunk is released) and its index, or undefined. */
  shift(): { world: Int32Array; index: number } | undefined {
    if (this.count === 0) return undefined
    let chunk = this.chunks[this.readChunk]!
    if (this.readAt >= chunk.length || chunk[this.readAt] === -1) {
      this.chunks[this.readChunk] = new Int32Array(0) // release the consumed chunk
      this.readChunk++
      this.readAt = 0
      chunk = this.chunks[this.readChunk]!
    }
    const length = chunk[this.readAt]!
    const index = chunk[this.readAt + 1]!
    const world = chunk.subarray(this.readAt + 2, this.readAt + 2 + length)
    this.readAt += length + 2
    this.count--
    return { world, index }
  }
}
