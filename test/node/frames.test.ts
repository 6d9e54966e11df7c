// Frame reassembly under arbitrary socket chunking, including frames far larger than a
// chunk, and the opening of sealed frames from whatever pieces the chunking leaves.
import { randomBytes } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeFrame, FrameDecoder, joinFrame } from "../../src/node/rpc/frames.ts"
import { Opener, Sealer } from "../../src/node/rpc/sealed-channel.ts"

/** `bytes` cut at the given lengths, cycling through them. */
const cut = (bytes: Buffer, lengths: number[]): Buffer[] => {
  const pieces: Buffer[] = []
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = lengths[i % lengths.length]!
    pieces.push(bytes.subarray(at, at + n))
    at += n
  }
  return pieces
}

describe("frame decoder", () => {
  it("returns exactly the frames sent, however the bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 40 }),
        (payloads, cuts) => {
          const wire = Buffer.concat(payloads.map((p) => encodeFrame(p)))
          const d = new FrameDecoder(4096)
          const out: Buffer[] = []
          let at = 0
          for (let i = 0; at < wire.length; i++) {
            const n = cuts[i % cuts.length]!
            out.push(...d.push(wire.subarray(at, at + n)).map(joinFrame))
            at += n
          }
          expect(out.map((b) => b.toString("hex"))).toEqual(payloads.map((p) => Buffer.from(p).toString("hex")))
        },
      ),
    )
  })

  it("opens a sealed frame however it is cut, and refuses it with any byte flipped", () => {
    const key = randomBytes(32)
    fc.assert(
      fc.property(
        // Up to twice the cipher's 64 KiB step, sealed in two pieces of any split.
        fc.integer({ min: 0, max: 140_000 }),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (size, split, cuts, flip) => {
          const plain = Buffer.alloc(size, size & 0xff)
          const frame = new Sealer(key).begin()
          frame.add(plain.subarray(0, split % (size + 1)))
          frame.add(plain.subarray(split % (size + 1)))
          const sealed = Buffer.concat(frame.finish().pieces)
          expect(new Opener(key).open(cut(sealed, cuts)).equals(plain)).toBe(true)
          const altered = Buffer.from(sealed)
          altered[flip % altered.length]! ^= 1
          expect(() => new Opener(key).open(cut(altered, cuts))).toThrow()
        },
      ),
      { numRuns: 60 },
    )
  })
})
