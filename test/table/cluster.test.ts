// Three table nodes on 127.0.0.1 (rf 3, fixedPlacement): quorum writes and reads with one
// node down, catch-up of the stopped node by anti-entropy, range reads over partitions,
// tombstone GC with compare-and-delete, cascades through the insert queue, offload of
// partitions a node no longer holds.
import { randomBytes } from "node:crypto"
import { rmSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import type { NodeId } from "../../src/core/machine.ts"
import { toHex, type ConsistencyMode } from "../../src/core/table/index.ts"
import { fixedPlacement, type Placement } from "../../src/node/cluster/interfaces.ts"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"
import type { PeerAddress } from "../../src/node/table/static-cluster-rpc.ts"
import type { Table } from "../../src/node/table/table.ts"
import { newNodeDir, startTableNode, type TableNode } from "./cluster-helpers.ts"
import { testEntry, testTable, type TestEntry } from "./test-tables.ts"

const P = 16
const secret = randomBytes(32)
const running: TableNode[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const schemas = [testTable("test"), testTable("test2"), testTable("spread", "partitionAndSortKey")]

const cluster = async (
  n: number,
  placementOf: (ids: NodeId[]) => Placement = (ids) => fixedPlacement(ids, 3, P),
  mode: ConsistencyMode = "consistent",
) => {
  const nodeDirs = Array.from({ length: n }, newNodeDir)
  dirs.push(...nodeDirs)
  const ids = nodeDirs.map((d) => loadOrCreateIdentity(d).id)
  const placement = placementOf(ids)
  const addresses = new Map<string, PeerAddress>()
  const start = async (i: number) => {
    const node = await startTableNode({ dir: nodeDirs[i]!, secret, placement, addresses, schemas, mode, service: { gcDelayMs: 0 } })
    running.push(node)
    return node
  }
  const nodes = await Promise.all(nodeDirs.map((_, i) => start(i)))
  const stop = async (i: number) => {
    const node = nodes[i]!
    running.splice(running.indexOf(node), 1)
    await node.stop()
  }
  const restart = async (i: number) => (nodes[i] = await start(i))
  return { nodes, ids, stop, restart, placement }
}

const table = (node: TableNode, name = "test") => node.service.table<TestEntry>(name)!

describe("table cluster on loopback", () => {
  it("writes and reads succeed with one node down; the node catches up by anti-entropy after restart", async () => {
    const c = await cluster(3)
    await table(c.nodes[0]!).insert(testEntry("before", "k", 1, "v0"))
    await c.stop(2)
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`)
    for (const k of keys) await table(c.nodes[0]!).insert(testEntry(`pk-${k}`, k, 1, `value of ${k}`))
    await table(c.nodes[1]!).insertMany(keys.map((k) => testEntry("one-pk", k, 2, k)))
    for (const k of keys) expect((await table(c.nodes[1]!).get(`pk-${k}`, k))?.reg.value).toBe(`value of ${k}`)
    const range = await table(c.nodes[0]!).getRange("one-pk", { start: "key-1", end: "key-2", limit: 5 })
    expect(range.entries.map((e) => e.sk)).toEqual(["key-1", "key-10", "key-11", "key-12", "key-13"])
    expect(range.next).toBe("key-13\u0000")
    const rest = await table(c.nodes[0]!).getRange("one-pk", { start: range.next!, end: "key-2", limit: 100 })
    expect(rest.entries.map((e) => e.sk)).toEqual(["key-14", "key-15", "key-16", "key-17", "key-18", "key-19"])
    expect(rest.next).toBeUndefined()

    // The stopped node missed everything but the first row.
    const restarted = await c.restart(2)
    const local = table(restarted).store
    expect(local.get("before", "k")?.reg.value).toBe("v0")
    expect(local.get("pk-key-0", "key-0")).toBeUndefined()
    const reports = await Promise.all([c.nodes[0]!.service.syncAll(), c.nodes[1]!.service.syncAll()])
    expect(reports.every((r) => r.failures === 0)).toBe(true)
    for (const k of keys) {
      expect(local.get(`pk-${k}`, k)?.reg.value).toBe(`value of ${k}`)
      expect(local.get("one-pk", k)?.reg.value).toBe(k)
    }
    for (let p = 0; p < P; p++) {
      const roots = c.nodes.map((n) => toHex(table(n).store.rootHash(p)))
      expect(new Set(roots).size).toBe(1)
    }
    // A second round has nothing left to send.
    expect((await c.nodes[0]!.service.syncAll()).rowsSent).toBe(0)
  })

  it("refuses a write and a read when two of three nodes are down (consistent mode)", async () => {
    const c = await cluster(3)
    await c.stop(1)
    await c.stop(2)
    await expect(table(c.nodes[0]!).insert(testEntry("p", "k", 1, "v"))).rejects.toThrow(/write quorum not reached/)
    await expect(table(c.nodes[0]!).get("p", "k")).rejects.toThrow(/read quorum not reached/)
  })

  it("during a layout transition a write needs a quorum of the old AND the new node set", async () => {
    const c = await cluster(4, (ids) => ({
      ...fixedPlacement(ids, 3, P),
      currentVersion: () => 2,
      writeSets: () => [ids.slice(0, 3), ids.slice(1, 4)],
      readSet: () => ids.slice(1, 4),
    }))
    await c.stop(2)
    await c.stop(3)
    // Old set {0,1,2} has 0 and 1; new set {1,2,3} has only 1.
    await expect(table(c.nodes[0]!).insert(testEntry("p", "k", 1, "v"))).rejects.toThrow(/write quorum/)
    await c.restart(3)
    await table(c.nodes[0]!).insert(testEntry("p", "k", 1, "v"))
    expect(table(c.nodes[3]!).store.get("p", "k")?.reg.value).toBe("v")
  })

  it("degraded mode reads from one node but still writes to two; dangerous mode writes to one", async () => {
    const degraded = await cluster(3, undefined, "degraded")
    await table(degraded.nodes[0]!).insert(testEntry("p", "k", 1, "v"))
    await degraded.stop(1)
    await degraded.stop(2)
    expect((await table(degraded.nodes[0]!).get("p", "k"))?.reg.value).toBe("v")
    await expect(table(degraded.nodes[0]!).insert(testEntry("p", "k", 2, "w"))).rejects.toThrow(/write quorum/)
    const dangerous = await cluster(3, undefined, "dangerous")
    await dangerous.stop(1)
    await dangerous.stop(2)
    await table(dangerous.nodes[0]!).insert(testEntry("p", "k", 2, "w"))
    expect((await table(dangerous.nodes[0]!).get("p", "k"))?.reg.value).toBe("w")
  })

  it("merges concurrent writes by the CRDT merge", async () => {
    const c = await cluster(3)
    await table(c.nodes[0]!).insert(testEntry("p", "k", 5, "newer"))
    await table(c.nodes[2]!).insert(testEntry("p", "k", 3, "older"))
    for (const n of c.nodes) expect((await table(n).get("p", "k"))?.reg.value).toBe("newer")
  })

  it("repairs a replica that answered a read with a stale value", async () => {
    const c = await cluster(3)
    // Straight to two disks, bypassing the quorum write: node 2 never got it.
    for (const i of [0, 1]) await table(c.nodes[i]!).store.merge([testEntry("p", "k", 2, "new")])
    await table(c.nodes[2]!).store.merge([testEntry("p", "k", 1, "old")])
    expect((await table(c.nodes[2]!).get("p", "k"))?.reg.value).toBe("new")
    for (let i = 0; i < 100 && table(c.nodes[2]!).store.get("p", "k")?.reg.value !== "new"; i++) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(table(c.nodes[2]!).store.get("p", "k")?.reg.value).toBe("new")
  })

  it("lists a table spread by (partition key, sort key) over every partition, page by page", async () => {
    const c = await cluster(3)
    const spread = c.nodes[0]!.service.table<TestEntry>("spread")!
    const keys = Array.from({ length: 57 }, (_, i) => `obj/${String(i).padStart(3, "0")}`)
    await spread.insertMany(keys.map((k) => testEntry("bucket", k, 1, k)))
    await spread.insertMany([testEntry("bucket", "obj/010", 2, null), testEntry("other", "obj/000", 1, "x")])
    const seen: string[] = []
    let next: string | undefined = ""
    let pages = 0
    while (next !== undefined) {
      const page: Awaited<ReturnType<Table<TestEntry>["getRange"]>> = await c.nodes[pages % 3]!.service
        .table<TestEntry>("spread")!
        .getRange("bucket", { start: next, limit: 10 })
      seen.push(...page.entries.map((e) => e.sk))
      next = page.next
      pages++
    }
    expect(seen).toEqual(keys.filter((k) => k !== "obj/010"))
    expect(pages).toBe(6)
  })

  it("moves rows too large to fit `limit` of them in one frame: inserts, listings and anti-entropy are cut by bytes", async () => {
    const c = await cluster(3)
    const spread = c.nodes[0]!.service.table<TestEntry>("spread")!
    // 80 rows of 220 KiB: 17.6 MiB, more than one 16 MiB RPC frame.
    const big = (i: number) => `${String(i).padStart(3, "0")}${"x".repeat(220 * 1024)}`
    const keys = Array.from({ length: 80 }, (_, i) => `big/${String(i).padStart(3, "0")}`)
    await c.stop(2)
    await spread.insertMany(keys.map((k, i) => testEntry("bucket", k, 1, big(i))))
    const seen: string[] = []
    let next: string | undefined = ""
    while (next !== undefined) {
      const page: Awaited<ReturnType<Table<TestEntry>["getRange"]>> = await spread.getRange("bucket", { start: next, limit: 1000 })
      for (const e of page.entries) {
        expect(e.reg.value).toBe(big(Number(e.sk.slice(4))))
        seen.push(e.sk)
      }
      next = page.next
    }
    expect(seen).toEqual(keys)
    // The node that was down receives them by anti-entropy, in batches under the frame limit.
    const restarted = await c.restart(2)
    await c.nodes[0]!.service.syncAll({ fresh: true })
    const local = restarted.service.table<TestEntry>("spread")!.store
    const holds = keys.filter((k) => local.get("bucket", k) !== undefined)
    expect(holds.length).toBeGreaterThan(0)
    for (const k of holds) expect(local.get("bucket", k)?.reg.value).toBe(big(Number(k.slice(4))))
  })

  it("collects a tombstone only when every holder has it, with compare-and-delete", async () => {
    const c = await cluster(3)
    const t0 = table(c.nodes[0]!)
    await t0.insertMany([testEntry("gc", "a", 1, "x"), testEntry("gc", "b", 1, "y")])
    await t0.insertMany([testEntry("gc", "a", 2, null), testEntry("gc", "b", 2, null)])
    const p = t0.store.partitionOf(testEntry("gc", "a", 0, null))
    const leader = c.nodes.find((n) => n.id === c.placement.writeSets(p)[0]![0])!
    const leaderIndex = c.nodes.indexOf(leader)
    const other = (leaderIndex + 1) % 3
    // With a holder down nothing is collected.
    await c.stop(other)
    expect((await leader.service.collectTombstones()).collected).toBe(0)
    expect(table(leader).store.get("gc", "a")).toBeDefined()
    await c.restart(other)
    // A newer write on one holder (not yet everywhere) must survive the collection.
    await table(c.nodes[other]!).store.merge([testEntry("gc", "b", 3, "back")])
    const r = await leader.service.collectTombstones()
    expect(r.failures).toBe(0)
    for (const n of c.nodes) expect(table(n).store.get("gc", "a")).toBeUndefined()
    expect(table(c.nodes[other]!).store.get("gc", "b")?.reg.value).toBe("back")
    // The surviving write flows back by anti-entropy.
    await c.nodes[other]!.service.syncAll()
    expect((await table(c.nodes[leaderIndex]!).get("gc", "b"))?.reg.value).toBe("back")
  })

  it("delivers cascades through the insert queue", async () => {
    const c = await cluster(3)
    await table(c.nodes[0]!).insert(testEntry("src", "k", 7, "cascade:target"))
    // Every replica that stored the row queued the cascade (an idempotent CRDT write), as in Garage.
    const pending = () => c.nodes.some((n) => n.service.queue.size() > 0)
    for (let i = 0; i < 200 && pending(); i++) await new Promise((r) => setTimeout(r, 20))
    expect(c.nodes.every((n) => n.service.queue.size() === 0)).toBe(true)
    expect((await table(c.nodes[1]!, "test2").get("cascaded", "target"))?.reg.value).toBe("src")
  })

  it("keeps an undeliverable cascade across a restart and delivers it once quorum is back", async () => {
    const c = await cluster(3)
    await c.stop(1)
    await c.stop(2)
    await table(c.nodes[0]!).store.merge([testEntry("src", "k", 7, "cascade:later")])
    await expect(c.nodes[0]!.service.drainQueue()).rejects.toThrow(/write quorum/)
    expect(c.nodes[0]!.service.queue.size()).toBe(1)
    await c.stop(0)
    await c.restart(1)
    await c.restart(2)
    await c.restart(0) // start() drains the recovered queue
    for (let i = 0; i < 200 && c.nodes[0]!.service.queue.size() > 0; i++) await new Promise((r) => setTimeout(r, 20))
    expect(c.nodes[0]!.service.queue.size()).toBe(0)
    expect((await table(c.nodes[1]!, "test2").get("cascaded", "later"))?.reg.value).toBe("src")
  })

  it("offloads partitions a node no longer holds to their new holders, then deletes them", async () => {
    // Four nodes; the layout moves from {0,1,2} to {1,2,3}.
    let holders: (ids: NodeId[]) => NodeId[] = (ids) => ids.slice(0, 3)
    let listeners: Array<() => void> = []
    const c = await cluster(4, (ids) => ({
      partitionCount: P,
      currentVersion: () => 1,
      writeSets: () => [holders(ids)],
      readSet: () => holders(ids),
      replicationFactor: () => 3,
      allNodes: () => ids,
      subscribe: (l) => {
        listeners.push(l)
        return () => (listeners = listeners.filter((x) => x !== l))
      },
    }))
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`)
    await table(c.nodes[0]!).insertMany(keys.map((k) => testEntry(`pk-${k}`, k, 1, k)))
    expect(table(c.nodes[3]!).store.rowCount()).toBe(0)
    holders = (ids) => ids.slice(1, 4)
    const report = await c.nodes[0]!.service.syncAll()
    expect(report.offloaded).toBeGreaterThan(0)
    expect(table(c.nodes[0]!).store.rowCount()).toBe(0)
    for (const k of keys) expect(table(c.nodes[3]!).store.get(`pk-${k}`, k)?.reg.value).toBe(k)
    listeners.forEach((l) => l())
  })
})

describe("anti-entropy rounds", () => {
  it("a fresh round starts after the call; a plain call joins the running round", async () => {
    const c = await cluster(3)
    const s = c.nodes[0]!.service
    await table(c.nodes[0]!).insert(testEntry("p", "k", 1, "v"))
    const first = s.syncAll()
    const plain = s.syncAll()
    const fresh = s.syncAll({ fresh: true })
    const joined = s.syncAll({ fresh: true })
    expect(await plain).toBe(await first)
    // Both fresh callers share the one round that began after them, not the first one.
    const [a, b] = await Promise.all([fresh, joined])
    expect(a).toBe(b)
    expect(a).not.toBe(await first)
  })
})
