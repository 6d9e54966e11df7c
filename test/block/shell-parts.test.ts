// The block layer's local parts: the byte budget, the LMDB resync queue and refcount
// table (across a reopen), the need batcher, and the block store's listing and quarantine.
import { randomBytes } from "node:crypto"
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import { BlockStore } from "../../src/node/block-store.ts"
import { MAX_NEED_BATCH, sha256Hex } from "../../src/node/blocks/block-messages.ts"
import { ByteBudget } from "../../src/node/blocks/byte-budget.ts"
import { NeedBatcher } from "../../src/node/blocks/need-batcher.ts"
import { RefcountTable } from "../../src/node/blocks/refcount-table.ts"
import { ResyncQueue } from "../../src/node/blocks/resync-queue.ts"
import { openMetadataDb } from "../../src/node/metadata-db.ts"

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "pollen-blocks-unit-"))
  dirs.push(d)
  return d
}
const h = (i: number) => sha256Hex(Buffer.from(String(i)))

describe("byte budget", () => {
  it("never lends more than its capacity, serves waiters in order, and gets everything back", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        const budget = new ByteBudget(100)
        let peak = 0
        const granted: number[] = []
        await Promise.all(
          sizes.map(async (n, i) => {
            const lease = await budget.acquire(n)
            granted.push(i)
            peak = Math.max(peak, budget.inUse)
            await new Promise((r) => setImmediate(r))
            lease.shrinkTo(n / 2)
            await new Promise((r) => setImmediate(r))
            lease.release()
            lease.release() // twice is harmless
          }),
        )
        expect(peak).toBeLessThanOrEqual(100)
        expect(granted).toEqual(sizes.map((_, i) => i))
        expect(budget.inUse).toBe(0)
        expect(budget.waiting).toBe(0)
      }),
    )
  })

  it("refuses a zero capacity", () => {
    expect(() => new ByteBudget(0)).toThrow(/positive/)
  })
})

describe("resync queue (LMDB)", () => {
  it("keeps one entry per hash at its earliest time, hands out due entries in time order, and survives a reopen", async () => {
    const dir = await tempDir()
    let db = openMetadataDb(dir, true)
    let q = new ResyncQueue(db, { baseMs: 100, capMs: 1000 })
    q.enqueue(h(1), 500)
    q.enqueue(h(2), 100)
    q.enqueue(h(1), 300) // earlier: moves
    q.enqueue(h(2), 900) // later: ignored
    expect(q.length).toBe(2)
    expect(q.nextDue()).toBe(100)
    expect(q.due(200, 10, new Set())).toEqual([{ hash: h(2), at: 100 }])
    expect(q.due(1000, 10, new Set())).toEqual([
      { hash: h(2), at: 100 },
      { hash: h(1), at: 300 },
    ])
    expect(q.due(1000, 10, new Set([h(2)]))).toEqual([{ hash: h(1), at: 300 }])
    await db.close()
    db = openMetadataDb(dir, true)
    q = new ResyncQueue(db, { baseMs: 100, capMs: 1000 })
    expect(q.length).toBe(2)
    q.done(h(2), 100)
    expect(q.length).toBe(1)
    await db.close()
  })

  it("backs off exponentially on failures and forgets them on success", async () => {
    const db = openMetadataDb(await tempDir(), true)
    const q = new ResyncQueue(db, { baseMs: 100, capMs: 1000 })
    q.enqueue(h(1), 0)
    const delays: number[] = []
    let at = 0
    for (let i = 0; i < 6; i++) {
      delays.push(q.failed(h(1), at, at))
      at = q.nextDue()!
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000])
    expect(q.failuresOf(h(1))).toBe(6)
    q.done(h(1), at)
    expect(q.failuresOf(h(1))).toBe(0)
    expect(q.length).toBe(0)
    await db.close()
  })

  it("does not drop an entry moved to another time while its check ran", async () => {
    const db = openMetadataDb(await tempDir(), true)
    const q = new ResyncQueue(db, { baseMs: 100, capMs: 1000 })
    q.enqueue(h(1), 500)
    q.enqueue(h(1), 200) // moved earlier while the 500 check was (notionally) running
    q.done(h(1), 500)
    expect(q.nextDue()).toBe(200)
    await db.close()
  })
})

describe("refcount table (LMDB)", () => {
  it("persists counts, deadlines and lost marks", async () => {
    const dir = await tempDir()
    let db = openMetadataDb(dir, true)
    let rc = new RefcountTable(db)
    rc.incref(h(1))
    rc.incref(h(1))
    rc.decref(h(1), 10, 100)
    rc.incref(h(2))
    rc.decref(h(2), 10, 100)
    rc.markLost(h(3), 10)
    await db.close()
    db = openMetadataDb(dir, true)
    rc = new RefcountTable(db)
    expect(rc.get(h(1))).toEqual({ count: 1 })
    expect(rc.get(h(2))).toEqual({ count: 0, deletableAt: 110 })
    rc.touch(h(2), 50, 100)
    expect(rc.get(h(2))).toEqual({ count: 0, deletableAt: 150 })
    expect([...rc.referenced()]).toEqual([h(1)])
    expect([...rc.lost()]).toEqual([h(3)])
    rc.forget(h(2))
    expect(rc.get(h(2))).toBeUndefined()
    await db.close()
  })
})

describe("block store listing and quarantine", () => {
  it("lists exactly the block files and moves a corrupt one aside", async () => {
    const store = new BlockStore(await tempDir(), true)
    await store.init()
    const hashes: string[] = []
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(100)
      hashes.push(sha256Hex(data))
      await store.write(sha256Hex(data), data)
    }
    await writeFile(join(store.dir, "tmp", "leftover"), "x")
    const listed: string[] = []
    for await (const x of store.list()) listed.push(x)
    expect(listed).toEqual([...hashes].sort())
    const moved = await store.quarantine(hashes[0]!)
    expect(moved).toMatch(/corrupted/)
    expect(await store.has(hashes[0]!)).toBe(false)
    expect(await store.readAll(hashes[0]!)).toBeUndefined()
    expect((await readdir(join(store.dir, "corrupted"))).length).toBe(1)
    expect(await store.quarantine(hashes[0]!)).toBeUndefined()
  })
})

describe("need batcher", () => {
  it("sends the questions of one turn to a node as one call, splitting at the batch limit, and fails them together", async () => {
    const calls: Array<{ to: string; hashes: string[] }> = []
    let fail = false
    const rpc = {
      self: "me",
      handle: () => {},
      call: async (to: string, _e: string, payload: unknown) => {
        const hashes = (payload as { hashes: string[] }).hashes
        calls.push({ to, hashes })
        if (fail) throw new Error("unreachable")
        return { answers: hashes.map((x) => (x === h(0) ? "have" : "need")) }
      },
    }
    const b = new NeedBatcher(rpc, 1000)
    const answers = await Promise.all([b.ask("x", h(0)), b.ask("x", h(1)), b.ask("y", h(2))])
    expect(answers).toEqual(["have", "need", "need"])
    expect(calls.map((c) => [c.to, c.hashes.length])).toEqual([
      ["x", 2],
      ["y", 1],
    ])
    calls.length = 0
    await Promise.all(Array.from({ length: MAX_NEED_BATCH + 3 }, (_, i) => b.ask("x", h(i + 1))))
    expect(calls.map((c) => c.hashes.length)).toEqual([MAX_NEED_BATCH, 3])
    fail = true
    const failed = await Promise.allSettled([b.ask("x", h(1)), b.ask("x", h(2))])
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"])
  })
})
