// Encryption of frames after the handshake: AES-256-GCM with a per-direction counter as
// the nonce, so a replayed, reordered or altered frame fails authentication.
import { type CipherGCM, createCipheriv, createDecipheriv } from "node:crypto"
import type { Frame } from "./frames.ts"

export const TAG_BYTES = 16

// The most one cipher.update is given: its output is a new buffer, and a large one comes
// fresh from the system and page-faults (one update of 1 MiB measured about four times the
// CPU of sixteen of 64 KiB, whose outputs reuse freed memory).
const UPDATE_BYTES = 64 << 10

const updateInSteps = (cipher: { update(data: Uint8Array): Buffer }, input: Uint8Array, keep: (output: Buffer) => void): void => {
  for (let at = 0; at < input.length; at += UPDATE_BYTES) keep(cipher.update(input.subarray(at, at + UPDATE_BYTES)))
}

const nonceOf = (counter: bigint): Buffer => {
  const iv = Buffer.alloc(12)
  iv.writeBigUInt64BE(counter, 4)
  return iv
}

export class Sealer {
  private counter = 0n
  constructor(private readonly key: Buffer) {}

  /** Starts the next frame; frames must be sent in the order they were started. */
  begin(): SealingFrame {
    return new SealingFrame(createCipheriv("aes-256-gcm", this.key, nonceOf(this.counter++)))
  }
}

/**
 * A frame sealed piece by piece. GCM is a stream mode, so the pieces' ciphertexts
 * concatenate: a large piece is encrypted where it lies instead of being copied into
 * one plaintext buffer first.
 */
export class SealingFrame {
  private readonly pieces: Buffer[] = []
  private bytes = 0
  constructor(private readonly cipher: CipherGCM) {}

  add(plain: Uint8Array): void {
    updateInSteps(this.cipher, plain, (piece) => this.keep(piece))
  }

  /** The sealed frame as pieces to write in order (the tag last), and their total length. */
  finish(): { readonly pieces: readonly Buffer[]; readonly length: number } {
    this.keep(this.cipher.final())
    this.keep(this.cipher.getAuthTag())
    return { pieces: this.pieces, length: this.bytes }
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return
    this.pieces.push(piece)
    this.bytes += piece.length
  }
}

export class Opener {
  private counter = 0n
  constructor(private readonly key: Buffer) {}

  /** The plaintext, or throws if the frame was altered, replayed or reordered. */
  open(sealed: Frame): Buffer {
    let body = sealed.reduce((sum, piece) => sum + piece.length, 0) - TAG_BYTES
    if (body < 0) throw new Error("sealed frame too short")
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonceOf(this.counter++))
    const plain: Buffer[] = []
    const tag: Buffer[] = []
    for (const piece of sealed) {
      const text = piece.subarray(0, body)
      updateInSteps(decipher, text, (out) => plain.push(out))
      body -= text.length
      tag.push(piece.subarray(text.length))
    }
    decipher.setAuthTag(Buffer.concat(tag)) // the tag may straddle two pieces
    const rest = decipher.final() // GCM has no padding: empty, so nothing is appended
    if (rest.length > 0) plain.push(rest)
    return plain.length === 1 ? plain[0]! : Buffer.concat(plain)
  }
}
