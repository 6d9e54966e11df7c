// .cfg features on small inline specs: CONSTRAINT, ACTION_CONSTRAINT, VIEW, action
// properties, refinement through INSTANCE, deadlock traces, and the programmatic API.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { checkSpec, evalExpression, fromTla, loadModel, loadSpec, modelValue, toTla } from "../../src/tla/api.ts"
import { Checker } from "../../src/tla/checker.ts"
import { formatResult } from "../../src/tla/report.ts"
import { parseModule } from "../../src/tla/parser.ts"
import { printValue } from "../../src/tla/values.ts"

const root = mkdtempSync(join(tmpdir(), "pollen-tla-features-"))
let n = 0
const write = (files: Record<string, string>): string => {
  const dir = join(root, `m${n++}`)
  mkdirSync(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const counter = `---- MODULE Counter ----
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\\ y = 0
Next == \\/ x' = x + 1 /\\ y' = y
        \\/ y' = 1 - y /\\ x' = x
Small == x < 3
OnlyX == y' = y
View == x
Mono == [][x' >= x]_x
Frozen == [][x' = x]_<<x, y>>
====
`

const run = (cfg: string, spec = counter, extra: Record<string, string> = {}) => {
  const dir = write({ "Counter.tla": spec, "Counter.cfg": cfg, ...extra })
  return checkSpec(join(dir, "Counter.tla"))
}

describe("cfg features", () => {
  it("CONSTRAINT keeps out-of-model states out of the seen set but counts them as generated", () => {
    const r = run("INIT Init\nNEXT Next\nCONSTRAINT Small\n")
    expect([r.outcome.kind, r.generated, r.distinct, r.depth]).toEqual(["ok", 13, 6, 4])
  })
  it("ACTION_CONSTRAINT filters transitions", () => {
    const r = run("INIT Init\nNEXT Next\nCONSTRAINT Small\nACTION_CONSTRAINT OnlyX\n")
    expect([r.outcome.kind, r.generated, r.distinct, r.depth]).toEqual(["ok", 7, 3, 3])
  })
  it("VIEW deduplicates by the view", () => {
    const r = run("INIT Init\nNEXT Next\nCONSTRAINT Small\nVIEW View\n")
    expect([r.outcome.kind, r.generated, r.distinct]).toEqual(["ok", 7, 3])
  })
  it("an action property that holds", () => {
    const r = run("INIT Init\nNEXT Next\nCONSTRAINT Small\nPROPERTY Mono\n")
    expect(r.outcome.kind).toBe("ok")
  })
  it("an action property that fails gives a two-state trace", () => {
    const r = run("INIT Init\nNEXT Next\nCONSTRAINT Small\nPROPERTY Frozen\n")
    expect(r.outcome.kind).toBe("property")
    if (r.outcome.kind === "property") {
      expect(r.outcome.name).toBe("Frozen")
      expect(r.outcome.trace.map((s) => s.state.map(printValue))).toEqual([["0", "0"], ["1", "0"]])
    }
  })
  it("deadlock with the shortest trace", () => {
    const spec = `---- MODULE Counter ----\nEXTENDS Naturals\nVARIABLES x, y\nInit == x = 0 /\\ y = 0\nNext == x < 2 /\\ x' = x + 1 /\\ y' = y\n====\n`
    const r = run("INIT Init\nNEXT Next\n", spec)
    expect(r.outcome.kind).toBe("deadlock")
    if (r.outcome.kind === "deadlock") expect(r.outcome.trace.length).toBe(3)
    expect([r.generated, r.distinct, r.depth]).toEqual([3, 3, 3])
  })
  // TLC's depth with one worker is the deepest breadth-first level, i.e. 1 + the largest
  // distance of a reachable state from the nearest initial state (not the longest path).
  // tlaplus/Examples records its manifest figures with `-workers auto`, where a state can be
  // reached first along a longer path: Prisoners_Single_Switch/PrisonerLightUnknown is listed
  // with depth 11, while its breadth-first depth (ours, and an independent BFS) is 10.
  it("depth is the deepest BFS level from the nearest initial state", () => {
    const spec = `---- MODULE Counter ----\nEXTENDS Naturals\nVARIABLES x, y\nInit == x \\in {0, 3} /\\ y = 0\nNext == x < 6 /\\ x' = x + 1 /\\ y' = y\n====\n`
    const r = run("INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n", spec)
    expect(r.outcome.kind).toBe("ok")
    // levels: {0, 3} 1, {1, 4} 2, {2, 5} 3, {6} 4 (6 is 4 states from 3, 7 from 0)
    expect([r.generated, r.distinct, r.depth]).toEqual([8, 7, 4])
  })
  it("refinement: PROPERTY A!Spec through INSTANCE ... WITH", () => {
    const abs = `---- MODULE Abs ----\nEXTENDS Naturals\nVARIABLE z\nInit == z = 0\nNext == z' = z + 1\nSpec == Init /\\ [][Next]_z\n====\n`
    const impl = (step: number) => `---- MODULE Counter ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + ${step}\nSmall == x < 6\nA == INSTANCE Abs WITH z <- x\nRef == A!Spec\n====\n`
    const cfg = "INIT Init\nNEXT Next\nCONSTRAINT Small\nPROPERTY Ref\n"
    expect(run(cfg, impl(1), { "Abs.tla": abs }).outcome.kind).toBe("ok")
    const bad = run(cfg, impl(2), { "Abs.tla": abs })
    expect(bad.outcome.kind).toBe("property")
    if (bad.outcome.kind === "property") expect(bad.outcome.trace.length).toBe(2)
  })
  it("ALIAS: traces print the alias record (primed variables from the next state) instead of the variables", () => {
    const spec = counter.replace("====", "Alias == [sum |-> x + y, nextX |-> x']\nBad == [sum |-> 1 \\div 0]\n====")
    const dir = write({ "Counter.tla": spec, "Counter.cfg": "INIT Init\nNEXT Next\nINVARIANT Small\nALIAS Alias\n", "Bad.cfg": "INIT Init\nNEXT Next\nINVARIANT Small\nALIAS Bad\n" })
    const model = loadModel(join(dir, "Counter.tla"))
    expect(model.warnings).toEqual([])
    const checker = new Checker(model)
    const r = checker.run()
    const text = formatResult(model.varNames, r, (t) => checker.traceRows(t))
    expect(text).toContain("State 1: <Initial predicate>\n/\\ nextX = 1\n/\\ sum = 0\n")
    expect(text).not.toContain("/\\ y = ")
    // an alias that cannot be evaluated leaves the variables printed
    const bad = loadModel(join(dir, "Counter.tla"), { config: join(dir, "Bad.cfg") })
    const badChecker = new Checker(bad)
    expect(formatResult(bad.varNames, badChecker.run(), (t) => badChecker.traceRows(t))).toContain("State 1: <Initial predicate>\n/\\ x = 0\n/\\ y = 0\n")
  })
  it("SPECIFICATION with fairness and a liveness PROPERTY under a CONSTRAINT", () => {
    // WF of all of Next is met by toggling y forever, so x need never reach 2
    const spec = counter.replace("====", "Spec == Init /\\ [][Next]_<<x, y>> /\\ WF_<<x, y>>(Next)\nIncX == x' = x + 1 /\\ y' = y\nFairX == Spec /\\ WF_x(IncX)\nLive == <>(x = 2)\n====")
    const r = run("SPECIFICATION Spec\nCONSTRAINT Small\nPROPERTY Live\n", spec)
    expect(r.outcome.kind).toBe("liveness")
    if (r.outcome.kind === "liveness") expect(r.outcome.trace.every((s) => s.state[0] === 0)).toBe(true)
    expect(run("SPECIFICATION FairX\nCONSTRAINT Small\nPROPERTY Live\n", spec).outcome.kind).toBe("ok")
  })
  it("model values and sets of model values in CONSTANTS; ASSUME is checked", () => {
    const spec = `---- MODULE Counter ----\nEXTENDS Naturals, FiniteSets, TLC\nCONSTANTS Procs, Nil\nASSUME Cardinality(Procs) = 2\nVARIABLE owner\nInit == owner = Nil\nNext == \\/ owner = Nil /\\ \\E p \\in Procs : owner' = p\n        \\/ owner # Nil /\\ owner' = Nil\nSym == Permutations(Procs)\n====\n`
    const r = run("CONSTANTS Procs = {p1, p2} Nil = Nil\nINIT Init\nNEXT Next\n", spec)
    expect([r.outcome.kind, r.generated, r.distinct]).toEqual(["ok", 5, 3])
    const sym = run("CONSTANTS Procs = {p1, p2} Nil = Nil\nINIT Init\nNEXT Next\nSYMMETRY Sym\n", spec)
    expect([sym.outcome.kind, sym.distinct]).toEqual(["ok", 2])
    const bad = run("CONSTANTS Procs = {p1} Nil = Nil\nINIT Init\nNEXT Next\n", spec)
    expect(bad.outcome.kind).toBe("assumption")
  })
})

describe("Unicode operators", () => {
  it("a Unicode DieHard gives TLC's figures", () => {
    const spec = [
      "---- MODULE Counter ----", "EXTENDS Naturals", "VARIABLES big, small",
      "TypeOK ≜ ∧ small ∈ 0..3", "         ∧ big   ∈ 0..5",
      "Init ≜ ∧ big = 0", "       ∧ small = 0",
      "Min(m, n) ≜ IF m < n THEN m ELSE n",
      "Next ≜ ∨ small' = 3 ∧ big' = big", "       ∨ big' = 5 ∧ small' = small",
      "       ∨ small' = 0 ∧ big' = big", "       ∨ big' = 0 ∧ small' = small",
      "       ∨ ∧ big' = Min(big + small, 5)", "         ∧ small' = small - (big' - big)",
      "       ∨ ∧ small' = Min(big + small, 3)", "         ∧ big' = big - (small' - small)",
      "NotSolved ≜ big ≠ 4", "Tuples ≜ ∀ x ∈ {1} : ⟨x, 2⟩ ∈ {1} × {2} ∧ [y ∈ {1} ↦ y][1] = 1",
      "====", "",
    ].join("\n")
    const r = run("INIT Init\nNEXT Next\nINVARIANTS TypeOK Tuples NotSolved\n", spec)
    expect([r.outcome.kind, r.generated, r.distinct, r.depth]).toEqual(["invariant", 73, 14, 7])
  })
})

describe("overriding standard-module definitions", () => {
  it("Nat <- 0..3 (as MCLamportMutex does)", () => {
    const spec = `---- MODULE Counter ----\nEXTENDS Naturals\nVARIABLE x\nMCNat == 0..3\nInit == x \\in Nat\nNext == x' \\in Nat /\\ x' > x\n====\n`
    const r = run("CONSTANT Nat <- MCNat\nINIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n", spec)
    expect([r.outcome.kind, r.generated, r.distinct, r.depth]).toEqual(["ok", 10, 4, 1])
  })
  // TLC's standard operators are shared by all modules, so `Seq <- BoundedSeq` also reaches an
  // instantiated module's Seq (MCMajority: INSTANCE Majority, whose Init says seq \in Seq(Value)).
  it("Seq <- BoundedSeq also holds inside an instance", () => {
    const inner = `---- MODULE Inner ----\nEXTENDS Sequences\nCONSTANT Value\nVARIABLE seq\nInit == seq \\in Seq(Value)\nNext == UNCHANGED seq\n====\n`
    const spec = `---- MODULE Counter ----\nEXTENDS Naturals\nVARIABLE seq\nValue == {1, 2}\nBounded(S) == UNION {[1..n -> S] : n \\in 0..2}\nINSTANCE Inner\n====\n`
    const r = run("CONSTANT Seq <- Bounded\nINIT Init\nNEXT Next\n", spec, { "Inner.tla": inner })
    expect([r.outcome.kind, r.generated, r.distinct, r.depth]).toEqual(["ok", 14, 7, 1])
  })
})

describe("API for refinement checks", () => {
  const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/tla-examples")
  it("evaluates Init and Next of DieHard on given states", () => {
    const spec = loadSpec(join(examples, "DieHard/DieHard.tla"))
    expect(spec.variables).toEqual(["big", "small"])
    expect(spec.evalInit({ big: 0, small: 0 })).toBe(true)
    expect(spec.evalInit({ big: 1, small: 0 })).toBe(false)
    expect(spec.evalAction({ big: 0, small: 0 }, { big: 5, small: 0 })).toBe(true)
    expect(spec.evalAction({ big: 0, small: 0 }, { big: 4, small: 0 })).toBe(false)
    expect(spec.evalAction({ big: 5, small: 0 }, { big: 2, small: 3 }, "BigToSmall")).toBe(true)
    expect(spec.evalNextOrStutter({ big: 3, small: 1 }, { big: 3, small: 1 })).toBe(true)
    expect(spec.evaluate("TypeOK", { big: 9, small: 0 })).toBe(false)
  })
  it("evaluates TCommit actions with model-value constants", () => {
    const rm = new Set([modelValue("r1"), modelValue("r2")])
    const spec = loadSpec(join(examples, "transaction_commit/TCommit.tla"), { constants: { RM: rm } })
    const init = { rmState: new Map([[modelValue("r1"), "working"], [modelValue("r2"), "working"]]) }
    expect(spec.evalInit(init, "TCInit")).toBe(true)
    const next = { rmState: new Map([[modelValue("r1"), "prepared"], [modelValue("r2"), "working"]]) }
    expect(spec.evalAction(init, next, "TCNext")).toBe(true)
    expect(spec.evalAction(init, { rmState: new Map([[modelValue("r1"), "committed"], [modelValue("r2"), "working"]]) }, "TCNext")).toBe(false)
  })
  it("converts plain JS values", () => {
    expect(printValue(toTla({ a: [1, 2], b: new Set(["x", "y"]), c: true }))).toBe('[a |-> <<1, 2>>, b |-> {"x", "y"}, c |-> TRUE]')
    expect(fromTla(evalExpression("[a |-> <<1, 2>>, b |-> {3}]"))).toEqual({ a: [1, 2], b: new Set([3]) })
    expect(printValue(evalExpression("(2 :> \"b\" @@ 1 :> \"a\")"))).toBe('<<"a", "b">>')
  })
})

describe("parser", () => {
  it("parses every fixture module (with TLAPS proofs skipped)", () => {
    const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/tla-examples")
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".tla") ? [join(d, e.name)] : []))
    const files = walk(examples)
    expect(files.length).toBeGreaterThan(20)
    for (const f of files) expect(() => parseModule(readFileSync(f, "utf8"), f)).not.toThrow()
  })
})
