// Model tests of the layout-transition reducer (layout history + quorum KV table): the
// correct protocol passes at CI bounds; each mutant is caught, with its shortest trace
// printed. Deeper bounds: POLLEN_DEEP=1 (npm run check:deep).
import { describe, expect, it } from "vitest"
import { explore } from "../../src/check/explore.ts"
import { formatReport } from "../../src/check/report.ts"
import {
  layoutCiBounds,
  type LayoutTransitionBounds,
  layoutTransitionModel,
  layoutTransitionMutants,
} from "../../src/check/models/layout-transition.ts"

const deep = process.env.POLLEN_DEEP === "1"
const scenario = "write-then-transition"

const run = (bounds: Partial<LayoutTransitionBounds>, mutant?: string, withoutInvariants = false) => {
  const variant = mutant === undefined ? undefined : layoutTransitionMutants[mutant]
  const model = layoutTransitionModel({ ...layoutCiBounds, scenario, ...bounds }, variant, mutant ?? "layout-transition")
  const checked = withoutInvariants ? { ...model, invariants: [] } : model
  const result = explore(checked)
  const report = formatReport(result, checked.describe as never)
  console.log(`--- ${checked.name} ${JSON.stringify(bounds)}\n${report}`)
  return result
}

describe("layout-transition: the correct protocol", () => {
  it("holds ReadAfterWrite and RetiredNotRead with a crash (multiset, 3 in flight)", () => {
    const r = run({ network: "multiset", maxInFlight: 3, crashes: 1 })
    expect(r.outcome).toBe("ok")
    expect(r.distinct).toBeGreaterThan(100_000)
  })

  it("holds them with TLA+-style message sets (loss, duplication, reordering; 12 messages)", () => {
    const r = run({ network: "set", maxInFlight: 12 })
    expect(r.outcome).toBe("ok")
  })

  it.runIf(deep)("deep: multiset, 3 in flight, a crash and a lost message (about 6.1M states, 2 min)", () => {
    const r = run({ network: "multiset", maxInFlight: 3, crashes: 1, drops: 1 })
    expect(r.outcome).toBe("ok")
  }, 600_000)

  it.runIf(deep)("deep: multiset, 4 in flight", () => {
    const r = run({ network: "multiset", maxInFlight: 4 })
    expect(r.outcome).toBe("ok")
  }, 600_000)

  it.runIf(deep)("deep: rf 2 (W 2, R 1), set network, 14 messages", () => {
    const r = run({ network: "set", maxInFlight: 14, rf: 2 })
    expect(r.outcome).toBe("ok")
  }, 600_000)
})

describe("layout-transition: mutants are caught with a shortest trace", () => {
  it("read-newest (Garage before 1.0): reads switch to the newest version at once", () => {
    const r = run({ network: "multiset", maxInFlight: 3 }, "read-newest")
    expect(r.outcome).toBe("property")
    expect(r.violated).toBe("ReadAfterWrite")
    expect(r.trace!.steps.length).toBeLessThanOrEqual(10)
  })

  it("no-ack-lock: a node acks the new version while a write planned against the old one is in flight", () => {
    const r = run({ network: "multiset", maxInFlight: 4 }, "no-ack-lock")
    expect(r.outcome).toBe("property")
    expect(r.violated).toBe("ReadAfterWrite")
    expect(r.trace!.steps.some((s) => s.action.kind === "deliver" && (s.action.msg as { _tag: string })._tag === "Write")).toBe(true)
  })

  it("sync-no-index-wait (Garage §3.8 gap): the sync pushes a Merkle index that lags an acknowledged write", () => {
    const r = run({ network: "multiset", maxInFlight: 3 }, "sync-no-index-wait")
    expect(r.outcome).toBe("property")
    expect(r.violated).toBe("ReadAfterWrite")
  })

  it("retire-on-quorum: a version retired while a node of the current version still reads from it", () => {
    const r = run({ network: "multiset", maxInFlight: 3 }, "retire-on-quorum")
    expect(r.outcome).toBe("invariant")
    expect(r.violated).toBe("RetiredNotRead")
  })

  it("retire-on-quorum also breaks ReadAfterWrite for clients (state invariant switched off)", () => {
    const r = run({ network: "multiset", maxInFlight: 4 }, "retire-on-quorum", true)
    expect(r.outcome).toBe("property")
    expect(r.violated).toBe("ReadAfterWrite")
  })
})
