// Constant subexpressions (no local binding, state variable, prime or volatile builtin) are
// evaluated once and shared (compile.ts, Compiler.expr); everything else must behave as before.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"

const root = mkdtempSync(join(tmpdir(), "pollen-tla-hoist-"))
let n = 0
const check = (spec: string, cfg: string) => {
  const dir = join(root, `m${n++}`)
  mkdirSync(dir)
  writeFileSync(join(dir, "H.tla"), spec)
  writeFileSync(join(dir, "H.cfg"), cfg)
  const r = checkSpec(join(dir, "H.tla"))
  return { kind: r.outcome.kind, generated: r.generated, distinct: r.distinct, depth: r.depth }
}

describe("constant subexpressions", () => {
  it("are shared inside operator bodies and quantifiers without capturing their parameters", () => {
    const spec = `---- MODULE H ----
EXTENDS Naturals, FiniteSets
VARIABLE x
Nbrs == {d \\in {-1, 0, 1} \\X {-1, 0, 1} : d # <<0, 0>>}
F(p) == {q \\in 1..3 : q # p}
G(p) == LET near == {d \\in {-1, 0, 1} \\X {-1, 0, 1} : d # <<0, 0>>}
        IN  {<<p + d[1], p + d[2]>> : d \\in near}
Init == x = 0
Next == x < 4 /\\ x' = x + 1
Inv == /\\ Cardinality(F(x)) = IF x \\in 1..3 THEN 2 ELSE 3
       /\\ \\A i \\in 1..3 : LET S == {j \\in 1..3 : j # i} IN i \\notin S /\\ Cardinality(S) = 2
       /\\ G(x) = {<<x + d[1], x + d[2]>> : d \\in Nbrs}
       /\\ <<x - 1, x - 1>> \\in G(x)
====
`
    expect(check(spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")).toEqual({ kind: "ok", generated: 5, distinct: 5, depth: 5 })
  })

  it("keep their multiplicity when enumerated as actions", () => {
    // \\E i \\in {1, 2} : TRUE is satisfied twice: two successors generated per state, as in
    // TLC, which enumerates it because it comes before x' has a value (after, TLC only
    // evaluates it: Tool.getNextStates once every variable is assigned).
    const spec = `---- MODULE H ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == (\\E i \\in {1, 2} : TRUE) /\\ x' = x
====
`
    expect(check(spec, "INIT Init\nNEXT Next\n")).toEqual({ kind: "ok", generated: 3, distinct: 1, depth: 1 })
  })

  it("do not include RandomElement calls, which are drawn again at each evaluation", () => {
    const spec = `---- MODULE H ----
EXTENDS Naturals, TLC
VARIABLE x
R(S) == RandomElement(S)
Init == x = 0
Next == x' = R(1..100000)
====
`
    expect(check(spec, "INIT Init\nNEXT Next\n").distinct).toBeGreaterThan(3)
  })

  it("still raise their errors only where they are evaluated", () => {
    const spec = `---- MODULE H ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\\ x' = x + 1
Inv == x < 3 \\/ {1 \\div 0} = {}
====
`
    expect(check(spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n").kind).toBe("error")
    expect(check(spec.replace("x < 3 \\/", "x < 4 \\/"), "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")).toEqual({ kind: "ok", generated: 4, distinct: 4, depth: 4 })
  })
})
