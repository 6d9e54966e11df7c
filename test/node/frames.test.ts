// Frame reassembly under arbitrary socket chunking, including frames far larger than a chunk.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeFrame, FrameDecoder } from "../../src/node/rpc/frames.ts"

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
            out.push(...d.push(wire.subarray(at, at + n)))
            at += n
          }
          expect(out.map((b) => b.toString("hex"))).toEqual(payloads.map((p) => Buffer.from(p).toString("hex")))
        },
      ),
    )
  })
})
