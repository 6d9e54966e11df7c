// The pieces ClusterObjectStore is built from, on three in-process nodes (MemoryNetwork,
// a fixed rf-3 placement): the last-writer-wins bucket-name stand-in, access keys on the
// key table, block reference counting on the block_ref change hook, and per-key locks.
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import {
  bucketCountsOf,
  pollenTables,
  type BlockRefRow,
  type BucketAliasRow,
  type KeyRow,
  type ObjectRow,
} from "../../src/core/table/pollen/index.ts"
import { countBlockReferences } from "../../src/node/block-ref-counting.ts"
import type { BlockManager } from "../../src/node/blocks/block-manager.ts"
import { AliasTableBucketNames } from "../../src/node/cluster/bucket-names.ts"
import { fixedPlacement } from "../../src/node/cluster/interfaces.ts"
import { HlcClock } from "../../src/node/hlc-clock.ts"
import { KeyLocks } from "../../src/node/key-locks.ts"
import { layoutSyncDriver } from "../../src/node/layout-sync.ts"
import { openMetadataDb, type MetadataDb } from "../../src/node/metadata-db.ts"
import { StoreUnavailableError } from "../../src/node/object-store.ts"
import { TableAccessKeyStore } from "../../src/node/table-access-keys.ts"
import { TableService } from "../../src/node/table/table-service.ts"
import type { Table } from "../../src/node/table/table.ts"
import { MemoryNetwork } from "../table/memory-cluster.ts"

const ids = ["a".repeat(64), "b".repeat(64), "c".repeat(64)]
const dir = mkdtempSync(join(tmpdir(), "pollen-store-parts-"))
const net = new MemoryNetwork()
const placement = fixedPlacement(ids, 3, 16)
const dbs: MetadataDb[] = []
const services: TableService[] = []
const counted: Array<Array<[string, string]>> = [[], [], []]

beforeAll(() => {
  for (const [i, id] of ids.entries()) {
    const db = openMetadataDb(join(dir, `n${i}`), false)
    dbs.push(db)
    const service = new TableService({ rpc: net.rpc(id), placement, root: db.root, consistencyMode: "consistent", log: () => undefined, syncIntervalMs: 0, gcIntervalMs: 0 })
    for (const t of pollenTables) service.add(t as never)
    // A stand-in for the BlockManager: records what the hook asks for.
    const blocks = {
      countInTransaction: (h: string, delta: 1 | -1) => void counted[i]!.push([delta === 1 ? "incref" : "decref", h]),
      afterCounted: async () => undefined,
    }
    countBlockReferences(service.table<BlockRefRow>("block_ref")!, blocks as unknown as BlockManager, () => undefined)
    services.push(service)
  }
})

afterAll(async () => {
  for (const s of services) s.stop()
  for (const db of dbs) await db.close()
  rmSync(dir, { recursive: true, force: true })
})

const names = (i: number) => new AliasTableBucketNames(services[i]!.table<BucketAliasRow>("bucket_alias")!, new HlcClock())

describe("AliasTableBucketNames (the non-atomic stand-in for the name registry)", () => {
  it("claims a free name once; others see it bound; release frees it", async () => {
    expect(await names(0).claim("photos", "id-1", "r1")).toEqual({ kind: "created", bucketId: "id-1" })
    expect(await names(0).claim("photos", "id-1", "r1")).toEqual({ kind: "created", bucketId: "id-1" }) // a retry
    expect(await names(1).claim("photos", "id-2", "r2")).toEqual({ kind: "exists", bucketId: "id-1" })
    expect(await names(2).lookup("photos")).toBe("id-1")
    expect(await names(1).release("photos", "id-2", "r3")).toBe("not-bound")
    expect(await names(1).release("photos", "id-1", "r4")).toBe("released")
    // The releasing node's own copy is part of its acknowledgement; another node's local copy
    // (lookups read it first) has the release once it arrives there.
    expect(await names(1).lookup("photos")).toBeUndefined()
    for (let i = 0; i < 100 && (await names(2).lookup("photos")) !== undefined; i++) await new Promise((r) => setTimeout(r, 20))
    expect(await names(2).lookup("photos")).toBeUndefined()
    expect(await names(2).claim("photos", "id-3", "r5")).toEqual({ kind: "created", bucketId: "id-3" })
  })

  it("answers unavailable without a quorum, and lookups then throw StoreUnavailableError", async () => {
    net.down.add(ids[1]!).add(ids[2]!)
    try {
      expect(await names(0).claim("cut-off", "id-9", "r")).toEqual({ kind: "unavailable" })
      expect(await names(0).release("photos", "id-3", "r")).toBe("unavailable")
      await expect(names(0).lookup("never-bound")).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      net.down.clear()
    }
  })
})

describe("TableAccessKeyStore", () => {
  const keys = (i: number) => new TableAccessKeyStore(services[i]!.table<KeyRow>("key")!, placement, new HlcClock(), dbs[i]!)

  it("a key made on one node authenticates on the others; permissions changed concurrently on two nodes both survive", async () => {
    const key = await keys(0).create("app", false)
    await vi.waitFor(() => expect(ids.map((_, i) => keys(i).get(key.id)?.secret)).toEqual([key.secret, key.secret, key.secret]))
    await Promise.all([keys(1).setPermission(key.id, "bucket-1", { read: true }), keys(2).setPermission(key.id, "bucket-2", { write: true, owner: true })])
    await vi.waitFor(() =>
      expect(keys(0).get(key.id)!.buckets).toEqual({
        "bucket-1": { read: true, write: false, owner: false },
        "bucket-2": { read: false, write: true, owner: true },
      }),
    )
    await keys(0).forgetBucket("bucket-2")
    expect(keys(0).get(key.id)!.buckets).toEqual({ "bucket-1": { read: true, write: false, owner: false } })
    expect(keys(0).list().map((k) => k.id)).toContain(key.id)
    expect(await keys(1).delete(key.id)).toBe(true)
    await vi.waitFor(() => expect(keys(2).get(key.id)).toBeUndefined())
    expect(keys(2).get("")).toBeUndefined()
  })
})

describe("block reference counting (block_ref change hook)", () => {
  const refs = (i: number) => services[i]!.table<BlockRefRow>("block_ref")!
  const h = "ab".repeat(32)

  it("counts a reference once per holder when it appears and once when it is deleted", async () => {
    for (const c of counted) c.length = 0
    await refs(0).insert({ block: h, version: "v1", deleted: false })
    await refs(1).insert({ block: h, version: "v1", deleted: false }) // the same row again: no change
    await refs(2).insert({ block: h, version: "v1", deleted: true })
    await vi.waitFor(() => expect(counted).toEqual([0, 1, 2].map(() => [["incref", h], ["decref", h]])))
  })

  it("a tombstone that arrives before its row counts nothing", async () => {
    for (const c of counted) c.length = 0
    await refs(0).insert({ block: h, version: "v2", deleted: true })
    await refs(0).insert({ block: h, version: "v2", deleted: false })
    await new Promise((r) => setTimeout(r, 20))
    expect(counted).toEqual([[], [], []])
  })

  it("places reference rows on the block's partition", () => {
    const t: Table<BlockRefRow> = refs(0)
    const hash = "0f".repeat(32)
    expect(t.store.partitionOf({ block: hash, version: "x", deleted: false })).toBe(
      // blockPartitionOf: the top bits of sha256 of the hash's bytes (16 partitions: 4 bits).
      createHash("sha256").update(Buffer.from(hash, "hex")).digest()[0]! >> 4,
    )
  })
})

describe("bucket counts of an object row", () => {
  const complete = (uuid: string, l: number, size: number) => ({
    uuid,
    ts: { l, c: 0 },
    state: { _tag: "Complete" as const, data: { _tag: "Blocks" as const, meta: { size, etag: "e", contentType: "x", headers: {}, userMeta: {}, checksum: null, partSizes: null } } },
  })
  it("counts the current object and the open multipart uploads", () => {
    const row: ObjectRow = { bucketId: "b", key: "k", versions: [complete("v1", 1, 10), { uuid: "u", ts: { l: 2, c: 0 }, state: { _tag: "Uploading", multipart: true } }] }
    expect(bucketCountsOf(row)).toEqual({ objects: 1, bytes: 10, uploads: 1 })
    expect(bucketCountsOf(undefined)).toEqual({ objects: 0, bytes: 0, uploads: 0 })
    const deleted: ObjectRow = { bucketId: "b", key: "k", versions: [{ uuid: "d", ts: { l: 3, c: 0 }, state: { _tag: "Complete", data: { _tag: "DeleteMarker" } } }] }
    expect(bucketCountsOf(deleted)).toEqual({ objects: 0, bytes: 0, uploads: 0 })
  })
})

describe("KeyLocks", () => {
  it("runs the writes of one key one after another, other keys in parallel, and survives a failure", async () => {
    const locks = new KeyLocks()
    const events: string[] = []
    const step = (name: string, ms: number, fail = false) => async () => {
      events.push(`${name}+`)
      await new Promise((r) => setTimeout(r, ms))
      events.push(`${name}-`)
      if (fail) throw new Error(name)
    }
    await Promise.allSettled([locks.with("k", step("a", 20, true)), locks.with("k", step("b", 1)), locks.with("other", step("c", 5))])
    expect(events).toEqual(["a+", "c+", "c-", "a-", "b+", "b-"])
  })
})

describe("the layout sync step", () => {
  it("completes only after a table round with no failure and no block left in error; a nudge retries at once", async () => {
    const rounds: Array<{ failures: number; errored: number }> = [
      { failures: 2, errored: 0 },
      { failures: 0, errored: 3 },
      { failures: 0, errored: 0 },
    ]
    let calls = 0
    let errored = 0
    const tables = {
      syncAll: async (o: { fresh?: boolean }) => {
        expect(o.fresh).toBe(true)
        const r = rounds[Math.min(calls++, rounds.length - 1)]!
        errored = r.errored
        return { partitions: 1, rowsSent: 0, offloaded: 0, failures: r.failures }
      },
    }
    const blocks = { settle: async () => {}, queue: { get errored() { return errored } } }
    const sync = layoutSyncDriver(tables as unknown as TableService, blocks as unknown as BlockManager, () => undefined)
    let done = false
    const run = sync.driver(2).then(() => (done = true))
    await vi.waitFor(() => expect(calls).toBe(1))
    expect(done).toBe(false)
    sync.nudge()
    await vi.waitFor(() => expect(calls).toBe(2))
    expect(done).toBe(false)
    sync.nudge()
    await run
    expect(calls).toBe(3)
    sync.stop()
    await expect(sync.driver(3)).rejects.toThrow(/stopping/)
  })
})
