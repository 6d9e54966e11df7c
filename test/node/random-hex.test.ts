import { describe, expect, it } from "vitest"
import { randomHex } from "../../src/node/random-hex.ts"

describe("randomHex", () => {
  it("gives hex of the asked length, distinct across many calls and pool refills", () => {
    const seen = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const id = randomHex(16)
      expect(id).toMatch(/^[0-9a-f]{32}$/)
      seen.add(id)
    }
    expect(seen.size).toBe(5000)
    expect(randomHex(256)).toHaveLength(512)
  })

  it("refuses sizes outside 1..256", () => {
    expect(() => randomHex(0)).toThrow(RangeError)
    expect(() => randomHex(257)).toThrow(RangeError)
  })
})
