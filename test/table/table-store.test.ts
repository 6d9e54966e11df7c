// The LMDB table store: merge laws survive storage (any order and grouping of the same
// entries gives byte-equal rows and equal Merkle roots, and each row is the merge of its
// entries); the trie always equals one rebuilt from the rows; compare-and-delete; the
// insert queue is written with the row and survives reopening.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { open, type RootDatabase } from "lmdb"
import { afterAll, describe, expect, it } from "vitest"
import {
  equalBytes,
  memoryMerkleStore,
  merkleUpdate,
  rootHash,
  toHex,
  valueHash,
} from "../../src/core/table/index.ts"
import { InsertQueue } from "../../src/node/table/insert-queue-store.ts"
import { TableStore } from "../../src/node/table/table-store.ts"
import { testEntry, testTable, type TestEntry } from "./test-tables.ts"

const dirs: string[] = []
const roots: RootDatabase[] = []
afterAll(async () => {
  for (const r of roots) await r.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const openRoot = (dir = mkdtempSync(join(tmpdir(), "pollen-table-"))) => {
  dirs.push(dir)
  const root = open({ path: dir, compression: false, maxDbs: 64 })
  roots.push(root)
  return { root, dir }
}

const P = 16
const entryArb = fc
  .tuple(
    fc.constantFrom("p1", "p2", "p3"),
    fc.constantFrom("a", "b", "c", "d"),
    fc.integer({ min: 0, max: 4 }),
    fc.option(fc.constantFrom("x", "y", "z"), { nil: null }),
  )
  .map(([pk, sk, l, v]) => testEntry(pk, sk, l, v))

const clearAll = (root: RootDatabase) => {
  for (const name of ["rows", "merkle", "gc"]) root.openDB({ name: `table:test:${name}`, keyEncoding: "binary" }).clearSync()
  root.openDB({ name: "table:insert-queue", keyEncoding: "binary" }).clearSync()
}

describe("table store", () => {
  const a = openRoot()
  const b = openRoot()
  const schema = testTable()

  it("gives byte-equal rows and equal tries for any order and grouping of the same entries", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), fc.nat(), async (entries, group, seed) => {
        clearAll(a.root)
        clearAll(b.root)
        const sa = new TableStore(a.root, schema, P, new InsertQueue(a.root))
        const sb = new TableStore(b.root, schema, P, new InsertQueue(b.root))
        await sa.merge(entries)
        // b: a permutation, in groups, each entry merged twice (idempotence).
        const shuffled = fc.sample(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), { seed, numRuns: 1 })[0]!
        for (let i = 0; i < shuffled.length; i += group) await sb.merge(shuffled.slice(i, i + group))
        await sb.merge(entries)
        for (let p = 0; p < P; p++) {
          expect(toHex(sa.rootHash(p))).toBe(toHex(sb.rootHash(p)))
          const ra = [...sa.partitionRows(p)].map((r) => [toHex(r.key), toHex(r.row)])
          const rb = [...sb.partitionRows(p)].map((r) => [toHex(r.key), toHex(r.row)])
          expect(ra).toEqual(rb)
          // The trie is the one built from the rows.
          const rebuilt = memoryMerkleStore()
          for (const r of sa.partitionRows(p)) merkleUpdate(rebuilt, r.key, valueHash(r.row))
          expect(equalBytes(rootHash(rebuilt), sa.rootHash(p))).toBe(true)
        }
        // Each row is the fold of the merge over its entries.
        const expected = new Map<string, TestEntry>()
        for (const e of entries) {
          const k = `${e.pk}/${e.sk}`
          const cur = expected.get(k)
          expected.set(k, cur === undefined ? e : schema.merge(cur, e))
        }
        for (const [k, e] of expected) {
          const [pk, sk] = k.split("/") as [string, string]
          expect(sa.get(pk, sk)).toEqual(e)
        }
        expect(sa.rowCount()).toBe(expected.size)
      }),
      { numRuns: 60 },
    )
  })

  it("records tombstones for GC and deletes only if equal", async () => {
    clearAll(a.root)
    const s = new TableStore(a.root, schema, P, new InsertQueue(a.root))
    await s.merge([testEntry("p", "k", 1, "v"), testEntry("p", "k", 2, null)])
    const todos = s.gcTodos()
    expect(todos).toHaveLength(1)
    const key = s.keyOf(testEntry("p", "k", 0, null))
    // A stale hash deletes nothing.
    expect(await s.deleteIfEqual([{ key, hash: valueHash(new Uint8Array([1])) }])).toBe(0)
    expect(s.get("p", "k")).toBeDefined()
    expect(await s.deleteIfEqual([{ key, hash: todos[0]!.hash }])).toBe(1)
    expect(s.get("p", "k")).toBeUndefined()
    expect(s.gcTodos()).toHaveLength(0)
    expect(s.partitionsWithRows()).toEqual([])
    // A newer live value replaces the tombstone: the todo goes.
    await s.merge([testEntry("p", "k", 3, null)])
    await s.merge([testEntry("p", "k", 4, "back")])
    expect(s.gcTodos()).toHaveLength(0)
  })

  it("refuses a batch with a malformed row, writing nothing", async () => {
    clearAll(a.root)
    const s = new TableStore(a.root, schema, P, new InsertQueue(a.root))
    const good = s.codec.encode(testEntry("p", "k", 1, "v"))
    await expect(s.mergeEncoded([good, new Uint8Array([0x85])])).rejects.toThrow(/test: not MessagePack/)
    await expect(s.mergeEncoded([new Uint8Array([0xc1])])).rejects.toThrow(/test:/)
    await expect(s.mergeEncoded([good, s.codec.encode({ pk: 1 } as never)])).rejects.toThrow(/test:/)
    expect(s.rowCount()).toBe(0)
  })

  it("queues cascades in the row's transaction and keeps them across a reopen", async () => {
    const { root, dir } = openRoot()
    const s = new TableStore(root, schema, P, new InsertQueue(root))
    await s.merge([testEntry("p", "k1", 1, "cascade:one"), testEntry("p", "k2", 1, "plain"), testEntry("p", "k3", 1, "cascade:three")])
    await root.close()
    roots.splice(roots.indexOf(root), 1)
    const again = openRoot(dir)
    const q = new InsertQueue(again.root)
    const items = q.peek(10)
    expect(items.map((i) => [i.table, (i.entry as TestEntry).sk])).toEqual([
      ["test2", "one"],
      ["test2", "three"],
    ])
    // New items go after the recovered ones.
    await q.enqueue([{ table: "test2", entry: testEntry("x", "y", 1, "z") }])
    expect(q.peek(10).map((i) => (i.entry as TestEntry).sk)).toEqual(["one", "three", "y"])
    await q.remove(items.map((i) => i.key))
    expect(q.size()).toBe(1)
  })

  it("runs in-transaction listeners inside the row's transaction; a throwing listener does not fail the write", async () => {
    const { root } = openRoot()
    const store = new TableStore(root, testTable(), P, new InsertQueue(root))
    const side = root.openDB<number, string>({ name: "side" })
    let fail = false
    store.onChangeInTransaction((_old, next) => {
      // Inside the row's transaction: this put commits with the row.
      side.putSync(next.sk, (side.get(next.sk) ?? 0) + 1)
      if (fail) throw new Error("listener refuses")
    })
    await store.merge([testEntry("p1", "a", 1, "x"), testEntry("p1", "c", 1, "z")])
    await store.merge([testEntry("p1", "a", 1, "x")]) // no change: no call
    expect(store.get("p1", "a")?.reg.value).toBe("x")
    expect([side.get("a"), side.get("c")]).toEqual([1, 1])
    fail = true
    await store.merge([testEntry("p1", "b", 1, "y")])
    expect(store.get("p1", "b")?.reg.value).toBe("y")
  })

  it("never answers get with a row older than the last committed change (decoded-row cache)", async () => {
    const { root } = openRoot()
    const store = new TableStore(root, testTable(), P, new InsertQueue(root))
    await store.merge([testEntry("p1", "a", 1, "x")])
    expect(store.get("p1", "a")?.reg.value).toBe("x") // now cached
    // A read while the change's transaction is in flight sees the committed row and caches it;
    // once the change committed, get must not keep answering from that entry.
    let done = false
    const pending = store.merge([testEntry("p1", "a", 2, "y")]).finally(() => (done = true))
    const seen = new Set<string | null | undefined>()
    while (!done) {
      seen.add(store.get("p1", "a")?.reg.value)
      await new Promise((r) => setImmediate(r))
    }
    await pending
    expect(seen.has("x")).toBe(true) // reads did land before the commit
    expect(store.get("p1", "a")?.reg.value).toBe("y")
    const bytes = store.getBytes(store.keyOf(testEntry("p1", "a", 2, "y")))!
    await store.deleteIfEqual([{ key: store.keyOf(testEntry("p1", "a", 2, "y")), hash: valueHash(bytes) }])
    expect(store.get("p1", "a")).toBeUndefined()
  })

  it("bounds the decoded-row cache by the rows' bytes, not only their number", async () => {
    const { root } = openRoot()
    const store = new TableStore(root, testTable(), P, new InsertQueue(root))
    const big = "z".repeat(8000) // an object row with inline data is about this size
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`)
    await store.merge(keys.map((k) => testEntry("p1", k, 1, big)))
    for (const k of keys) expect(store.get("p1", k)?.reg.value).toBe(big)
    expect(store.decodedCacheBytes).toBeGreaterThan(1 << 20)
    expect(store.decodedCacheBytes).toBeLessThanOrEqual(2 << 20)
    for (const k of keys) expect(store.get("p1", k)?.reg.value).toBe(big) // evicted rows are read again
    await store.merge(keys.map((k) => testEntry("p1", k, 2, "small")))
    expect(store.decodedCacheBytes).toBe(0) // every cached row changed
  })
})
