// Invariant conjuncts are skipped when the variables they read are unchanged; the variables
// each conjunct reads are found through definitions, LET operators and user infix operators.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkSpec, loadModel } from "../../src/tla/api.ts"
import { StateDeps } from "../../src/tla/state-deps.ts"

const spec = `---- MODULE Parts ----
EXTENDS Naturals, TLC
VARIABLES x, y, z
a \\oplus b == (a + b) + z
Bound == LET f(n) == (n \\oplus 0) < 3 IN f(x)
Init == x = 0 /\\ y = 0 /\\ z = 0
Next == \\/ x' = x + 1 /\\ UNCHANGED <<y, z>>
        \\/ y' = 1 - y /\\ UNCHANGED <<x, z>>
        \\/ z' = 1 /\\ UNCHANGED <<x, y>>
TypeOK == /\\ y \\in {0, 1}
          /\\ Bound
          /\\ TLCGet("level") < 100
Level == TLCGet("level") < 4
====
`

const dir = mkdtempSync(join(tmpdir(), "pollen-tla-parts-"))
const write = (cfg: string): string => {
  const d = join(dir, `m${Math.random().toString(36).slice(2)}`)
  mkdirSync(d)
  writeFileSync(join(d, "Parts.tla"), spec)
  writeFileSync(join(d, "Parts.cfg"), cfg)
  return join(d, "Parts.tla")
}

describe("invariant conjuncts", () => {
  it("finds the variables a conjunct reads through definitions", () => {
    const m = loadModel(write("INIT Init\nNEXT Next\nINVARIANT TypeOK\n"))
    const deps = new StateDeps(m.compiler)
    const of = (name: string): number[] | null => {
      const e = m.compiler.resolveEntity(m.root, name)
      if (e === undefined || e.k !== "def" || e.unit.k !== "def") throw new Error(name)
      const d = deps.of(e.unit.body, e.scope)
      return d === null ? null : [...d].sort()
    }
    expect(of("Bound")).toEqual([0, 2])
    expect(of("Level")).toBeNull()
    expect(of("Init")).toEqual([0, 1, 2])
  })
  it("still finds a violation of a conjunct whose variable changes through an operator", () => {
    // Bound fails once x + z = 3: at best two x steps and one z step, so a 4-state trace
    const r = checkSpec(write("INIT Init\nNEXT Next\nINVARIANT TypeOK\n"))
    expect(r.outcome.kind).toBe("invariant")
    if (r.outcome.kind === "invariant") {
      expect(r.outcome.name).toBe("TypeOK")
      expect(r.outcome.trace.length).toBe(4)
      const last = r.outcome.trace[3]!.state
      expect(last[0]! as number + (last[2]! as number)).toBe(3)
    }
  })
  it("evaluates volatile conjuncts every time", () => {
    const r = checkSpec(write("INIT Init\nNEXT Next\nINVARIANT Level\n"))
    expect(r.outcome.kind).toBe("invariant")
  })
})
