// Several RPC messages in one sealed frame, so that the per-frame costs (a cipher, a socket
// write) are paid once for all the messages queued meanwhile. Inside the sealed plaintext
// each message is a u32 big-endian length and its MessagePack bytes.
import type { Socket } from "node:net"
import { frameHead } from "./frames.ts"
import type { Sealer, SealingFrame } from "./sealed-channel.ts"

export const PREFIX_BYTES = 4

// The prefixes and the small messages are copied into this reused buffer and encrypted
// together: a batch of small messages then costs one cipher.update and one piece to write
// instead of two per message. A message that does not fit is encrypted where it lies.
const staging = Buffer.allocUnsafeSlow(64 << 10)

export class OutgoingBatch {
  /** Plaintext bytes so far, prefixes included. */
  size = 0
  private frame: SealingFrame | undefined
  private staged = 0

  constructor(private readonly sealer: Sealer) {}

  /** Takes `message` in at once: it may be a view that the next pack overwrites. */
  add(message: Uint8Array): void {
    const frame = (this.frame ??= this.sealer.begin()) // only once used: a begun frame takes a nonce the peer will expect
    if (this.staged + PREFIX_BYTES > staging.length) this.encryptStaged(frame)
    staging.writeUInt32BE(message.length, this.staged)
    this.staged += PREFIX_BYTES
    if (this.staged + message.length <= staging.length) {
      staging.set(message, this.staged)
      this.staged += message.length
    } else {
      this.encryptStaged(frame)
      frame.add(message)
    }
    this.size += PREFIX_BYTES + message.length
  }

  /** Writes the frame, if anything was added, as one corked burst of its pieces (one writev, no joining copy). */
  writeTo(socket: Socket): void {
    if (this.frame === undefined) return
    this.encryptStaged(this.frame)
    const { pieces, length } = this.frame.finish()
    socket.cork()
    socket.write(frameHead(length))
    for (const piece of pieces) socket.write(piece)
    socket.uncork()
  }

  private encryptStaged(frame: SealingFrame): void {
    frame.add(staging.subarray(0, this.staged))
    this.staged = 0
  }
}

/** The messages of an opened batch, as views into it; throws if a length prefix overruns it. */
export const splitBatch = (plain: Buffer): Buffer[] => {
  const messages: Buffer[] = []
  for (let at = 0; at < plain.length; ) {
    if (plain.length - at < PREFIX_BYTES) throw new Error("truncated message length in batch")
    const length = plain.readUInt32BE(at)
    at += PREFIX_BYTES
    if (length > plain.length - at) throw new Error(`message of ${length} bytes overruns its batch`)
    messages.push(plain.subarray(at, at + length))
    at += length
  }
  return messages
}
