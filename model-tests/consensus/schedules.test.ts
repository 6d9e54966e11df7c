// fast-check random schedules of thousands of steps over the name registry and layout
// commit cluster models: partitions, sleeping (crashed, later restarted) voters, loss,
// duplication, retransmission and backoff timers, client deadlines; every invariant is
// checked after every step. A failing schedule is shrunk by fast-check.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { layoutCiBounds, layoutCommitModel } from "../../src/check/models/layout-commit.ts"
import { claimOp, nameCiBounds, nameRegistryModel, registryMutants } from "../../src/check/models/name-registry.ts"
import { randomWalk } from "../../src/check/random-walk.ts"
import type { NameOp } from "../../src/core/consensus/name-messages.ts"

const deep = process.env.POLLEN_DEEP === "1"
const runs = deep ? 50 : 4
const length = deep ? 6000 : 3000

const many = { crashes: 40, drops: 40, duplicates: 40, partitions: 40 }

const op = (tag: "Claim" | "Release" | "Read", name: string, p: number, k: number): NameOp =>
  tag === "Claim"
    ? { ...(claimOp(p) as Extract<NameOp, { _tag: "Claim" }>), name, bucketId: `B${p}${k}`, reqId: `r${p}.${k}` }
    : tag === "Release"
      ? { _tag: "Release", name, bucketId: `B${p}${k - 1}`, reqId: `r${p}.${k}` }
      : { _tag: "Read", name, reqId: `r${p}.${k}` }

/** Three proposers on two names: claim, release, claim again, read — with every fault enabled. */
const fuzzModel = (mutant?: string) => {
  const base = nameRegistryModel(
    { ...nameCiBounds, ...many, proposers: 3, rounds: 0, retransmit: true, deadline: true, maxInFlight: 1_000 },
    mutant === undefined ? undefined : registryMutants[mutant],
  )
  const scripts = base.clients.map((c, p) => ({
    node: c.node,
    ops: Array.from({ length: 12 }, (_, k) => {
      const name = k < 6 ? "photos" : "logs"
      const tags = ["Claim", "Release", "Claim", "Read", "Release", "Claim"] as const
      return op(tags[k % 6]!, name, p, k)
    }),
  }))
  return { ...base, clients: scripts }
}

const schedule = fc.array(fc.nat(), { minLength: length, maxLength: length })

describe("random schedules (fast-check)", () => {
  it(`name registry: ${runs} schedules × ${length} steps, 3 proposers, partitions, sleeping voters, loss, duplication`, () => {
    const model = fuzzModel()
    const totals: Record<string, number> = {}
    const steps: number[] = []
    fc.assert(
      fc.property(schedule, (s) => {
        const r = randomWalk(model, s)
        steps.push(r.steps)
        for (const [k, v] of Object.entries(r.taken)) totals[k] = (totals[k] ?? 0) + v
        return r.violated === undefined
      }),
      { numRuns: runs, seed: 4242 },
    )
    console.log(`[schedules] name registry: steps per schedule ${Math.min(...steps)}..${Math.max(...steps)}; actions taken: ${JSON.stringify(totals)}`)
    expect(totals.partition ?? 0).toBeGreaterThan(0)
    expect(totals.crash ?? 0).toBeGreaterThan(0)
  }, deep ? 1_800_000 : 300_000) // deep: about 6 minutes on the shared machine under load

  it("name registry: the amnesia mutant is found by random schedules", () => {
    const model = fuzzModel("amnesia")
    const found = fc.check(fc.property(schedule, (s) => randomWalk(model, s).violated === undefined), { numRuns: 200, seed: 7, endOnFailure: true })
    expect(found.failed).toBe(true)
  })

  it(`layout commit: ${runs} schedules × ${length} steps with every fault`, () => {
    const model = layoutCommitModel({ ...layoutCiBounds, ...many, rounds: 0, slots: 0, proposalsP0: 4, maxInFlight: 1_000 })
    fc.assert(
      fc.property(schedule, (s) => randomWalk(model, s).violated === undefined),
      { numRuns: runs, seed: 99 },
    )
  }, deep ? 1_800_000 : 300_000)
})
