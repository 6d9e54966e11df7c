// Reducer trace logs (DESIGN §4.3): a real node can write every input its reducer took,
// with a digest of the state after it, as JSON lines. `pollen trace check` replays the
// logs of several nodes against the protocol's TLA+ spec (src/check/trace-validation.ts).
import { createHash } from "node:crypto"
import { appendFileSync, readFileSync } from "node:fs"
import { Schema } from "effect"
import type { Input, NodeId } from "../core/machine.ts"
import { canonicalJson } from "./canonical-json.ts"

export const TraceLineSchema = Schema.Struct({
  node: Schema.String,
  /** 0, 1, 2, … per node: a gap means lost lines. */
  seq: Schema.Int,
  /** Wall-clock ms when the step ran; orders steps of different nodes where causality does not. */
  t: Schema.Number,
  input: Schema.Unknown,
  /** Digest of the reducer state after the step. */
  state: Schema.String,
})
export type TraceLine = typeof TraceLineSchema.Type

export const stateDigest = (state: unknown): string => createHash("sha256").update(canonicalJson(state)).digest("hex").slice(0, 24)

/** An `onStep` hook for ReducerHost/ReducerNode that appends one line per step to `path`. */
export const traceLogger = (node: NodeId, path: string, now: () => number = () => Date.now()) => {
  let seq = 0
  return (input: Input<unknown, unknown, unknown>, state: unknown): void => {
    const line: TraceLine = { node, seq: seq++, t: now(), input, state: stateDigest(state) }
    appendFileSync(path, `${JSON.stringify(line)}\n`)
  }
}

/** Reads a trace log; a malformed line is an error naming the file and line number. */
export const readTraceLog = (path: string): TraceLine[] => {
  const decode = Schema.decodeUnknownExit(TraceLineSchema)
  const out: TraceLine[] = []
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (e) {
        throw new Error(`${path}:${i + 1}: not JSON: ${(e as Error).message}`)
      }
      const r = decode(json)
      if (r._tag === "Failure") throw new Error(`${path}:${i + 1}: not a trace line: ${String(r.cause).split("\n")[0]}`)
      out.push(r.value)
    })
  return out
}
