// TLC-shaped output: final statistics, error traces state by state, and the `-dumpTrace json` shape.
import type { CheckResult, TraceStep } from "./checker.ts"
import { labelText } from "./runtime.ts"
import type { Value } from "./values.ts"
import { FcnValue, LazyFcn, ModelValue, asFcn, enumerate, isSetValue, printValue } from "./values.ts"

const thousands = (n: number): string => n.toLocaleString("en-US")

export const formatState = (varNames: readonly string[], s: readonly Value[]): string => formatRow(varNames.map((n, i) => [n, s[i]!]))

/** A state (or an ALIAS record) as TLC prints it: `/\\ name = value` lines, or `name = value` alone. */
const formatRow = (row: readonly (readonly [string, Value])[]): string => {
  if (row.length === 1) return `${row[0]![0]} = ${printValue(row[0]![1])}`
  return row.map(([n, v]) => `/\\ ${n} = ${printValue(v)}`).join("\n")
}

/** How each state of a trace is printed (Checker.traceRows: the ALIAS when there is one). */
export type TraceRows = (trace: readonly TraceStep[]) => readonly (readonly (readonly [string, Value])[])[]

export const formatTrace = (varNames: readonly string[], trace: readonly TraceStep[], rows?: TraceRows): string => {
  const printed = rows?.(trace)
  return trace
    .map((st, i) => {
      const head =
        st.stutter === true ? `State ${i + 1}: <Stuttering>` : st.action === null ? `State ${i + 1}: <Initial predicate>` : `State ${i + 1}: <${labelText(st.action)}>`
      return `${head}\n${printed === undefined ? formatState(varNames, st.state) : formatRow(printed[i]!)}\n`
    })
    .join("\n")
}

/** The lines TLC prints after checking (and before, for errors, the trace). */
export const formatResult = (varNames: readonly string[], r: CheckResult, rows?: TraceRows): string => {
  const out = outcomeLines(varNames, r, rows)
  out.push(`${thousands(r.generated)} states generated, ${thousands(r.distinct)} distinct states found, ${thousands(r.queueLeft)} states left on queue.`)
  out.push(`The depth of the complete state graph search is ${r.depth}.`)
  out.push(`Finished in ${r.seconds.toFixed(1)}s.`)
  return out.join("\n")
}

/** The lines of a simulation's end (TLC -simulate): the error and its behaviour, then the totals. */
export const formatSimulation = (varNames: readonly string[], r: CheckResult & { readonly traces: number }, seed: bigint, rows?: TraceRows): string => {
  const out = r.outcome.kind === "ok" ? [] : outcomeLines(varNames, r, rows)
  out.push(`The number of states generated: ${thousands(r.generated)}`)
  out.push(`Simulation using seed ${seed} and aril 0`)
  out.push(`Progress: ${thousands(r.generated)} states checked, ${thousands(r.traces)} traces generated (longest ${r.depth} states).`)
  out.push(`Finished in ${r.seconds.toFixed(1)}s.`)
  return out.join("\n")
}

const outcomeLines = (varNames: readonly string[], r: CheckResult, rows?: TraceRows): string[] => {
  const out: string[] = []
  const o = r.outcome
  switch (o.kind) {
    case "ok":
      out.push("Model checking completed. No error has been found.")
      out.push("  Estimates of the probability that TLC did not check all reachable states")
      out.push("  because two distinct states had the same fingerprint:")
      out.push(`  calculated (optimistic):  val = ${((r.distinct * Math.max(0, r.generated - r.distinct)) / 2 ** 64).toExponential(1).toUpperCase()}`)
      break
    case "invariant":
      out.push(`Error: Invariant ${o.name} is violated.`)
      out.push("Error: The behavior up to this point is:")
      out.push(formatTrace(varNames, o.trace, rows))
      break
    case "property":
      out.push(`Error: Action property ${o.name} is violated.`)
      out.push("Error: The behavior up to this point is:")
      out.push(formatTrace(varNames, o.trace, rows))
      break
    case "liveness": {
      out.push("Error: Temporal properties were violated.\n")
      out.push("Error: The following behavior constitutes a counter-example:\n")
      out.push(formatTrace(varNames, o.trace, rows))
      if (o.backTo === null) out.push(`State ${o.trace.length + 1}: Stuttering\n`)
      else out.push(`Back to state ${o.backTo}: <${o.backAction === null ? "Next" : labelText(o.backAction)}>\n`)
      break
    }
    case "deadlock":
      out.push("Error: Deadlock reached.")
      out.push("Error: The behavior up to this point is:")
      out.push(formatTrace(varNames, o.trace, rows))
      break
    case "assumption":
      out.push(`Error: Assumption ${o.name} is false.`)
      break
    case "error":
      if (o.assumption !== undefined) out.push(`Error: Evaluating assumption ${o.assumption} failed.`)
      out.push(`Error: ${o.error.format()}`)
      if (o.trace.length > 0) {
        out.push("Error: The behavior up to this point is:")
        out.push(formatTrace(varNames, o.trace, rows))
      }
      break
  }
  return out
}

/** TLC exit codes: 0 ok, 10 assumption, 11 deadlock, 12 safety, 13 liveness, 150 parse error, 1 other. */
export const exitCode = (r: CheckResult): number => {
  switch (r.outcome.kind) {
    case "ok":
      return 0
    case "deadlock":
      return 11
    case "invariant":
    case "property":
      return 12
    case "liveness":
      return 13
    case "assumption":
      return 10
    case "error":
      return r.outcome.error.kind === "parse" || r.outcome.error.kind === "semantic" ? 150 : r.outcome.assumption !== undefined ? 10 : 1
  }
}

/** A value as JSON: sets and sequences as arrays, records as objects, other functions as [key, value] pairs. */
export const valueToJson = (v: Value): unknown => {
  if (typeof v !== "object") return v
  if (v instanceof ModelValue) return v.name
  if (isSetValue(v)) return enumerate(v).elems.map(valueToJson)
  const f = v instanceof FcnValue ? v : v instanceof LazyFcn ? v.materialize() : asFcn(v)
  if (f.keys === null) return f.vals.map(valueToJson)
  if (f.keys.every((k) => typeof k === "string")) return Object.fromEntries(f.keys.map((k, i) => [k as string, valueToJson(f.vals[i]!)]))
  return f.keys.map((k, i) => [valueToJson(k), valueToJson(f.vals[i]!)])
}

/** TLC's `-dumpTrace json` shape. */
export const traceToJson = (varNames: readonly string[], trace: readonly TraceStep[]): unknown => {
  const stateObj = (s: readonly Value[]): Record<string, unknown> => Object.fromEntries(varNames.map((n, i) => [n, valueToJson(s[i]!)]))
  return {
    counterexample: {
      state: trace.map((st, i) => [i + 1, stateObj(st.state)]),
      action: trace.slice(1).map((st, i) => [
        [i + 1, stateObj(trace[i]!.state)],
        {
          name: st.action?.name ?? "Next",
          location:
            st.action === null
              ? null
              : { beginLine: st.action.at[0], beginColumn: st.action.at[1], endLine: st.action.at[2], endColumn: st.action.at[3] - 1, module: st.action.module },
        },
        [i + 2, stateObj(st.state)],
      ]),
    },
    vars: varNames,
  }
}
