// Reproduces TLC's figures (outcome, states generated, distinct states, depth) for every
// fixture in ../shared/tla-examples/MANIFEST.tsv, the 343,796-state MultiPaxos row included
// (about 15 s on a quiet 2-core machine).
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const examples = resolve(repoRoot, "../shared/tla-examples")
const libDirs = [join(examples, "_lib/tlapm"), join(examples, "_lib/community")]

const rows = readFileSync(join(examples, "MANIFEST.tsv"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "" && !l.startsWith("#"))
  .map((l) => {
    const [tla, cfg, outcome, generated, distinct, depth] = l.split("\t")
    return { tla: tla!, cfg: cfg!, outcome: outcome!, generated: Number(generated), distinct: Number(distinct), depth: Number(depth) }
  })

describe("TLC parity on the MANIFEST fixtures", () => {
  it("has rows", () => expect(rows.length).toBeGreaterThan(10))
  for (const row of rows) {
    it(`${row.cfg}: ${row.outcome}, ${row.generated} generated, ${row.distinct} distinct, depth ${row.depth}`, () => {
      const r = checkSpec(join(examples, row.tla), { config: join(examples, row.cfg), libDirs })
      const o = r.outcome
      const outcome = o.kind === "invariant" ? `invariant:${o.name}` : o.kind === "error" ? `error: ${o.error.format()}` : o.kind
      expect({ outcome, generated: r.generated, distinct: r.distinct, depth: r.depth }).toEqual({
        outcome: row.outcome,
        generated: row.generated,
        distinct: row.distinct,
        depth: row.depth,
      })
      if (o.kind === "invariant" || o.kind === "deadlock") expect(o.trace.length).toBeGreaterThan(0)
    }, 600_000)
  }
})
