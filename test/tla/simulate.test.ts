// TLC's -simulate: random behaviours from a seed. A violation's behaviour is a real one (each
// step a successor of the one before), the same seed gives the same run, and deadlocks and
// the behaviour count and depth bounds hold.
import { spawn, spawnSync } from "node:child_process"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { loadModel } from "../../src/tla/api.ts"
import { Checker } from "../../src/tla/checker.ts"
import { simulate } from "../../src/tla/simulate.ts"
import { successorsOf } from "./helpers/successors.ts"

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const examples = resolve(repoRoot, "../shared/tla-examples")
const dieHard = join(examples, "DieHard/DieHard.tla")

const run = async (spec: string, seed: bigint, traces: number, depth: number, config?: string) => {
  const model = loadModel(spec, config === undefined ? {} : { config })
  const checker = new Checker(model)
  return { checker, r: await simulate(checker, { traces, depth, seed }) }
}

describe("simulation", () => {
  it("finds DieHard's violation on a real behaviour, and the same seed finds the same one", async () => {
    const { checker, r } = await run(dieHard, 7n, 10_000, 30)
    expect(r.outcome.kind).toBe("invariant")
    if (r.outcome.kind !== "invariant") return
    const trace = r.outcome.trace
    expect(trace.at(-1)!.state).toEqual([4, 3])
    // each state is a successor of the one before (the first an initial state)
    const inits: string[] = []
    checker.initialStates((s) => inits.push(JSON.stringify(s)))
    expect(inits).toContain(JSON.stringify(trace[0]!.state))
    for (let i = 1; i < trace.length; i++) expect(successorsOf(checker, trace[i - 1]!.state)).toContain(JSON.stringify(trace[i]!.state))
    expect(trace.length).toBeLessThanOrEqual(30)
    expect(r.depth).toBeGreaterThanOrEqual(trace.length)
    const again = (await run(dieHard, 7n, 10_000, 30)).r
    expect(again.outcome).toEqual(r.outcome)
    expect([again.generated, again.traces]).toEqual([r.generated, r.traces])
    const other = (await run(dieHard, 8n, 10_000, 30)).r
    expect(other.generated).not.toBe(r.generated)
  })

  it("stops after the number of behaviours asked for, none longer than the depth", async () => {
    const spec = join(examples, "transaction_commit/TCommit.tla")
    const { r } = await run(spec, 1n, 50, 4)
    expect(r.outcome.kind).toBe("ok")
    expect(r.traces).toBe(50)
    expect(r.depth).toBeLessThanOrEqual(4)
  })

  it("reports a deadlock when deadlock is checked", async () => {
    const { r } = await run(join(examples, "transaction_commit/TCommit.tla"), 3n, 1000, 100, join(examples, "transaction_commit/TCommit_deadlock.cfg"))
    expect(r.outcome.kind).toBe("deadlock")
  })

  it("the CLI takes TLC's -simulate num=N -depth D -seed S and exits 12 on a violation", () => {
    const out = spawnSync(process.execPath, [join(repoRoot, "bin/pollen"), "tla", "check", dieHard, "-simulate", "num=10000", "-depth", "30", "-seed", "7"], { encoding: "utf8" })
    expect(out.status).toBe(12)
    expect(out.stdout).toContain("Running Random Simulation with seed 7 with 1 worker.")
    expect(out.stdout).toContain("Error: Invariant NotSolved is violated.")
    expect(out.stdout).toContain("Simulation using seed 7")
  }, 60_000)

  it("Ctrl-C stops an unbounded simulation with its report", async () => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/pollen"), "tla", "check", join(examples, "transaction_commit/TCommit.tla"), "-simulate"], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
    })
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    child.kill("SIGINT")
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    expect(code).toBe(0)
    expect(out).toMatch(/Progress: [\d,]+ states checked, [\d,]+ traces generated/)
  }, 60_000)
})
