// The block layer on three nodes over the real authenticated RPC on loopback, with LMDB
// and block files on disk: replicated puts with a node down and resync after its restart,
// hedged reads past a lying holder, scrub repair, blocks following a layout change, and
// refcount-delayed deletion.
import { type ChildProcess, spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { mkdtemp, readdir, readFile, rm, unlink as unlinkFile, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BlockStore } from "../../src/node/block-store.ts"
import { afterEach, describe, expect, it } from "vitest"
import { BlockUnavailableError } from "../../src/node/blocks/hedged-fetch.ts"
import { WriteQuorumError } from "../../src/node/blocks/replicated-write.ts"
import { blockPartitionOf } from "../../src/node/blocks/block-messages.ts"
import type { Placement } from "../../src/node/cluster/interfaces.ts"
import { eventually, fixedPlacement, secret, TestCluster, type TestNode, transitionPlacement } from "./helpers.ts"

const clusters: TestCluster[] = []
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()))
})
const start = async (...args: Parameters<typeof TestCluster.start>) => {
  const c = await TestCluster.start(...args)
  clusters.push(c)
  return c
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const holds = async (n: TestNode, hash: string): Promise<boolean> => {
  const data = await n.store.readAll(hash)
  return data !== undefined && sha(data) === hash
}
const holdersIn = (p: Placement, hash: string): string[] => [...new Set(p.writeSets(blockPartitionOf(hash, p.partitionCount)).flat())]
/** Random data whose block lands in a partition for which `pick` holds. */
const dataWhere = (partitions: number, size: number, pick: (p: number) => boolean): Buffer => {
  for (;;) {
    const d = randomBytes(size)
    if (pick(blockPartitionOf(sha(d), partitions))) return d
  }
}

describe("block layer on three loopback nodes", () => {
  it("a put with one holder down succeeds; the holder gets the block after its restart from the putter's persistent resync queue", async () => {
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16))
    const [a, b, down] = c.nodes as [TestNode, TestNode, TestNode]
    await c.stop(down)
    const data = randomBytes(300_000)
    const hash = await a.manager.put(data)
    expect(hash).toBe(sha(data))
    expect(await holds(a, hash)).toBe(true)
    expect(await holds(b, hash)).toBe(true)
    // The block is never referenced here, so each node also queues its collection a day
    // away (orphanDelayMs); the delivery to the missing holder is what is due soon.
    const deliveryQueued = (n: TestNode) => (n.manager.queue.nextDue() ?? Infinity) < Date.now() + 3_600_000
    await eventually(() => deliveryQueued(a), "the failed replica write queued on the putter")
    // The putter restarts too: only its LMDB queue remembers the missing replica.
    await c.stop(a)
    await c.restart(down)
    expect(await holds(down, hash)).toBe(false)
    await c.restart(a)
    await eventually(() => holds(down, hash), "the restarted node to receive the block")
    await eventually(() => !deliveryQueued(a), "the putter's queue to drain")
    expect(a.manager.queue.length).toBe(1) // only the collection of the still unreferenced block
    expect(Buffer.compare(await down.manager.get(hash), data)).toBe(0)
  })

  it("a put without a quorum fails with a precise error", async () => {
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16))
    await c.stop(c.nodes[1]!)
    await c.stop(c.nodes[2]!)
    await expect(c.nodes[0]!.manager.put(randomBytes(1000))).rejects.toThrow(WriteQuorumError)
  })

  it("a read that gets the wrong bytes from a holder moves on to the next holder, and fails only if none is good", async () => {
    const c = await start(3, (ids) => fixedPlacement(ids, 2, 3))
    const [reader, liar, honest] = c.nodes as [TestNode, TestNode, TestNode]
    // Partition 1 is held by [liar, honest], liar first in the layout's order; the reader holds nothing of it.
    const data = dataWhere(3, 50_000, (p) => p === 1)
    const hash = await honest.manager.put(data)
    expect(await reader.manager.hasLocal(hash)).toBe(false)
    liar.rpc.handle("block/get", async () => ({ data: randomBytes(50_000) }))
    expect(Buffer.compare(await reader.manager.get(hash), data)).toBe(0)
    expect(Buffer.compare(await reader.manager.get(hash, { start: 10, end: 20 }), data.subarray(10, 20))).toBe(0)
    await c.stop(honest)
    await expect(reader.manager.get(hash)).rejects.toThrow(BlockUnavailableError)
    await expect(reader.manager.get(hash)).rejects.toThrow(/does not match the hash/)
  })

  it("a read hedges to the next holder while a slow holder has not answered, and cancels the slow request", async () => {
    // RPC timeout far beyond the test's give-up bound: only hedging can answer in time.
    const c = await start(3, (ids) => fixedPlacement(ids, 2, 3), { rpcTimeoutMs: 600_000, hedgeDelayMs: 50 })
    const [reader, slow, honest] = c.nodes as [TestNode, TestNode, TestNode]
    const data = dataWhere(3, 50_000, (p) => p === 1) // held by [slow, honest], slow asked first
    const hash = await honest.manager.put(data)
    let cancelled = false
    slow.rpc.handle("block/get", (_body, _from, signal) => new Promise((resolve) => signal.addEventListener("abort", () => ((cancelled = true), resolve({ missing: true })))))
    const got = await Promise.race([reader.manager.get(hash), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no hedge")), 30_000))])
    expect(Buffer.compare(got, data)).toBe(0)
    await eventually(() => cancelled, "the slow request to be cancelled")
  })

  it("scrub finds a corrupted block file, moves it aside and repairs it from a replica", async () => {
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16))
    const [a, , victim] = c.nodes as [TestNode, TestNode, TestNode]
    const data = randomBytes(200_000)
    const other = randomBytes(10_000)
    const hash = await a.manager.put(data)
    await a.manager.put(other)
    await eventually(() => holds(victim, hash), "all three replicas")
    const bad = Buffer.from(data)
    bad[12345] = bad[12345]! ^ 0xff
    await writeFile(victim.store.pathOf(hash), bad)
    const report = await victim.manager.scrub()
    expect(report.corrupted).toEqual([hash])
    expect(report.checked).toBeGreaterThanOrEqual(2)
    await eventually(() => holds(victim, hash), "the repaired block")
    const aside = await readdir(join(victim.store.dir, "corrupted"))
    expect(aside.map((f) => f.split(".")[0])).toEqual([hash])
    expect(Buffer.compare(await readFile(join(victim.store.dir, "corrupted", aside[0]!)), bad)).toBe(0)
    expect((await victim.manager.scrub()).corrupted).toEqual([])
    expect(victim.manager.metricLines()).toContain("block_corrupted_counter 1")
    expect(victim.manager.metricLines()).toContain('block_resync_counter{action="fetch"} 1')
    expect(victim.manager.rc.isLost(hash)).toBe(false)
  })

  it("the periodic scrub finds and repairs a corrupted block on its own", async () => {
    const c = await start(2, (ids) => fixedPlacement(ids, 2, 4), { scrubIntervalMs: 100 })
    const [a, victim] = c.nodes as [TestNode, TestNode]
    const data = randomBytes(5000)
    const hash = await a.manager.put(data)
    await writeFile(victim.store.pathOf(hash), Buffer.alloc(5000))
    await eventually(() => victim.manager.totals.corruptBlocks === 1, "the scrub to find the corrupt file")
    await eventually(() => holds(victim, hash), "the repaired block")
  })

  it("after a layout change blocks reach their new holders, and old holders release them once the old version is retired", async () => {
    const partitions = 8
    const c = await start(3, (ids) => fixedPlacement(ids, 2, partitions))
    const ids = c.nodes.map((n) => n.id)
    const v1 = fixedPlacement(ids, 2, partitions)
    const v2 = fixedPlacement([...ids].reverse(), 2, partitions)
    const blocks = new Map<string, Buffer>()
    for (let i = 0; i < 16; i++) {
      const d = randomBytes(20_000 + i)
      blocks.set(await c.nodes[i % 3]!.manager.put(d), d)
    }
    const placedAs = async (p: Placement): Promise<boolean> => {
      for (const hash of blocks.keys()) {
        const want = new Set(holdersIn(p, hash))
        for (const n of c.nodes) if ((await holds(n, hash)) !== want.has(n.id)) return false
      }
      return true
    }
    expect(await placedAs(v1)).toBe(true)
    expect([...blocks.keys()].some((h) => holdersIn(v1, h).join() !== holdersIn(v2, h).join())).toBe(true)

    // Both versions active: new holders get copies, old holders keep theirs.
    const both = transitionPlacement([v1, v2])
    for (const n of c.nodes) n.placement.set(both)
    await eventually(() => placedAs(both), "blocks on the holders of both versions")

    // The old version retired: nodes that hold nothing of a block's partition now release it.
    for (const n of c.nodes) n.placement.set(v2)
    await eventually(() => placedAs(v2), "blocks only on their new holders")
    for (const [hash, data] of blocks) for (const n of c.nodes) expect(Buffer.compare(await n.manager.get(hash), data)).toBe(0)
  })

  it("layout 3 → 4 → 3 nodes with puts and reads during each transition: every block ends on exactly its holders", async () => {
    const partitions = 16
    const c = await start(4, (ids) => fixedPlacement(ids.slice(0, 3), 2, partitions))
    const ids = c.nodes.map((n) => n.id)
    const three = fixedPlacement(ids.slice(0, 3), 2, partitions)
    const four = fixedPlacement([ids[3]!, ...ids.slice(0, 3)], 2, partitions)
    const blocks = new Map<string, Buffer>()
    let i = 0
    const workload = async () => {
      for (let k = 0; k < 6; k++) {
        const d = randomBytes(8_000 + i)
        blocks.set(await c.nodes[i++ % 4]!.manager.put(d), d)
      }
      for (const [hash, data] of blocks) expect(Buffer.compare(await c.nodes[i % 4]!.manager.get(hash), data)).toBe(0)
    }
    const placedAs = async (p: Placement): Promise<boolean> => {
      for (const hash of blocks.keys()) {
        const want = new Set(holdersIn(p, hash))
        for (const n of c.nodes) if ((await holds(n, hash)) !== want.has(n.id)) return false
      }
      return true
    }
    const setAll = (p: Placement) => c.nodes.forEach((n) => n.placement.set(p))
    await workload()
    for (const [from, to] of [
      [three, four],
      [four, three],
    ] as const) {
      const both = transitionPlacement([from, to])
      setAll(both)
      await workload()
      await eventually(() => placedAs(both), "blocks on the holders of both versions")
      setAll(to)
      await workload()
      await eventually(() => placedAs(to), "blocks only on the holders of the new version")
    }
    expect(blocks.size).toBe(30)
    expect(await c.nodes[3]!.store.list()[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined })
  })

  it("malformed peer requests get a precise error and leave the node serving", async () => {
    const c = await start(2, (ids) => fixedPlacement(ids, 2, 4))
    const [a, b] = c.nodes as [TestNode, TestNode]
    const conn = await a.rpc.connect("127.0.0.1", c.ports.get(b.id)!)
    const data = randomBytes(1000)
    await expect(conn.call("block/put", { hash: "zz", data })).rejects.toThrow(/malformed block\/put/)
    await expect(conn.call("block/put", { hash: sha(data), data: "text" })).rejects.toThrow(/malformed block\/put/)
    await expect(conn.call("block/put", { hash: sha(randomBytes(8)), data })).rejects.toThrow(/does not match hash/)
    await expect(conn.call("block/get", [1, 2, 3])).rejects.toThrow(/malformed block\/get/)
    await expect(conn.call("block/need", { hashes: Array.from({ length: 2000 }, () => sha(data)) })).rejects.toThrow(/malformed block\/need/)
    expect(await conn.call("block/need", { hashes: [sha(data)] })).toEqual({ answers: ["need"] })
    const hash = await a.manager.put(data)
    expect(await conn.call("block/need", { hashes: [hash] })).toEqual({ answers: ["have"] })
    expect(Buffer.compare(await b.manager.get(hash), data)).toBe(0)
    await expect(a.manager.get("not-a-hash")).rejects.toThrow(/not a block hash/)
    await expect(a.manager.get(hash, { start: 5, end: 2000 })).rejects.toThrow(/outside block of 1000 bytes/)
  })

  it("a block whose count drops to zero is deleted only after the delay, and a new reference in between keeps it", async () => {
    const clock = { now: 1_000_000 }
    const delay = 60_000
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16), { now: () => clock.now, deleteDelayMs: delay })
    const [a, , d] = c.nodes as [TestNode, TestNode, TestNode]
    const data = randomBytes(4096)
    const hash = await a.manager.put(data)
    await eventually(() => holds(d, hash), "three replicas")
    // The block-reference table does the same on every holder of the block's partition.
    const onAll = async (f: (n: TestNode) => Promise<void> | void) => {
      for (const n of c.nodes) await f(n)
    }
    const settle = () => Promise.all(c.nodes.map((n) => n.manager.settle()))
    const everywhere = async () => (await Promise.all(c.nodes.map((n) => holds(n, hash)))).every((x) => x)
    const nowhere = async () => (await Promise.all(c.nodes.map((n) => n.manager.hasLocal(hash)))).every((x) => !x)
    await onAll((n) => n.manager.incref(hash))
    await onAll((n) => n.manager.incref(hash))
    await onAll((n) => n.manager.decref(hash))
    await onAll((n) => n.manager.decref(hash))
    await settle()
    expect(await everywhere()).toBe(true)

    clock.now += delay / 2
    await onAll((n) => n.manager.incref(hash)) // a new reference, dropped again: the deadline moves
    await onAll((n) => n.manager.decref(hash))
    clock.now += delay / 2 + 1 // past the first deadline
    await settle()
    expect(await everywhere()).toBe(true)

    // The count and deadline survive a restart.
    await c.stop(a)
    await c.restart(a)
    expect(a.manager.rc.get(hash)).toEqual({ count: 0, deletableAt: 1_000_000 + delay / 2 + delay })
    await settle()
    expect(await everywhere()).toBe(true)

    clock.now += delay / 2 // past the second deadline
    await settle()
    expect(await nowhere()).toBe(true)
    // The zero count stays one more delay as a tombstone (peers asking hear "unwanted"), then goes.
    for (const n of c.nodes) expect(n.manager.rc.get(hash)).toEqual({ count: 0, deletableAt: 1_000_000 + delay / 2 + delay })
    clock.now += delay
    await settle()
    for (const n of c.nodes) expect(n.manager.rc.get(hash)).toBeUndefined()
  })

  it("a block written but never referenced is collected from every holder after the orphan delay; one referenced in time stays", async () => {
    const clock = { now: 1_000_000 }
    const orphanDelayMs = 3_600_000
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16), { now: () => clock.now, deleteDelayMs: 60_000, orphanDelayMs })
    const [a] = c.nodes as [TestNode, TestNode, TestNode]
    const kept = await a.manager.put(randomBytes(4096))
    const window = a.manager.referenceWindow()
    const orphan = await a.manager.put(randomBytes(4096)) // its upload failed after the data was stored
    const on = async (hash: string, where: "everywhere" | "nowhere") => {
      const present = await Promise.all(c.nodes.map((n) => n.manager.hasLocal(hash)))
      return present.every((p) => p === (where === "everywhere"))
    }
    await eventually(async () => (await on(kept, "everywhere")) && (await on(orphan, "everywhere")), "three replicas of both")
    for (const n of c.nodes) await n.manager.incref(kept) // the block-reference table, on every holder
    const settle = () => Promise.all(c.nodes.map((n) => n.manager.settle()))

    clock.now += orphanDelayMs / 2
    await settle()
    expect(await on(orphan, "everywhere")).toBe(true)
    expect(window.expired()).toBe(false)
    clock.now += 1
    expect(window.expired()).toBe(true) // a writer this slow refuses to reference its blocks

    clock.now += orphanDelayMs / 2
    await settle()
    expect(await on(orphan, "nowhere")).toBe(true)
    expect(await on(kept, "everywhere")).toBe(true)
    // Its zero count stays as a tombstone for a deletion delay, as for any collected block.
    for (const n of c.nodes) expect(n.manager.rc.get(orphan)).toEqual({ count: 0, deletableAt: 1_000_000 + orphanDelayMs, neverReferenced: true })
  })

  it("a node that starts after an orphan's deadline passed keeps it for a deletion delay (its reference may still arrive)", async () => {
    const clock = { now: 1_000_000 }
    const orphanDelayMs = 3_600_000
    const deleteDelayMs = 60_000
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16), { now: () => clock.now, deleteDelayMs, orphanDelayMs })
    const [a, b] = c.nodes as [TestNode, TestNode, TestNode]
    const hash = await a.manager.put(randomBytes(4096))
    await eventually(async () => (await Promise.all(c.nodes.map((n) => n.manager.hasLocal(hash)))).every((x) => x), "three replicas")
    await c.stop(b)
    clock.now += orphanDelayMs + 1 // down past the deadline
    // The node that stayed up, where no reference came, collects it on time. (Checked before
    // b's reference exists: afterwards b's resync rightly gives the referenced block back to
    // a, its other holder, which made a later check of a race with that repair.)
    await a.manager.settle()
    expect(await a.manager.hasLocal(hash)).toBe(false)
    await c.restart(b)
    await b.manager.settle()
    expect(await b.manager.hasLocal(hash)).toBe(true) // held: the reference may come by anti-entropy
    await b.manager.incref(hash) // it does
    clock.now += deleteDelayMs + 1
    await b.manager.settle()
    expect(await b.manager.hasLocal(hash)).toBe(true)
  })

  it("a reference to a block a holder lacks makes it fetch the block; a non-holder fetches nothing", async () => {
    const c = await start(3, (ids) => fixedPlacement(ids, 2, 3))
    const [outsider, x, y] = c.nodes as [TestNode, TestNode, TestNode]
    const data = dataWhere(3, 30_000, (p) => p === 1) // held by x and y
    const hash = await x.manager.put(data)
    await unlinkFile(y.store.pathOf(hash)) // y lost its disk, or the reference row reached a new holder first
    await y.manager.incref(hash)
    await eventually(() => holds(y, hash), "y to fetch the referenced block")
    await outsider.manager.incref(hash)
    await outsider.manager.settle()
    expect(await outsider.manager.hasLocal(hash)).toBe(false)
    expect(outsider.manager.resync.counts.nothing).toBeGreaterThan(0) // it did check
    expect(outsider.manager.resync.counts.fetch).toBe(0)
  })

  it("a holder whose count is behind does not resurrect a block the other holders deleted as unreferenced", async () => {
    const clock = { now: 1_000_000 }
    const delay = 60_000
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16), { now: () => clock.now, deleteDelayMs: delay })
    const [late, b, d] = c.nodes as [TestNode, TestNode, TestNode]
    const hash = await b.manager.put(randomBytes(4096))
    await eventually(async () => (await holds(late, hash)) && (await holds(d, hash)), "three replicas")
    const settle = () => Promise.all(c.nodes.map((n) => n.manager.settle()))
    for (const n of c.nodes) await n.manager.incref(hash)
    b.manager.decref(hash)
    d.manager.decref(hash)
    clock.now += delay / 2
    late.manager.decref(hash) // the same reference removal, reaching this holder later
    clock.now += delay / 2 + 1
    await settle()
    expect(await holds(b, hash)).toBe(false)
    expect(await holds(d, hash)).toBe(false)
    // The late holder re-checks the block (as after a layout change): the others answer "unwanted".
    late.manager.resync.schedule([hash], clock.now)
    await settle()
    expect(late.manager.resync.counts.replicate).toBeGreaterThan(0)
    expect(await holds(late, hash)).toBe(true)
    expect(await holds(b, hash)).toBe(false)
    expect(await holds(d, hash)).toBe(false)
    clock.now += delay / 2
    await settle()
    expect(await holds(late, hash)).toBe(false)
  })

  it("puts wait for buffer space: memory held by blocks in flight stays within the budget", async () => {
    const c = await start(3, (ids) => fixedPlacement(ids, 3, 16), { bufferBytes: 600_000 })
    const m = c.nodes[0]!.manager
    const blocks = Array.from({ length: 4 }, () => randomBytes(500_000))
    const puts = blocks.map((b) => m.put(b))
    // The first put holds 500 kB of the 600 kB budget; the other three wait their turn.
    expect(m.budget.inUse).toBe(500_000)
    expect(m.budget.waiting).toBe(3)
    expect(await Promise.all(puts)).toEqual(blocks.map(sha))
    await eventually(() => m.budget.inUse === 0, "the budget released once every replica write finished")
    // A stream is read into one block, refused beyond the maximum.
    async function* chunks() {
      yield randomBytes(10)
      yield randomBytes(10)
    }
    const small = await start(1, (ids) => fixedPlacement(ids, 1, 4), { maxBlockBytes: 15 })
    await expect(small.nodes[0]!.manager.put(chunks())).rejects.toThrow(/exceeds the maximum of 15/)
    expect(small.nodes[0]!.manager.budget.inUse).toBe(0)
  })

  it("a storage node killed with SIGKILL during a burst of puts keeps every block it acknowledged, and no partial file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pollen-blocks-kill-"))
    const spawnNode = (port: number) =>
      new Promise<{ child: ChildProcess; id: string; port: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "storage-node-process.ts"), dir, String(port), secret.toString("hex")], {
          stdio: ["ignore", "pipe", "inherit"],
        })
        child.once("exit", (code) => reject(new Error(`storage node exited with ${code}`)))
        child.stdout!.on("data", (b: Buffer) => {
          const m = /ready (\w+) (\d+)/.exec(b.toString())
          if (m) resolve({ child, id: m[1]!, port: Number(m[2]) })
        })
      })
    let node = await spawnNode(0)
    try {
      // The putter is a gateway: rf 1 on the storage node, so a put returns only after that node acknowledged.
      const c = await start(1, () => fixedPlacement([node.id], 1, 16), { rpcTimeoutMs: 10_000 })
      c.ports.set(node.id, node.port)
      const gateway = c.nodes[0]!.manager
      const acked = new Map<string, Buffer>()
      const burst = Array.from({ length: 4 }, async () => {
        for (;;) {
          const data = randomBytes(64 * 1024 + Math.floor(Math.random() * 100_000))
          try {
            acked.set(await gateway.put(data), data)
          } catch {
            return // the node is gone
          }
        }
      })
      await eventually(() => acked.size >= 10, "some acknowledged puts")
      node.child.kill("SIGKILL")
      await Promise.all(burst)
      node = await spawnNode(node.port)
      const store = new BlockStore(join(dir, "blocks"), true)
      for (const [hash, data] of acked) expect(Buffer.compare((await store.readAll(hash)) ?? Buffer.alloc(0), data)).toBe(0)
      // Whatever else is on disk is whole: a block file is complete or absent.
      for await (const hash of store.list()) expect(sha((await store.readAll(hash))!)).toBe(hash)
      for (const [hash, data] of acked) expect(Buffer.compare(await gateway.get(hash), data)).toBe(0)
    } finally {
      node.child.kill("SIGKILL")
      await rm(dir, { recursive: true, force: true })
    }
  })
})
