// Exhaustive bounded checks of the name registry reducer (CASPaxos per name): correct
// configurations pass every invariant, each reachability witness is reachable (so the bound
// is not vacuous), and each of the three mutants is caught with a shortest trace.
import { describe, expect, it } from "vitest"
import { explore } from "../../src/check/explore.ts"
import { formatReport } from "../../src/check/report.ts"
import {
  nameCiBounds,
  type NameRegistryBounds,
  nameRegistryModel,
  registryMutants,
  type Votes,
} from "../../src/check/models/name-registry.ts"
import type { ClusterModel } from "../../src/check/cluster-model.ts"
import type { NameRegistry } from "../../src/core/consensus/name-registry.ts"

const deep = process.env.POLLEN_DEEP === "1"
const quiet = { crashes: 0, drops: 0, duplicates: 0, partitions: 0 }

const configs: Array<[string, Partial<NameRegistryBounds>]> = [
  ["2 proposers race, claim/claim/release, rounds 1..2", { ...quiet, script: "claim-release", rounds: 2 }],
  ["3 proposers race one name, round 1", { ...quiet, script: "claim", proposers: 3, rounds: 1 }],
  ["crash-restart of any node (proposer resumes its intent)", { ...quiet, script: "claim-release", rounds: 2, crashes: 1 }],
  ["message loss and duplication", { ...quiet, script: "claim", rounds: 1, drops: 1, duplicates: 1 }],
  ["retransmission and client deadlines (Unavailable)", { ...quiet, script: "claim", rounds: 1, retransmit: true, deadline: true }],
  ["decided intents beyond 1 forgotten (Forget), crash-restart", { ...quiet, script: "claim-release", rounds: 2, crashes: 1, keepDecided: 1 }],
]

// Deeper bounds for `npm run check:deep` (sizes measured on the 2-core machine, one run each).
const deepConfigs: Array<[string, Partial<NameRegistryBounds>]> = [
  // 1,369,871 distinct, depth 42, ~55 s
  ["deep: claim/claim/release, rounds 1..2, 5 in flight", { ...quiet, script: "claim-release", rounds: 2, maxInFlight: 5 }],
  // 1,537,759 distinct, depth 32, ~50 s
  ["deep: crash + loss + duplication, round 1", { ...quiet, script: "claim", rounds: 1, crashes: 1, drops: 1, duplicates: 1 }],
  // 447,151 distinct, depth 47, ~20 s
  ["deep: 3 proposers, round 1, crash", { ...quiet, script: "claim", proposers: 3, rounds: 1, crashes: 1 }],
  // 83,970 distinct, depth 44, ~5 s
  ["deep: proposers on voters, partition, claim/claim/release", { ...quiet, script: "claim-release", colocated: true, rounds: 2, partitions: 1 }],
]

const model = (b: Partial<NameRegistryBounds>) => nameRegistryModel({ ...nameCiBounds, ...b })

/** The model with one extra invariant "no node has decided `k` operations", which must fail. */
const witness = (m: ClusterModel<NameRegistry, Votes>, k: number): ClusterModel<NameRegistry, Votes> => ({
  ...m,
  invariants: [
    ...m.invariants,
    {
      name: `NoNodeDecided${k}`,
      holds: (v) => !v.nodes.some((n) => n.state !== undefined && Object.values(n.state.ops).filter((p) => p.phase === "done").length >= k),
    },
  ],
})

describe("name registry: exhaustive bounded checks", () => {
  for (const [title, b] of deep ? [...configs, ...deepConfigs] : configs) {
    it(`${title}: all invariants hold`, () => {
      const m = model(b)
      const r = explore(m)
      console.log(`[name-registry] ${title}: ${r.outcome}, ${r.distinct} distinct, ${r.generated} generated, depth ${r.depth}, ${r.seconds.toFixed(1)}s`)
      if (r.outcome !== "ok") console.log(formatReport(r, m.describe as never))
      expect(r.outcome).toBe("ok")
      // Not vacuous: some proposer reaches a decision within the same bound.
      const w = explore(witness(m, 1))
      expect(w.outcome).toBe("invariant")
      expect(w.violated).toBe("NoNodeDecided1")
    })
  }

  it("claim then release at one proposer is reachable (both decided) within the CI bound", () => {
    const w = explore(witness(model({ ...quiet, script: "claim-release", rounds: 2 }), 2))
    expect(w.outcome).toBe("invariant")
  })
})

describe("name registry: mutants are caught with a shortest trace", () => {
  const cases: Array<[string, Partial<NameRegistryBounds>, string]> = [
    ["skip-phase1", { ...quiet, script: "claim", rounds: 1 }, "Agreement"],
    ["amnesia", { ...quiet, script: "claim", rounds: 1, crashes: 1 }, "Agreement"],
    ["non-max-adopt", { ...quiet, script: "claim", rounds: 1, maxInFlight: 6 }, "Agreement"],
  ]
  for (const [mutant, b, invariant] of cases) {
    it(`${mutant} violates ${invariant}`, () => {
      const m = nameRegistryModel({ ...nameCiBounds, ...b }, registryMutants[mutant], `name-registry/${mutant}`)
      const r = explore(m)
      console.log(`[name-registry/${mutant}]\n${formatReport(r, m.describe as never)}`)
      expect(r.outcome).toBe("invariant")
      expect(r.violated).toBe(invariant)
      expect(r.trace).toBeDefined()
      expect(r.trace!.steps.length).toBe(r.depth - 1)
    })
  }
})
