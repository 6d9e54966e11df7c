// The idle collection: after a busy spell, dead Buffers are given back once the process goes quiet.
import { describe, expect, it } from "vitest"
import { startIdleGc } from "../../src/node/idle-gc.ts"

const arrayBuffersMiB = () => process.memoryUsage().arrayBuffers / 1048576

describe("idle GC", () => {
  it("collects the dead Buffers of a busy spell once the process is idle", async () => {
    const stop = startIdleGc({ periodMs: 200, idleShare: 0.5, minExternalBytes: 1 << 20 })
    try {
      const before = arrayBuffersMiB()
      let blocks: Buffer[] | undefined = Array.from({ length: 48 }, () => Buffer.alloc(1 << 20, 7))
      // Busy: most of a period on the CPU while the blocks are in use.
      const until = Date.now() + 300
      let sum = 0
      while (Date.now() < until) sum += blocks[sum % blocks.length]![0]!
      expect(sum).toBeGreaterThan(0)
      blocks = undefined
      expect(arrayBuffersMiB() - before).toBeGreaterThan(40) // dead, still allocated
      await new Promise((r) => setTimeout(r, 1200)) // a busy period seen, then an idle one
      expect(arrayBuffersMiB() - before).toBeLessThan(8)
    } finally {
      stop()
    }
  })
})
