// Bucket names through the name registry on three real nodes (loopback sockets, LMDB):
// racing claims of one name on two nodes, voters down, a proposer restarted mid-claim.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { ClaimOutcome } from "../../src/node/cluster/bucket-names.ts"
import type { NameDecision } from "../../src/node/cluster/name-decisions.ts"
import { NamesUnavailable } from "../../src/node/cluster/name-registry-service.ts"
import { startCluster, type TestCluster, until } from "./name-registry-cluster.ts"
import { seededRandom } from "../support/random.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-names-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))


/** Exactly one `created`; the other `exists` naming the winner's bucket; returns the winner's id. */
const oneWinner = (a: ClaimOutcome, b: ClaimOutcome, what: string): string => {
  const created = [a, b].filter((o) => o.kind === "created")
  expect(created, `${what}: ${JSON.stringify([a, b])}`).toHaveLength(1)
  const winner = (created[0] as { bucketId: string }).bucketId
  const loser = a.kind === "created" ? b : a
  expect(loser, what).toEqual({ kind: "exists", bucketId: winner })
  return winner
}

const withLogs = async (c: TestCluster, body: () => Promise<void>) => {
  try {
    await body()
  } catch (e) {
    console.error(c.logs.slice(-60).join("\n"))
    throw e
  } finally {
    await c.close()
  }
}

describe("name registry service", () => {
  const SEED = 20261127
  it(`two nodes race for each of 100 names; exactly one wins, every node agrees (seed ${SEED})`, async () => {
    let early: ClaimOutcome | undefined
    const c = await startCluster(join(dir, "race"), 10_000, 0, async (nodes) => {
      // Before the first layout the voters are not fixed yet: names are refused.
      early = await nodes[0]!.names.claim("too-early", "b-early", "r-early")
    })
    await withLogs(c, async () => {
      expect(early).toEqual({ kind: "unavailable" })
      const decisions: NameDecision[][] = [[], [], []]
      for (const i of [0, 1, 2]) c.node(i).names.onDecision((d) => decisions[i]!.push(d))
      // A peer's garbage on the registry endpoint is logged and dropped.
      await c.node(0).rpc.call(c.node(1).self, "reducer/name-registry", { _tag: "Promise", name: 7 })
      expect(c.logs.some((l) => l.startsWith("n1: name-registry: dropped a malformed message"))).toBe(true)

      const rnd = seededRandom(SEED)
      const winners = new Map<string, string>()
      const started = Date.now()
      let latencies = 0
      let lookups = 0
      for (let i = 0; i < 100; i++) {
        const name = `race-${i}`
        const a = Math.floor(rnd() * 3)
        const b = (a + 1 + Math.floor(rnd() * 2)) % 3
        const delay = Math.floor(rnd() * 21)
        const t0 = Date.now()
        const first = c.node(a).names.claim(name, `bkt-${i}-${a}`, `req-${i}-${a}`)
        if (delay > 0) await sleep(delay)
        const second = c.node(b).names.claim(name, `bkt-${i}-${b}`, `req-${i}-${b}`)
        const [ra, rb] = await Promise.all([first, second])
        latencies += Date.now() - t0
        const winner = oneWinner(ra, rb, `${name} (n${a} then n${b} after ${delay} ms)`)
        winners.set(name, winner)
        const t1 = Date.now()
        const seen = await Promise.all([0, 1, 2].map((j) => c.node(j).names.lookup(name)))
        lookups += Date.now() - t1
        expect(seen, name).toEqual([winner, winner, winner])
      }
      const elapsed = Date.now() - started
      console.log(
        `100 racing claim pairs: ${elapsed} ms in all; mean pair ${(latencies / 100).toFixed(1)} ms incl. the 0-20 ms gap; ` +
          `mean of 3 concurrent lookups of one name ${(lookups / 100).toFixed(1)} ms`,
      )
      // A read is a CASPaxos write of the same value: concurrent reads of one name preempt each other.
      const t2 = Date.now()
      for (let k = 0; k < 20; k++) for (const j of [0, 1, 2]) await c.node(j).names.lookup("race-0")
      console.log(`one lookup at a time, rotating nodes: mean ${((Date.now() - t2) / 60).toFixed(1)} ms`)
      const t3 = Date.now()
      for (let k = 0; k < 20; k++) await c.node(0).names.lookup("race-0")
      console.log(`one lookup at a time, same node: mean ${((Date.now() - t3) / 20).toFixed(1)} ms`)

      // Every node learned every decision (Decided reaches all voters); the rows name only
      // winners, so a losing claim never made a bucket row.
      for (const j of [0, 1, 2]) {
        await until(() => winners.size === [...winners.keys()].filter((n) => c.node(j).names.lookupLocal(n) !== undefined).length, `n${j} learns every decision`)
        for (const [name, winner] of winners) expect(c.node(j).names.lookupLocal(name)).toBe(winner)
        const bucketIds = new Set(decisions[j]!.flatMap((d) => d.buckets.map((x) => x.id)))
        expect(bucketIds).toEqual(new Set(winners.values()))
      }
      // Retries with a request id learn the earlier outcome, on any node (here: the proposer).
      const [name0, winner0] = [...winners][0]!
      const winnerNode = Number(winner0.split("-")[2])
      expect(await c.node(winnerNode).names.claim(name0, winner0, `req-0-${winnerNode}`)).toEqual({ kind: "created", bucketId: winner0 })
      // A request id reused for another operation is refused.
      await expect(c.node(winnerNode).names.claim("other", "x", `req-0-${winnerNode}`)).rejects.toThrow(/already used/)
      // Release, then a fresh claim binds a new generation; a late release of the old id is a no-op.
      expect(await c.node(1).names.release(name0, winner0, "rel-1")).toBe("released")
      expect(await c.node(2).names.lookup(name0)).toBeUndefined()
      expect(await c.node(2).names.claim(name0, "fresh", "req-fresh")).toEqual({ kind: "created", bucketId: "fresh" })
      expect(await c.node(0).names.release(name0, winner0, "rel-2")).toBe("not-bound")
      await until(() => decisions[0]!.some((d) => d.name === name0 && d.alias.gen === 2 && d.alias.kind === "bound"), "n0 learns gen 2")
    })
  }, 120_000)

  it("one voter down: claims succeed; two down: unavailable within the deadline, and the retry learns the outcome", async () => {
    const deadline = 1_500
    const c = await startCluster(join(dir, "down"), deadline)
    await withLogs(c, async () => {
      await c.stop(2)
      expect(await c.node(0).names.claim("one-down-a", "b-a", "r-a")).toEqual({ kind: "created", bucketId: "b-a" })
      expect(await c.node(1).names.claim("one-down-a", "b-b", "r-b")).toEqual({ kind: "exists", bucketId: "b-a" })

      await c.stop(1)
      const t0 = Date.now()
      expect(await c.node(0).names.claim("two-down", "b-2", "r-2")).toEqual({ kind: "unavailable" })
      const waited = Date.now() - t0
      console.log(`claim without a majority answered unavailable after ${waited} ms (deadline ${deadline} ms)`)
      expect(waited).toBeGreaterThanOrEqual(deadline - 50)
      expect(waited).toBeLessThan(deadline + 1_000)
      await expect(c.node(0).names.lookup("two-down")).rejects.toBeInstanceOf(NamesUnavailable)

      await c.start(1)
      await c.start(2)
      const t1 = Date.now()
      let retried: ClaimOutcome = { kind: "unavailable" }
      for (let i = 0; i < 5 && retried.kind === "unavailable"; i++) retried = await c.node(0).names.claim("two-down", "b-2", "r-2")
      console.log(`retry after the voters returned: ${JSON.stringify(retried)} after ${Date.now() - t1} ms`)
      expect(retried).toEqual({ kind: "created", bucketId: "b-2" })
      for (const j of [0, 1, 2]) expect(await c.node(j).names.lookup("two-down")).toBe("b-2")
      // The voters that were down still remember the first claim (their disks survived).
      expect(await c.node(2).names.lookup("one-down-a")).toBe("b-a")
    })
  }, 90_000)

  it("a proposer closed right after sending a claim resumes it from its intent after restart", async () => {
    const c = await startCluster(join(dir, "restart"), 2_000)
    await withLogs(c, async () => {
      let resumed = 0
      for (const [k, gap] of [0, 0, 1, 2, 4].entries()) {
        const name = `restart-${k}`
        const mine = c.node(1).names.claim(name, `b1-${k}`, `r1-${k}`)
        if (gap > 0) await sleep(gap)
        const stopping = c.stop(1)
        // A competing claim on another node while the proposer is down.
        const theirs = c.node(2).names.claim(name, `b2-${k}`, `r2-${k}`)
        await stopping
        // Closed before the decision: unknown outcome; after it: the decided outcome.
        const before = await mine
        const restarted = await c.start(1)
        // The intent was on disk before anything left the node: the restart resumes it unasked.
        const op = restarted.names.state.ops[`r1-${k}`]
        expect(op?.op).toMatchObject({ name, bucketId: `b1-${k}` })
        if (op?.phase !== "done") resumed++
        await until(() => restarted.names.state.ops[`r1-${k}`]?.phase === "done", `n1 finishes ${name} on its own`)
        const retry = await restarted.names.claim(name, `b1-${k}`, `r1-${k}`)
        if (before.kind !== "unavailable") expect(retry).toEqual(before)
        const winner = oneWinner(retry, await theirs, `${name} (n1 closed after ${gap} ms)`)
        for (const j of [0, 1, 2]) expect(await c.node(j).names.lookup(name)).toBe(winner)
        console.log(`restart round ${k} (gap ${gap} ms): first answer ${before.kind}, ${op?.phase === "done" ? "decided before the close" : "resumed after restart"}, winner ${winner}`)
      }
      // Not vacuous: at least one claim was cut before its decision and resumed from disk.
      expect(resumed).toBeGreaterThan(0)
    })
  }, 90_000)

  it("a value a majority accepted without a decision (its proposer died) is completed by the voters' repair read", async () => {
    const c = await startCluster(join(dir, "repair"), 2_000, 200)
    await withLogs(c, async () => {
      const decisions: NameDecision[] = []
      c.node(0).names.onDecision((d) => decisions.push(d))
      // Play a proposer that gets bound1(orphan) accepted by voters 1 and 2, then vanishes
      // before anyone learns the decision: no Decided, no rows anywhere.
      const b = { cfg: 1, round: 1_000, node: c.node(0).self }
      const val = { _tag: "Bound", gen: 1, bucketId: "orphan", reqId: "gone", ownerKey: "k", initParams: { quotaBytes: null } }
      for (const j of [1, 2]) {
        await c.node(0).rpc.call(c.node(j).self, "reducer/name-registry", { _tag: "Prepare", name: "half-done", b })
        await c.node(0).rpc.call(c.node(j).self, "reducer/name-registry", { _tag: "Accept", name: "half-done", b, val })
      }
      await until(() => [1, 2].every((j) => c.node(j).names.state.acc["half-done"]?.accVal?._tag === "Bound"), "voters 1 and 2 accept")
      expect([0, 1, 2].map((j) => c.node(j).names.lookupLocal("half-done"))).toEqual([undefined, undefined, undefined])
      const t0 = Date.now()
      await until(() => [0, 1, 2].every((j) => c.node(j).names.lookupLocal("half-done") === "orphan"), "every node gets the rows", 10_000)
      console.log(`repair projected the half-done claim everywhere after ${Date.now() - t0} ms (scan every 200 ms)`)
      expect(c.logs.some((l) => l.includes("has an accepted value but no decision here"))).toBe(true)
      expect(decisions.find((d) => d.name === "half-done")?.buckets).toEqual([
        { id: "orphan", row: { name: "half-done", ownerKey: "k", initParams: { quotaBytes: null }, deleted: false } },
      ])
      // A claim of the name now sees the completed binding.
      expect(await c.node(0).names.claim("half-done", "late", "r-late")).toEqual({ kind: "exists", bucketId: "orphan" })
    })
  }, 60_000)
})
