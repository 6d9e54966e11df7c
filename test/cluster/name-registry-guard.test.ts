// The registry reducer as a real node hosts it: voter replies from non-voters are dropped,
// and a Decided raises the round the next attempt starts above.
import { describe, expect, it } from "vitest"
import { ballot } from "../../src/core/consensus/ballot.ts"
import { defaultParams, type RegistryState } from "../../src/core/consensus/name-registry.ts"
import type { NameOp } from "../../src/core/consensus/name-messages.ts"
import { guardedRegistry } from "../../src/node/cluster/name-registry-guard.ts"

const voters = ["a", "b", "c"]
const claim: NameOp = { _tag: "Claim", name: "n", bucketId: "B", reqId: "r", ownerKey: "", initParams: { quotaBytes: null } }

const proposing = (): RegistryState => {
  const s0 = guardedRegistry.step(guardedRegistry.init("a", defaultParams(voters, voters)), { _tag: "Recover", persisted: [] }).state
  return guardedRegistry.step(s0, { _tag: "Request", id: "c1", op: claim }).state
}

describe("hosted name registry", () => {
  it("does not count a Promise from a node that is not a voter", () => {
    const s = proposing()
    const b = s.ops["r"]!.b
    const promise = (from: string) => ({ _tag: "Recv", from, msg: { _tag: "Promise", name: "n", b, accBal: ballot(-1, -1, ""), accVal: null } }) as const
    const afterIntruders = guardedRegistry.step(guardedRegistry.step(s, promise("x")).state, promise("y"))
    expect(afterIntruders.state).toBe(s)
    expect(afterIntruders.out).toEqual([])
    // Two real voters make a quorum: phase 2 starts.
    const after = guardedRegistry.step(guardedRegistry.step(s, promise("a")).state, promise("b"))
    expect(after.state.ops["r"]!.phase).toBe("accept")
  })

  it("learns the deciding round from a Decided without touching its own attempt", () => {
    const s = proposing()
    const decided = guardedRegistry.step(s, {
      _tag: "Recv",
      from: "b",
      msg: { _tag: "Decided", name: "n", b: ballot(1, 41, "b"), val: { _tag: "Free", gen: 3 } },
    })
    expect(decided.state.seen["n"]).toBe(41)
    expect(decided.state.ops["r"]).toEqual(s.ops["r"])
    expect(decided.state.rows.alias["n"]).toMatchObject({ gen: 3, kind: "free" })
  })
})
