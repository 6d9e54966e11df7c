// The TLA+ specs, checked by our TLA+ checker with their configs: every invariant holds, and
// NameRegistry.cfg has the reference oracle's figures (3,393 distinct states, depth 19:
// ../shared/reference/consensus-oracles/claim_bfs.py 3 2 1), since the spec has its granularity.
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"

describe("TLA+ specs of the consensus protocols", () => {
  it("spec/NameRegistry.tla with NameRegistry.cfg: 3,393 distinct states, depth 19 (the oracle's figures)", () => {
    const r = checkSpec("spec/NameRegistry.tla")
    console.log(`[specs] NameRegistry.cfg: ${r.outcome.kind}, ${r.distinct} distinct, ${r.generated} generated, depth ${r.depth}, ${r.seconds.toFixed(1)}s`)
    expect(r.outcome.kind).toBe("ok")
    expect(r.distinct).toBe(3393)
    expect(r.depth).toBe(19)
  })

  it("spec/NameRegistry.tla with NameRegistryRelease.cfg (claim then release, proposer crashes, rounds 1..2)", () => {
    const r = checkSpec("spec/NameRegistry.tla", { config: "spec/NameRegistryRelease.cfg" })
    console.log(`[specs] NameRegistryRelease.cfg: ${r.outcome.kind}, ${r.distinct} distinct, depth ${r.depth}, ${r.seconds.toFixed(1)}s`)
    expect(r.outcome.kind).toBe("ok")
    expect(r.distinct).toBe(6225)
  })

  it("spec/LayoutCommit.tla with LayoutCommit.cfg (2 proposers race for v1, v2 chained)", () => {
    const r = checkSpec("spec/LayoutCommit.tla")
    console.log(`[specs] LayoutCommit.cfg: ${r.outcome.kind}, ${r.distinct} distinct, depth ${r.depth}, ${r.seconds.toFixed(1)}s`)
    expect(r.outcome.kind).toBe("ok")
    expect(r.distinct).toBe(23498)
    expect(r.depth).toBe(29)
  }, 600_000) // ~25 s alone; over 2 minutes on the shared machine under load
})
