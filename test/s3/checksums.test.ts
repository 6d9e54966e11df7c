// The CRC checksums S3 clients send: the standard check values, incremental use, and the
// slicing-by-8 tables against zlib's CRC-32 on any data and any split.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { crc32, crc32ByTables, crc32c, newHasher } from "../../src/api/s3/checksums.ts"

const check = Buffer.from("123456789")

describe("CRC checksums", () => {
  it("give the standard check values", () => {
    expect(crc32(check)).toBe(0xcbf43926)
    expect(crc32ByTables(check)).toBe(0xcbf43926)
    expect(crc32c(check)).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa) // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43) // RFC 3720 B.4: 32 bytes of ones
    expect(newHasher("CRC32C").digest()).toBe("AAAAAA==")
  })

  it("the tables agree with zlib, and any split of the data gives the whole data's value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, at) => {
        const cut = Math.min(at, data.length)
        expect(crc32ByTables(data)).toBe(crc32(data))
        expect(crc32ByTables(data.subarray(cut), crc32ByTables(data.subarray(0, cut)))).toBe(crc32(data))
        expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(crc32c(data))
        const h = newHasher("CRC32C")
        h.update(data.subarray(0, cut))
        h.update(data.subarray(cut))
        const whole = newHasher("CRC32C")
        whole.update(data)
        expect(h.digest()).toBe(whole.digest())
      }),
      { numRuns: 300 },
    )
  })
})
