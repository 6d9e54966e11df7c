// Encryption of frames after the handshake: AES-256-GCM with a per-direction counter as
// the nonce, so a replayed, reordered or altered frame fails authentication.
import { createCipheriv, createDecipheriv } from "node:crypto"

const nonceOf = (counter: bigint): Buffer => {
  const iv = Buffer.alloc(12)
  iv.writeBigUInt64BE(counter, 4)
  return iv
}

export class Sealer {
  private counter = 0n
  constructor(private readonly key: Buffer) {}

  seal(plain: Uint8Array): Buffer {
    const cipher = createCipheriv("aes-256-gcm", this.key, nonceOf(this.counter++))
    const body = Buffer.concat([cipher.update(plain), cipher.final()])
    return Buffer.concat([body, cipher.getAuthTag()])
  }
}

export class Opener {
  private counter = 0n
  constructor(private readonly key: Buffer) {}

  /** The plaintext, or throws if the frame was altered, replayed or reordered. */
  open(sealed: Uint8Array): Buffer {
    if (sealed.length < 16) throw new Error("sealed frame too short")
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonceOf(this.counter++))
    decipher.setAuthTag(sealed.subarray(sealed.length - 16))
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()])
  }
}
