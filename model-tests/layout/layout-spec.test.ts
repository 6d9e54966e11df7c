// spec/LayoutTransition.tla checked by Pollen's TLA+ checker: the correct protocol's small
// config completes without a violation, and mutant configs are caught. The larger configs
// run under POLLEN_DEEP=1 (npm run check:deep).
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"

const deep = process.env.POLLEN_DEEP === "1"
const check = (cfg: string, stopAfterDistinct?: number) => {
  const r = checkSpec("spec/MCLayoutTransition.tla", {
    config: `spec/${cfg}.cfg`,
    ...(stopAfterDistinct === undefined ? {} : { stopAfterDistinct }),
  })
  console.log(`${cfg}: ${r.outcome.kind}${"name" in r.outcome ? ` ${r.outcome.name}` : ""}, ${r.generated} generated, ${r.distinct} distinct, depth ${r.depth}, ${r.seconds.toFixed(1)} s`)
  return r
}

describe("spec/LayoutTransition.tla with pollen tla check", () => {
  it("the correct protocol, small config (2 nodes, rf 1, one write, one read, one crash): no violation", () => {
    const r = check("LayoutTransition")
    expect(r.outcome.kind).toBe("ok")
    expect(r.distinct).toBeGreaterThan(20_000)
  }, 600_000)

  it.each([["read-newest"], ["sync-no-index-wait"]])("mutant %s violates ReadAfterWrite", (name) => {
    const r = check(`LayoutTransition-${name}`)
    expect(r.outcome).toMatchObject({ kind: "invariant", name: "ReadAfterWrite" })
  })

  it.runIf(deep)("deep: the correct protocol on 3 nodes (LayoutTransition-deep.cfg): no violation in the first 200,000 states", () => {
    const r = check("LayoutTransition-deep", 200_000)
    expect(r.outcome.kind).toBe("ok")
  }, 600_000)

  it.runIf(deep)("deep: mutant no-ack-lock violates ReadAfterWrite", () => {
    expect(check("LayoutTransition-no-ack-lock").outcome).toMatchObject({ kind: "invariant", name: "ReadAfterWrite" })
  })

  it.runIf(deep)("deep: mutant retire-on-quorum (3 nodes) violates RetiredNotRead", () => {
    expect(check("LayoutTransition-retire-on-quorum").outcome).toMatchObject({ kind: "invariant", name: "RetiredNotRead" })
  })
})
