// `pollen tla check <Spec.tla> [--config F] [--workers N] [--dump-trace F] [--lib DIR]...`
// `pollen tla parse <Spec.tla>`
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs"
import { availableParallelism } from "node:os"
import { basename, dirname, join } from "node:path"
import { parseArgs } from "node:util"
import { parseConfig } from "../../tla/cfg.ts"
import { type CheckOptions, type CheckResult, Checker } from "../../tla/checker.ts"
import { TlaError } from "../../tla/errors.ts"
import { buildModel } from "../../tla/model.ts"
import { checkParallel } from "../../tla/parallel.ts"
import { parseModule } from "../../tla/parser.ts"
import { exitCode, formatResult, formatSimulation, formatState, traceToJson } from "../../tla/report.ts"
import { type SimulationResult, simulate } from "../../tla/simulate.ts"

const usage = `usage:
  pollen tla check <Spec.tla> [--config <file.cfg>] [--workers N|auto] [--no-deadlock] [--dump-trace <file.json>]
                   [--dump-states <file> | --dump-dot <file.dot> [--action-labels]] [--lib <dir>]...
  pollen tla check <Spec.tla> --simulate [--traces N] [--depth D] [--seed S] [--config ...] [--lib ...]
  pollen tla parse <Spec.tla>

TLC's own flags are accepted too: -config F, -workers N|auto, -deadlock (no deadlock
checking), -dumpTrace json F, -dump F, -dump dot[,actionlabels,...] F, -simulate [num=N],
-depth D, -seed S; -lncheck, -cleanup, -nowarning, -noGenerateSpecTE, -coverage,
-fp, -metadir, -checkpoint and -modelcheck are accepted and ignored. The spec may be
named without its .tla extension.

Exit codes as TLC's: 0 ok, 10 assumption false, 11 deadlock, 12 safety violation, 13 liveness violation,
150 parse or semantic error (as SANY's), 1 other.`

const errorExit = (e: unknown): number => {
  if (e instanceof TlaError) {
    console.error(e.format())
    // SANY's semantic errors (an operator applied to the wrong number of arguments, an unknown
    // name or module) are TLC's ERROR_SPEC_PARSE too (ETest2)
    return e.kind === "parse" || e.kind === "semantic" ? 150 : 1
  }
  console.error(`pollen tla: ${e instanceof Error ? e.message : String(e)}`)
  return 1
}

/** TLC's -dump: every distinct state as text, or the state graph in DOT (node ids are fingerprints). */
const graphDump = (
  varNames: readonly string[],
  opts: { "dump-states"?: string; "dump-dot"?: string; "action-labels"?: boolean },
): { writer: NonNullable<CheckOptions["onGraph"]>; close(): void } | undefined => {
  const file = opts["dump-dot"] ?? opts["dump-states"]
  if (file === undefined) return undefined
  const fd = openSync(file, "w")
  let buffered: string[] = []
  let size = 0
  const write = (text: string): void => {
    buffered.push(text)
    size += text.length
    if (size > 1 << 20) flush()
  }
  const flush = (): void => {
    writeSync(fd, buffered.join(""))
    buffered = []
    size = 0
  }
  if (opts["dump-dot"] === undefined) {
    let n = 0
    return {
      writer: { state: (_fp, s) => write(`State ${++n}:\n${formatState(varNames, s)}\n\n`), transition: () => {} },
      close: () => {
        flush()
        closeSync(fd)
      },
    }
  }
  const quote = (text: string): string => JSON.stringify(text)
  const labels = opts["action-labels"] === true
  write('strict digraph DiskGraph {\nnodesep=0.35\nsubgraph cluster_graph {\ncolor="white"\n')
  return {
    writer: {
      state: (fp, s, initial) => write(`${fp} [label=${quote(formatState(varNames, s))}${initial ? ",style = filled" : ""}]\n`),
      transition: (from, to, label) => write(`${from} -> ${to}${labels ? ` [label=${quote(label?.name ?? "Next")}]` : ""};\n`),
    },
    close: () => {
      write("}\n}\n")
      flush()
      closeSync(fd)
    },
  }
}

/** `--simulate`: random behaviours (TLC's -simulate), until --traces or Ctrl-C. */
const runSimulation = async (
  spec: string,
  cfgFile: string,
  opts: { traces?: string; depth?: string; seed?: string; lib?: string[]; "dump-trace"?: string },
  checkDeadlock: boolean | undefined,
): Promise<number> => {
  const positive = (v: string | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new TlaError("io", `--${name} must be a positive integer`)
    return n
  }
  const traces = positive(opts.traces, "traces", Number.POSITIVE_INFINITY)
  const depth = positive(opts.depth, "depth", 100)
  if (opts.seed !== undefined && !/^-?\d{1,20}$/.test(opts.seed)) throw new TlaError("io", "--seed must be an integer")
  const seed = opts.seed === undefined ? BigInt.asIntN(64, BigInt(Date.now()) * 2654435761n) : BigInt(opts.seed)
  const cfg = parseConfig(readFileSync(cfgFile, "utf8"), cfgFile)
  if (checkDeadlock !== undefined) cfg.checkDeadlock = checkDeadlock
  const model = buildModel(spec, cfg, { libDirs: opts.lib ?? [] })
  for (const w of model.warnings) console.log(`Warning: ${w}`)
  if (model.liveness !== null) console.log("Warning: temporal properties are not checked in simulation")
  console.log(`Running Random Simulation with seed ${seed} with 1 worker.`)
  let stop = false
  const onInt = (): void => {
    stop = true
  }
  process.once("SIGINT", onInt)
  const checker = new Checker(model)
  let r: SimulationResult
  try {
    r = await simulate(checker, {
      traces,
      depth,
      seed,
      shouldStop: () => stop,
      onProgress: (p) => console.log(`Progress: ${p.states.toLocaleString("en-US")} states checked, ${p.traces.toLocaleString("en-US")} traces generated at ${p.seconds.toFixed(0)}s.`),
    })
  } finally {
    process.off("SIGINT", onInt)
  }
  console.log(formatSimulation(model.varNames, r, seed, (trace) => checker.traceRows(trace)))
  const o = r.outcome
  if (opts["dump-trace"] !== undefined && o.kind !== "ok" && o.kind !== "assumption") writeFileSync(opts["dump-trace"], JSON.stringify(traceToJson(model.varNames, o.trace)) + "\n")
  return exitCode(r)
}

const progress = (p: { generated: number; distinct: number; depth: number; queue: number; seconds: number }): void =>
  console.log(
    `Progress(${p.depth}) at ${p.seconds.toFixed(0)}s: ${p.generated.toLocaleString("en-US")} states generated (${Math.round((p.generated / Math.max(p.seconds, 0.001)) * 60).toLocaleString("en-US")} s/min), ${p.distinct.toLocaleString("en-US")} distinct states found (${Math.round((p.distinct / Math.max(p.seconds, 0.001)) * 60).toLocaleString("en-US")} ds/min), ${p.queue.toLocaleString("en-US")} states left on queue.`,
  )

const check = async (
  specArg: string,
  opts: {
    config?: string
    workers?: string
    "dump-trace"?: string
    lib?: string[]
    "no-deadlock"?: boolean
    "dump-states"?: string
    "dump-dot"?: string
    "action-labels"?: boolean
    simulate?: boolean
    traces?: string
    depth?: string
    seed?: string
  },
): Promise<number> => {
  // as TLC: `Spec` names Spec.tla
  const spec = !existsSync(specArg) && !specArg.endsWith(".tla") && existsSync(`${specArg}.tla`) ? `${specArg}.tla` : specArg
  const cfgFile = opts.config ?? join(dirname(spec), `${basename(spec, ".tla")}.cfg`)
  if (!existsSync(spec)) throw new TlaError("io", `no such file: ${spec}`)
  if (!existsSync(cfgFile)) throw new TlaError("io", `no such model config: ${cfgFile} (give one with --config)`)
  const workers = opts.workers === undefined ? 1 : opts.workers === "auto" ? availableParallelism() : Number(opts.workers)
  if (!Number.isInteger(workers) || workers < 1) throw new TlaError("io", `--workers must be a positive integer or auto`)
  const checkDeadlock = opts["no-deadlock"] === true ? false : undefined
  const mode = opts.simulate === true ? "random simulation" : "breadth-first search"
  console.log(`Pollen TLA+ checker: ${mode} of ${spec} with ${cfgFile}, ${workers} worker${workers === 1 ? "" : "s"}.`)
  if (opts.simulate === true) return runSimulation(spec, cfgFile, opts, checkDeadlock)
  const dumping = opts["dump-states"] !== undefined || opts["dump-dot"] !== undefined
  if (workers > 1 && !dumping) {
    const r = await checkParallel({ spec, config: cfgFile, libDirs: opts.lib ?? [], workers, onProgress: progress, ...(checkDeadlock === undefined ? {} : { checkDeadlock }) })
    if (r !== null) {
      console.log(formatResult([], r))
      return exitCode(r)
    }
    console.log("A violation, deadlock or error was found, or temporal properties are to be checked; running with one worker.")
  }
  const cfg = parseConfig(readFileSync(cfgFile, "utf8"), cfgFile)
  if (checkDeadlock !== undefined) cfg.checkDeadlock = checkDeadlock
  const model = buildModel(spec, cfg, { libDirs: opts.lib ?? [] })
  for (const w of model.warnings) console.log(`Warning: ${w}`)
  console.log("Computing initial states...")
  const dump = graphDump(model.varNames, opts)
  const checker = new Checker(model, {
    ...(dump === undefined ? {} : { onGraph: dump.writer }),
    onInitialStates: (n) => console.log(`Finished computing initial states: ${n.toLocaleString("en-US")} distinct state${n === 1 ? "" : "s"} generated.`),
    onProgress: progress,
    onWarning: (w) => console.log(`Warning: ${w}`),
    onCheckingLiveness: (n) => console.log(`Checking temporal properties for the complete state space with ${n.toLocaleString("en-US")} total distinct states`),
  })
  let r: CheckResult
  try {
    r = checker.run()
  } finally {
    dump?.close()
  }
  console.log(formatResult(model.varNames, r, (trace) => checker.traceRows(trace)))
  // a verdict that left parts of the model unchecked must say so where it is read
  for (const w of model.warnings) if (w.includes("not checked")) console.log(`Warning: ${w}`)
  const o = r.outcome
  if (opts["dump-trace"] !== undefined && (o.kind === "invariant" || o.kind === "deadlock" || o.kind === "property" || o.kind === "liveness" || o.kind === "error"))
    writeFileSync(opts["dump-trace"], JSON.stringify(traceToJson(model.varNames, o.trace)) + "\n")
  return exitCode(r)
}

/** TLC's single-dash flags as this command's own (null: accepted and ignored, with its argument count). */
const tlcFlags: Record<string, { as: string | null; args: number }> = {
  "-config": { as: "--config", args: 1 },
  "-workers": { as: "--workers", args: 1 },
  "-deadlock": { as: "--no-deadlock", args: 0 },
  "-lncheck": { as: null, args: 1 },
  "-cleanup": { as: null, args: 0 },
  "-nowarning": { as: null, args: 0 },
  "-noGenerateSpecTE": { as: null, args: 0 },
  "-coverage": { as: null, args: 1 },
  "-fp": { as: null, args: 1 },
  "-seed": { as: "--seed", args: 1 },
  "-depth": { as: "--depth", args: 1 },
  "-metadir": { as: null, args: 1 },
  "-checkpoint": { as: null, args: 1 },
  "-modelcheck": { as: null, args: 0 },
}

const fromTlcFlags = (args: readonly string[]): string[] => {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "-simulate") {
      out.push("--simulate")
      // -simulate [num=N][,file=F]: the number of behaviours, when given
      const arg = args[i + 1]
      if (arg !== undefined && /^(num|file|stats)=/.test(arg)) {
        const num = /(?:^|,)num=(\d+)/.exec(arg)?.[1]
        if (num !== undefined) out.push("--traces", num)
        i += 1
      }
      continue
    }
    if (a === "-dump") {
      // -dump F (every state) or -dump dot[,actionlabels][,colorize][,snapshot] F
      const next = args[i + 1] ?? ""
      if (next === "dot" || next.startsWith("dot,")) {
        out.push("--dump-dot", args[i + 2] ?? "")
        if (next.split(",").includes("actionlabels")) out.push("--action-labels")
        i += 2
      } else {
        out.push("--dump-states", next)
        i += 1
      }
      continue
    }
    if (a === "-dumpTrace") {
      const format = args[i + 1]
      if (format !== "json") throw new TlaError("io", `-dumpTrace ${format ?? ""}: only the json format is supported`)
      out.push("--dump-trace", args[i + 2] ?? "")
      i += 2
      continue
    }
    const f = Object.hasOwn(tlcFlags, a) ? tlcFlags[a] : undefined
    if (f === undefined) {
      out.push(a)
      continue
    }
    // --name=value, so that a value such as a negative seed is not read as an option
    if (f.as !== null) out.push(f.args === 1 ? `${f.as}=${args[i + 1] ?? ""}` : f.as)
    i += f.args
  }
  return out
}

export const run = async (args: readonly string[]): Promise<number> => {
  let parsed
  try {
    parsed = parseArgs({
      args: fromTlcFlags(args),
      allowPositionals: true,
      options: {
        config: { type: "string" },
        workers: { type: "string" },
        "dump-trace": { type: "string" },
        "no-deadlock": { type: "boolean" },
        "dump-states": { type: "string" },
        "dump-dot": { type: "string" },
        "action-labels": { type: "boolean" },
        simulate: { type: "boolean" },
        traces: { type: "string" },
        depth: { type: "string" },
        seed: { type: "string" },
        lib: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    })
  } catch (e) {
    console.error(`pollen tla: ${e instanceof Error ? e.message : String(e)}\n${usage}`)
    return 1
  }
  const [sub, spec] = parsed.positionals
  if (parsed.values.help === true) {
    console.log(usage)
    return 0
  }
  if (sub === undefined || spec === undefined || (sub !== "check" && sub !== "parse")) {
    console.error(usage)
    return 1
  }
  try {
    if (sub === "parse") {
      const m = parseModule(readFileSync(spec, "utf8"), spec)
      console.log(`Parsed module ${m.name}: ${m.units.filter((u) => u !== null).length} units, EXTENDS ${m.extends.join(", ") || "(none)"}.`)
      return 0
    }
    return await check(spec, parsed.values)
  } catch (e) {
    return errorExit(e)
  }
}
