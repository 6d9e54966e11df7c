// The BFS queue that keeps waiting states as bytes past a bound: states come back equal,
// in order, with their ids and levels, lazy values stay objects, and a checker that
// encodes every waiting state gives TLC's figures and traces as before.
import { join, resolve, dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"
import { StateQueue } from "../../src/tla/state-queue.ts"
import { compare, FcnValue, IntervalSet, mkSet, mkTuple, modelValue, type Value } from "../../src/tla/values.ts"

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/tla-examples")

describe("state queue", () => {
  it("returns equal states in order with their ids and levels, whether kept as objects or bytes", () => {
    const rec = new FcnValue(["a", "b"], [1, mkSet(["x", modelValue("m1")])])
    const states: Value[][] = [
      [1, "s", true],
      [mkSet([1, 2, 3]), mkTuple([rec, -7, false]), modelValue("m2")],
      [new IntervalSet(1, 1_000_000), 3, "lazy"], // a lazy set: kept as an object
      [mkSet([]), mkTuple([]), ""],
    ]
    for (const inMemory of [0, 2, Infinity]) {
      const q = new StateQueue(inMemory)
      states.forEach((s, i) => q.push(s, 10 + i, i + 1))
      expect(q.length).toBe(states.length)
      states.forEach((s, i) => {
        const got = q.shift()
        expect([got.id, got.level]).toEqual([10 + i, i + 1])
        expect(got.state.length).toBe(s.length)
        got.state.forEach((v, j) => expect(compare(v, s[j]!)).toBe(0))
      })
      expect(q.length).toBe(0)
    }
  })

  it("a checker that keeps every waiting state as bytes reproduces TLC's figures and traces", () => {
    const libDirs = [join(examples, "_lib/tlapm"), join(examples, "_lib/community")]
    for (const [tla, cfg] of <Array<[string, string]>>[
      ["Chameneos/Chameneos.tla", "Chameneos/Chameneos.cfg"],
      ["Paxos/MCVoting.tla", "Paxos/MCVoting.cfg"], // symmetry
      ["DieHard/DieHard.tla", "DieHard/DieHard.cfg"], // an invariant violation and its trace
      ["transaction_commit/TCommit.tla", "transaction_commit/TCommit_deadlock.cfg"],
    ]) {
      const run = (queueStatesInMemory?: number) => {
        const r = checkSpec(join(examples, tla), { config: join(examples, cfg), libDirs, ...(queueStatesInMemory === undefined ? {} : { queueStatesInMemory }) })
        const trace = "trace" in r.outcome ? r.outcome.trace.length : 0
        return { outcome: r.outcome.kind, generated: r.generated, distinct: r.distinct, depth: r.depth, trace }
      }
      expect(run(0)).toEqual(run())
    }
  })
})
