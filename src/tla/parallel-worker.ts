// Worker side of `--workers N`: builds the same model, expands batches of states and
// reports, per successor, its fingerprint, whether it is in the model, whether an invariant
// or implied action fails on it, and its encoding (omitted when this worker already sent it).
import { readFileSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { parseConfig } from "./cfg.ts"
import { Checker } from "./checker.ts"
import { FingerprintSet } from "./fingerprint-set.ts"
import { buildModel } from "./model.ts"
import type { Encoded } from "./value-codec.ts"
import { decodeValue, encodeValue } from "./value-codec.ts"

interface Setup {
  readonly spec: string
  readonly config: string
  readonly libDirs: readonly string[]
}

const setup = workerData as Setup
const model = buildModel(setup.spec, parseConfig(readFileSync(setup.config, "utf8"), setup.config), { libDirs: setup.libDirs })
const checker = new Checker(model)
const sent = new FingerprintSet(16)

/** Per state: [successorCount, ...per successor: h, l, flags, encoding]; flags: 1 in model, 2 bad. */
parentPort!.on("message", (msg: { id: number; level: number; states: Encoded[][] }) => {
  try {
    const out: unknown[][] = []
    for (const enc of msg.states) {
      const s = enc.map(decodeValue)
      const row: unknown[] = [0]
      let count = 0
      checker.setLevel(msg.level)
      checker.successors(s, (t) => {
        count++
        const inModel = checker.inModel(s, t)
        const bad = !checker.invariantsHold(t) || !checker.impliedActionsHold(s, t)
        const [h, l] = checker.fingerprintOf(t)
        let e: Encoded[] | null = null
        if (inModel && sent.add(h, l)) e = t.map(encodeValue)
        row.push(h, l, (inModel ? 1 : 0) | (bad ? 2 : 0), e)
      })
      row[0] = count
      out.push(row)
    }
    parentPort!.postMessage({ id: msg.id, rows: out })
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) })
  }
})
parentPort!.postMessage({ ready: true })
