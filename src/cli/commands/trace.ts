// `pollen trace check --model <model> [--<bound>=<value> ...] <node.jsonl> ...`: replays the
// reducer logs of a real multi-node run against the protocol's TLA+ spec (DESIGN §4.3).
// The bounds describe the run's configuration (nodes, versions, rf, …) as for `pollen mc`.
import { parseArgs } from "node:util"
import { models } from "../../check/models/index.ts"
import { readTraceLog } from "../../check/trace-log.ts"
import { validateTrace } from "../../check/trace-validation.ts"
import { parseValue } from "./mc.ts"

const usage = "usage: pollen trace check --model <model> [--<bound>=<value> ...] [--mutant=<name>] <node-log.jsonl> ..."

export const run = async (args: readonly string[]): Promise<number> => {
  const [sub, ...rest] = args
  if (sub !== "check") {
    console.error(usage)
    return sub === "--help" || sub === "-h" ? 0 : 2
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: [...rest], allowPositionals: true, strict: false, options: { model: { type: "string" }, mutant: { type: "string" } } })
  } catch (e) {
    console.error(`pollen trace check: ${(e as Error).message}\n${usage}`)
    return 2
  }
  const { model: name, mutant, ...boundArgs } = parsed.values
  const entry = typeof name === "string" ? models[name] : undefined
  if (entry?.refinement === undefined) {
    const withSpec = Object.entries(models).filter(([, m]) => m.refinement !== undefined).map(([n]) => n)
    console.error(`pollen trace check: --model must name a model with a refinement mapping: ${withSpec.join(", ")}\n${usage}`)
    return 2
  }
  if (parsed.positionals.length === 0) {
    console.error(`pollen trace check: no log files\n${usage}`)
    return 2
  }
  try {
    const bounds: Record<string, number | boolean | string> = {}
    for (const [k, v] of Object.entries(boundArgs)) {
      const like = entry.defaults[k]
      if (like === undefined) throw new Error(`unknown bound --${k}; bounds: ${Object.keys(entry.defaults).join(", ")}`)
      bounds[k] = parseValue(v === true ? "" : String(v), like)
    }
    const refinement = entry.refinement(bounds, typeof mutant === "string" ? mutant : undefined)
    const lines = parsed.positionals.flatMap((file) => readTraceLog(file))
    const r = validateTrace(refinement, lines)
    const figures = `${lines.length} lines, ${r.steps} steps (${r.stutters} stuttering), ${r.crashes} crashes, ${r.messagesInFlight} messages left in flight`
    if (r.ok) {
      console.log(`pollen trace check: ${name}: the run is a behaviour of the spec: ${figures}`)
      return 0
    }
    console.log(`pollen trace check: ${name}: NOT a behaviour of the spec after ${figures}`)
    console.log(`  ${r.failure!.message}`)
    if (r.failure!.line !== undefined) console.log(`  at ${JSON.stringify(r.failure!.line).slice(0, 400)}`)
    return 12
  } catch (e) {
    console.error(`pollen trace check: ${(e as Error).message}`)
    return 2
  }
}
