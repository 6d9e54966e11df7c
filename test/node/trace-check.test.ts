// Trace validation on a real run (DESIGN §4.3): three real nodes (LMDB, authenticated RPC,
// wall-clock timers) run the layout-transition reducer through a layout change v1 → v2
// with a write and reads, each logging its reducer inputs; the logs are replayed against
// spec/LayoutTransition.tla. A restart, edited logs and a mutant reducer are caught.
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  layoutAbs,
  layoutCiBounds,
  layoutRefinementModel,
  layoutSpecConstants,
  layoutTransitionMutants,
  type LayoutTransitionBounds,
} from "../../src/check/models/layout-transition.ts"
import { readTraceLog, traceLogger } from "../../src/check/trace-log.ts"
import { validateTrace } from "../../src/check/trace-validation.ts"
import { correctTransition, type LayoutTransition, makeTransitionNode, type TransitionVariant } from "../../src/core/layout/transition-node.ts"
import { generateIdentity } from "../../src/node/identity.ts"
import { type PeerAddress, ReducerNode } from "../../src/node/reducer-node.ts"
import { loadSpec } from "../../src/tla/api.ts"
import { freePort } from "../support/net.ts"

const root = mkdtempSync(join(tmpdir(), "pollen-trace-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const ids = ["n0", "n1", "n2"]
const bounds: LayoutTransitionBounds = { ...layoutCiBounds, scenario: "transition", crashes: 1 }
const specFile = new URL("../../spec/LayoutTransition.tla", import.meta.url).pathname


/** Runs the scenario "transition" of the model on real nodes; returns the log files. */
const realRun = async (name: string, variant: TransitionVariant, restart: boolean): Promise<string[]> => {
  const dir = join(root, name)
  const secret = randomBytes(32)
  const ports = await Promise.all(ids.map(() => freePort()))
  const peers = new Map<string, PeerAddress>(ids.map((id, i) => [id, { host: "127.0.0.1", port: ports[i]! }]))
  const model = layoutRefinementModel(bounds)
  const logFiles = ids.map((id) => join(root, `${name}-${id}.jsonl`))
  const loggers = ids.map((id, i) => traceLogger(id, logFiles[i]!))
  const make = (i: number) =>
    new ReducerNode<LayoutTransition>({
      machine: makeTransitionNode(variant),
      self: ids[i]!,
      params: model.params(ids[i]!),
      identity: generateIdentity(),
      secret,
      metadataDir: join(dir, ids[i]!),
      rpcPort: ports[i]!,
      peers,
      log: () => {},
      onStep: loggers[i]!,
    })
  const nodes = ids.map((_, i) => make(i))
  await Promise.all(nodes.map((n) => n.start()))
  // Client 1 at n2 writes x; the operator (client 0) at n0 applies v2.
  expect((await nodes[2]!.request({ _tag: "Put", key: "x", value: "a" }, "c1.0"))._tag).toBe("Written")
  expect((await nodes[0]!.request({ _tag: "Apply", version: 2 }, "c0.0"))._tag).toBe("Applied")
  if (restart) {
    await nodes[1]!.stop()
    nodes[1] = make(1)
    await nodes[1].start()
  }
  // Client 1 reads x again at n2; client 2 reads it at n1.
  const reads = await Promise.all([nodes[2]!.request({ _tag: "Get", key: "x" }, "c1.1"), nodes[1]!.request({ _tag: "Get", key: "x" }, "c2.0")])
  for (const r of reads) expect(r).toMatchObject({ _tag: "Value", entry: { value: "a" } })
  await new Promise((r) => setTimeout(r, 200)) // let the sync and tracker gossip run
  await Promise.all(nodes.map((n) => n.stop()))
  return logFiles
}

const linesOf = (files: readonly string[]) => files.flatMap(readTraceLog)
const refinementFor = (variant?: string) => ({
  model: layoutRefinementModel(bounds, variant === undefined ? correctTransition : layoutTransitionMutants[variant]),
  spec: loadSpec(specFile, { constants: layoutSpecConstants(bounds) }),
  abs: layoutAbs(bounds),
})

describe("pollen trace check: a real multi-node layout change against spec/LayoutTransition.tla", () => {
  it("validates the logs of a run with a layout change, a write, reads and a restart", async () => {
    const files = await realRun("ok", correctTransition, true)
    const r = validateTrace(refinementFor(), linesOf(files))
    expect(r.failure).toBeUndefined()
    expect(r.ok).toBe(true)
    expect(r.crashes).toBe(1)
    expect(r.steps - r.stutters).toBeGreaterThan(10)
    // The same through the command line, with the run's configuration as bounds.
    const cli = await import("../../src/cli/commands/trace.ts")
    expect(await cli.run(["check", "--model", "layout-transition", "--scenario=transition", "--crashes=1", ...files])).toBe(0)
    expect(await cli.run(["check", "--model", "layout-transition", "--scenario=transition", "--crashes=1", "--mutant=read-newest", ...files])).toBe(12)
  }, 60_000)

  it("rejects edited logs: a changed state digest, and a received message nobody sent", async () => {
    const files = await realRun("edited", correctTransition, false)
    const lines = linesOf(files)
    const k = lines.findIndex((l, i) => i > 3 && (l.input as { _tag: string })._tag === "Recv")
    const digest = lines.map((l, i) => (i === k ? { ...l, state: "0".repeat(24) } : l))
    expect(validateTrace(refinementFor(), digest).failure?.message).toMatch(/replayed state differs/)
    const forged = lines.map((l, i) => (i === k ? { ...l, input: { ...(l.input as object), from: l.node === "n0" ? "n1" : "n0" } } : l))
    expect(validateTrace(refinementFor(), forged).failure?.message).toMatch(/no logged step sent|not in flight/)
    // Lost lines are named as such.
    writeFileSync(files[0]!, readFileSync(files[0]!, "utf8").split("\n").filter((_, i) => i !== 2).join("\n"))
    expect(validateTrace(refinementFor(), linesOf(files)).failure?.message).toMatch(/lines lost/)
  }, 60_000)

  it("rejects a real run of the read-newest mutant (Garage before 1.0): its Apply is not a step of the spec", async () => {
    const files = await realRun("mutant", layoutTransitionMutants["read-newest"]!, false)
    const r = validateTrace(refinementFor("read-newest"), linesOf(files))
    expect(r.ok).toBe(false)
    expect(r.failure?.message).toMatch(/is not a step of Next/)
  }, 60_000)
})
