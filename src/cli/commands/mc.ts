// `pollen mc <model> [--<bound>=<value> ...] [--mutant=<name>] [--dump-trace=<file>]`:
// explores a protocol's cluster model and prints the TLC-shaped report.
import { readFileSync, writeFileSync } from "node:fs"
import { explore } from "../../check/explore.ts"
import { models } from "../../check/models/index.ts"
import { checkRefinement, formatRefinementFailure } from "../../check/refinement.ts"
import { formatReport } from "../../check/report.ts"
import { replayTrace, traceToJson, traceToMermaid, traceToStepList } from "../../check/trace.ts"

const help = (): string =>
  [
    "usage: pollen mc <model> [--<bound>=<value> ...] [--mutant=<name>] [--max-distinct=<n>] [--dump-trace=<file.json>]",
    "       pollen mc <model> [--<bound>=<value> ...] [--mutant=<name>] --replay=<file.json>   re-execute a dumped trace",
    "       pollen mc <model> [--<bound>=<value> ...] [--mutant=<name>] [--max-distinct=<n>] --refine   check refinement of the protocol's TLA+ spec",
    "",
    ...Object.entries(models).flatMap(([name, m]) => [
      `  ${name}: ${m.summary}`,
      `    bounds (CI defaults): ${Object.entries(m.defaults)
        .map(([k, v]) => `--${k}=${v}`)
        .join(" ")}`,
      `    mutants: ${m.mutants.join(", ")}`,
    ]),
    "",
    "Exit codes: 0 no error, 11 deadlock, 12 invariant or history property violated (or, with --refine, a step that does not refine the spec), 2 usage.",
  ].join("\n")

export const parseValue = (text: string, like: number | boolean | string): number | boolean | string => {
  if (typeof like === "number") {
    const v = Number(text)
    if (!Number.isInteger(v) || v < 0) throw new Error(`expected a non-negative integer, got '${text}'`)
    return v
  }
  if (typeof like === "boolean") {
    if (text === "" || text === "true") return true
    if (text === "false") return false
    throw new Error(`expected true or false, got '${text}'`)
  }
  return text
}

export const run = async (args: readonly string[]): Promise<number> => {
  const [name, ...rest] = args
  if (name === undefined || name === "--help" || name === "-h") {
    console.log(help())
    return name === undefined ? 2 : 0
  }
  const entry = models[name]
  if (entry === undefined) {
    console.error(`pollen mc: unknown model '${name}'. Models: ${Object.keys(models).join(", ")}`)
    return 2
  }
  const bounds: Record<string, number | boolean | string> = {}
  let mutant: string | undefined
  let dumpTrace: string | undefined
  let maxDistinct: number | undefined
  let replay: string | undefined
  let refine = false
  for (const arg of rest) {
    const m = /^--([a-zA-Z-]+)(?:=(.*))?$/.exec(arg)
    if (m === null) {
      console.error(`pollen mc: unexpected argument '${arg}'\n${help()}`)
      return 2
    }
    const key = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    const value = m[2] ?? ""
    try {
      if (key === "mutant") mutant = value
      else if (key === "dumpTrace") dumpTrace = value
      else if (key === "replay") replay = value
      else if (key === "refine") refine = parseValue(value, true) as boolean
      else if (key === "maxDistinct") maxDistinct = parseValue(value, 0) as number
      else if (key in entry.defaults) bounds[key] = parseValue(value, entry.defaults[key]!)
      else throw new Error(`unknown option --${m[1]}`)
    } catch (e) {
      console.error(`pollen mc: ${m[1]}: ${(e as Error).message}`)
      return 2
    }
  }
  let model
  try {
    model = entry.build(bounds, mutant)
  } catch (e) {
    console.error(`pollen mc: ${(e as Error).message}`)
    return 2
  }
  if (replay !== undefined) {
    try {
      const trace = replayTrace(model, readFileSync(replay, "utf8"))
      console.log(traceToStepList(trace, model.describe as never))
      console.log("```mermaid\n" + traceToMermaid(trace, model.describe as never) + "\n```")
      console.log(`Replayed ${trace.steps.length} steps of ${replay}: every action and state matches.`)
      return 0
    } catch (e) {
      console.error(`pollen mc: ${replay}: ${(e as Error).message}`)
      return 1
    }
  }
  if (refine) {
    if (entry.refinement === undefined) {
      console.error(`pollen mc: model '${name}' has no refinement mapping`)
      return 2
    }
    let r
    try {
      r = entry.refinement(bounds, mutant)
    } catch (e) {
      console.error(`pollen mc: ${(e as Error).message}`)
      return 2
    }
    console.log(`Pollen refinement check: ${r.model.name} against ${r.spec.root.module.name}; breadth-first, 1 worker`)
    const result = checkRefinement(r, maxDistinct === undefined ? {} : { maxDistinct })
    const { failure, ...figures } = result
    console.log(
      `${figures.distinct.toLocaleString("en-US")} distinct states, ${figures.transitions.toLocaleString("en-US")} transitions (${figures.stutters.toLocaleString("en-US")} stuttering), ${figures.abstractStates.toLocaleString("en-US")} abstract states, ${figures.abstractSteps.toLocaleString("en-US")} abstract steps checked against Next, depth ${figures.depth}, ${figures.seconds.toFixed(1)} s: ${figures.outcome}`,
    )
    if (failure !== undefined) {
      console.log(formatRefinementFailure(failure))
      console.log(traceToStepList(failure.trace, model.describe as never))
      return 12
    }
    return 0
  }
  const settings = { ...entry.defaults, ...bounds }
  console.log(
    `Pollen model checker: ${model.name} with ${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}; breadth-first, 1 worker`,
  )
  const result = explore(model, {
    progressEveryMs: 10_000,
    log: (line) => console.log(line),
    ...(maxDistinct === undefined ? {} : { maxDistinct }),
  })
  console.log(formatReport(result, model.describe as never))
  if (dumpTrace !== undefined && result.trace !== undefined) {
    writeFileSync(dumpTrace, traceToJson(result.trace))
    console.log(`Trace written to ${dumpTrace}`)
  }
  return result.outcome === "deadlock" ? 11 : result.outcome === "invariant" || result.outcome === "property" ? 12 : 0
}
