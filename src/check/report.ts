// The checker's report, shaped like TLC's so figures compare directly (reference/tla.md §3.6).
import type { Describe } from "./trace.ts"
import { traceToMermaid, traceToStepList } from "./trace.ts"
import { optimisticCollisionProbability } from "./fingerprint.ts"
import type { ExploreResult } from "./explore.ts"

const n = (x: number): string => x.toLocaleString("en-US")

export const formatReport = (r: ExploreResult, describe: Describe = {}): string => {
  const lines: string[] = []
  switch (r.outcome) {
    case "invariant":
      lines.push(`Error: Invariant ${r.violated} is violated.`)
      break
    case "property":
      lines.push(`Error: History property ${r.violated} is violated.`)
      break
    case "deadlock":
      lines.push("Error: Deadlock reached.")
      break
    case "limit":
      lines.push(`Search stopped at the distinct-state limit; no error found so far.`)
      break
    case "ok":
      lines.push("Model checking completed. No error has been found.")
      lines.push("  Estimates of the probability that the checker did not check all reachable states")
      lines.push("  because two distinct states had the same fingerprint:")
      lines.push(`  calculated (optimistic):  val = ${optimisticCollisionProbability(r.distinct, r.generated).toExponential(1)}`)
      break
  }
  if (r.trace !== undefined) {
    lines.push("Error: The behavior up to this point is:")
    lines.push(traceToStepList(r.trace, describe))
    lines.push("")
    lines.push("The same behavior as a Mermaid sequence diagram:")
    lines.push("```mermaid")
    lines.push(traceToMermaid(r.trace, describe))
    lines.push("```")
  }
  lines.push(`${n(r.generated)} states generated, ${n(r.distinct)} distinct states found, ${n(r.left)} states left on queue.`)
  lines.push(`The depth of the complete state graph search is ${r.depth}.`)
  const rate = r.seconds > 0 ? Math.round(r.distinct / r.seconds) : r.distinct
  lines.push(
    `Finished in ${r.seconds.toFixed(2)}s: ${n(rate)} distinct states/s, ${(r.fingerprintBytes / Math.max(1, r.distinct)).toFixed(1)} bytes per stored state (fingerprint set), ${n(r.memo.localStates)} distinct node states, ${n(r.memo.transitions)} memoised node steps.`,
  )
  return lines.join("\n")
}
