// `--workers N` (experimental): the parallel search merges worker results in queue order, so
// its figures equal the one-worker search; violations are re-run with one worker.
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { checkParallel } from "../../src/tla/parallel.ts"

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/tla-examples")
const libDirs = [join(examples, "_lib/tlapm"), join(examples, "_lib/community")]

describe("parallel search", () => {
  it("gives TLC's figures with 2 workers (TwoPhase, MCVoting with symmetry)", async () => {
    const tp = await checkParallel({ spec: join(examples, "transaction_commit/TwoPhase.tla"), config: join(examples, "transaction_commit/TwoPhase.cfg"), libDirs, workers: 2 })
    expect(tp && [tp.outcome.kind, tp.generated, tp.distinct, tp.depth]).toEqual(["ok", 1146, 288, 11])
    const mv = await checkParallel({ spec: join(examples, "Paxos/MCVoting.tla"), config: join(examples, "Paxos/MCVoting.cfg"), libDirs, workers: 2 })
    expect(mv && [mv.outcome.kind, mv.generated, mv.distinct, mv.depth]).toEqual(["ok", 451, 77, 11])
  }, 120_000)
  it("returns null (re-run sequentially) on a violation", async () => {
    const r = await checkParallel({ spec: join(examples, "DieHard/DieHard.tla"), config: join(examples, "DieHard/DieHard.cfg"), libDirs, workers: 2 })
    expect(r).toBeNull()
  }, 120_000)
})
