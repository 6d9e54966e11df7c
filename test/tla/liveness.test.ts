// Temporal PROPERTYs with the SPECIFICATION's fairness: TLC's verdicts, the shape of the
// counterexamples (a lasso ending in "Back to state k" or "Stuttering"), exit code 13, and
// the forms left unchecked with a warning.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { loadModel } from "../../src/tla/api.ts"
import { Checker } from "../../src/tla/checker.ts"
import { livenessTesting } from "../../src/tla/liveness-plan.ts"
import { formatResult } from "../../src/tla/report.ts"

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const root = mkdtempSync(join(tmpdir(), "pollen-tla-liveness-"))
let n = 0

const check = (spec: string, cfg: string, extra: Record<string, string> = {}) => {
  const dir = join(root, `m${n++}`)
  mkdirSync(dir)
  const name = /MODULE (\w+)/.exec(spec)![1]!
  writeFileSync(join(dir, `${name}.tla`), spec)
  writeFileSync(join(dir, `${name}.cfg`), cfg)
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text)
  const model = loadModel(join(dir, `${name}.tla`))
  const warnings: string[] = []
  const r = new Checker(model, { onWarning: (w) => warnings.push(w) }).run()
  return { r, model, warnings, text: formatResult(model.varNames, r), file: join(dir, `${name}.tla`) }
}

const cycle = `---- MODULE Cycle ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Inc == x' = (x + 1) % 3
Spec == Init /\\ [][Inc]_x
FairSpec == Spec /\\ WF_x(Inc)
Reach2 == <>(x = 2)
Often2 == []<>(x = 2)
Stays2 == <>[](x = 2)
OneToZero == (x = 1) ~> (x = 0)
Below3 == [](x < 3)
Below2 == [](x < 2)
====
`

describe("liveness: verdicts and counterexamples", () => {
  it("without fairness a behaviour may stutter forever: <>P is violated by the initial state stuttering", () => {
    const { r, text } = check(cycle, "SPECIFICATION Spec\nPROPERTY Reach2\n")
    expect(r.outcome.kind).toBe("liveness")
    expect(text).toContain("Error: Temporal properties were violated.")
    expect(text).toContain("State 1: <Initial predicate>\nx = 0\n\nState 2: Stuttering")
    expect([r.generated, r.distinct]).toEqual([4, 3])
  })

  it("weak fairness makes <>P, []<>P and P ~> Q hold; [](x < 3) holds", () => {
    const { r, model } = check(cycle, "SPECIFICATION FairSpec\nPROPERTY Reach2 Often2 OneToZero Below3\n")
    expect(model.warnings).toEqual([])
    expect(r.outcome.kind).toBe("ok")
  })

  it("<>[]P is violated by a cycle, printed with Back to state", () => {
    const { r, text } = check(cycle, "SPECIFICATION FairSpec\nPROPERTY Stays2\n")
    expect(r.outcome).toMatchObject({ kind: "liveness", name: "Stays2", backTo: 1 })
    if (r.outcome.kind === "liveness") expect(r.outcome.trace.map((s) => s.state[0])).toEqual([0, 1, 2])
    expect(text).toMatch(/State 3: <Inc line 5, col 8 to line 5, col 23 of module Cycle>\nx = 2\n\nBack to state 1: <Inc line 5/)
  })

  it("a []P conjunct of a PROPERTY is checked as an invariant on every state, as TLC does", () => {
    const { r } = check(cycle, "SPECIFICATION FairSpec\nPROPERTY Below2\n")
    expect(r.outcome).toMatchObject({ kind: "invariant", name: "Below2" })
    if (r.outcome.kind === "invariant") expect(r.outcome.trace.map((s) => s.state[0])).toEqual([0, 1, 2])
  })

  // From 0 the spec may go to 1 and back, or take A to 2; A is enabled at 0 only.
  const choice = `---- MODULE Choice ----
VARIABLE x
Init == x = 0
A == x = 0 /\\ x' = 2
B == \\/ x = 0 /\\ x' = 1
     \\/ x = 1 /\\ x' = 0
Next == A \\/ B
Weak == Init /\\ [][Next]_x /\\ WF_x(Next) /\\ WF_x(A)
Strong == Init /\\ [][Next]_x /\\ WF_x(Next) /\\ SF_x(A)
Reach2 == <>(x = 2)
====
`
  it("weak fairness of an action enabled only now and then does not force it; strong fairness does", () => {
    const weak = check(choice, "SPECIFICATION Weak\nPROPERTY Reach2\nCHECK_DEADLOCK FALSE\n")
    expect(weak.r.outcome.kind).toBe("liveness")
    if (weak.r.outcome.kind === "liveness") {
      expect(weak.r.outcome.trace.map((s) => s.state[0])).toEqual([0, 1])
      expect(weak.r.outcome.backTo).toBe(1)
    }
    expect(check(choice, "SPECIFICATION Strong\nPROPERTY Reach2\nCHECK_DEADLOCK FALSE\n").r.outcome.kind).toBe("ok")
  })

  it("fairness other than WF/SF conjuncts, and IF on a temporal condition, go to the tableau (F => P)", () => {
    const spec = choice.replace(
      "====",
      `EitherSF == Init /\\ [][Next]_x /\\ WF_x(Next) /\\ (SF_x(A) \\/ SF_x(A))
SFOrWF == Init /\\ [][Next]_x /\\ WF_x(Next) /\\ (SF_x(A) \\/ WF_x(A))
TempIf == IF <>(x = 2) THEN <>[](x = 2) ELSE []<>(x = 1)
TempIfWrong == IF <>(x = 2) THEN <>[](x = 0) ELSE <>(x = 2)
====`,
    )
    const run = (specName: string, prop: string) => {
      const { r, model } = check(spec, `SPECIFICATION ${specName}\nPROPERTY ${prop}\nCHECK_DEADLOCK FALSE\n`)
      expect(model.warnings).toEqual([])
      expect(model.liveness!.properties[0]!.tableaux).toHaveLength(1)
      return r.outcome
    }
    expect(run("EitherSF", "Reach2").kind).toBe("ok")
    // WF_x(A) allows going between 0 and 1 for ever
    const weak = run("SFOrWF", "Reach2")
    expect(weak.kind).toBe("liveness")
    if (weak.kind === "liveness") expect([weak.trace.map((t) => t.state[0]), weak.backTo]).toEqual([[0, 1], 1])
    expect(run("Weak", "TempIf").kind).toBe("ok")
    expect(run("Strong", "TempIf").kind).toBe("ok")
    expect(run("Strong", "TempIfWrong").kind).toBe("liveness")
  })

  const mutex = `---- MODULE Mutex ----
EXTENDS Naturals
CONSTANT Procs
VARIABLES pc, owner
Init == pc = [p \\in Procs |-> "idle"] /\\ owner = "none"
Want(p) == pc[p] = "idle" /\\ pc' = [pc EXCEPT ![p] = "wait"] /\\ UNCHANGED owner
Enter(p) == pc[p] = "wait" /\\ owner = "none" /\\ owner' = p /\\ pc' = [pc EXCEPT ![p] = "cs"]
Leave(p) == pc[p] = "cs" /\\ owner' = "none" /\\ pc' = [pc EXCEPT ![p] = "idle"]
Proc(p) == Want(p) \\/ Enter(p) \\/ Leave(p)
vars == <<pc, owner>>
Next == \\E p \\in Procs : Proc(p)
WeakSpec == Init /\\ [][Next]_vars /\\ \\A p \\in Procs : WF_vars(Enter(p)) /\\ WF_vars(Leave(p))
StrongSpec == Init /\\ [][Next]_vars /\\ \\A p \\in Procs : SF_vars(Enter(p)) /\\ WF_vars(Leave(p))
Served(p) == (pc[p] = "wait") ~> (pc[p] = "cs")
NoStarvation == \\A p \\in Procs : Served(p)
====
`
  it("quantified fairness and a quantified leads-to through a definition with a parameter", () => {
    const cfg = (spec: string) => `CONSTANT Procs = {p1, p2}\nSPECIFICATION ${spec}\nPROPERTY NoStarvation\n`
    const weak = check(mutex, cfg("WeakSpec"))
    expect(weak.model.warnings).toEqual([])
    // p2 waits while p1 enters and leaves forever: Enter(p2) is disabled whenever p1 holds the lock
    expect(weak.r.outcome.kind).toBe("liveness")
    if (weak.r.outcome.kind === "liveness") {
      const states = weak.r.outcome.trace.map((s) => s.state)
      expect(states.some((s) => String(s[1]) !== "none")).toBe(true)
    }
    expect(check(mutex, cfg("StrongSpec")).r.outcome.kind).toBe("ok")
  })

  it("refinement with fairness: PROPERTY A!Spec checks the abstract spec's WF too", () => {
    const abs = `---- MODULE Abs ----
VARIABLE done
Init == done = FALSE
Finish == done = FALSE /\\ done' = TRUE
Spec == Init /\\ [][Finish]_done /\\ WF_done(Finish)
====
`
    const impl = (fair: string) => `---- MODULE Impl ----
EXTENDS Naturals
VARIABLE n
Init == n = 0
Step == n < 2 /\\ n' = n + 1
Spec == Init /\\ [][Step]_n${fair}
A == INSTANCE Abs WITH done <- (n = 2)
AbsSpec == A!Spec
====
`
    const cfg = "SPECIFICATION Spec\nPROPERTY AbsSpec\nCHECK_DEADLOCK FALSE\n"
    const good = check(impl(" /\\ WF_n(Step)"), cfg, { "Abs.tla": abs })
    expect(good.r.outcome.kind).toBe("ok")
    // ENABLED <<Finish>>_done primes the expression n = 2: read off the graph, and said so
    expect(good.warnings).toHaveLength(1)
    expect(good.warnings[0]).toMatch(/^ENABLED of the action at line 5, column \d+ of module Abs cannot be evaluated/)
    // without fairness the implementation may stop before done, where the abstract Finish is enabled
    const bad = check(impl(""), cfg, { "Abs.tla": abs })
    expect(bad.r.outcome.kind).toBe("liveness")
    if (bad.r.outcome.kind === "liveness") expect(bad.r.outcome.backTo).toBeNull()
  })

  it("an ENABLED the evaluator cannot enumerate in the spec's own module is an evaluation error, located", () => {
    const spec = cycle.replace("====", "OddWF == WF_x(x' % 2 = 1)\n====")
    const { r } = check(spec, "SPECIFICATION FairSpec\nPROPERTY OddWF\n")
    expect(r.outcome.kind).toBe("error")
    if (r.outcome.kind === "error") expect(r.outcome.error.format()).toMatch(/Cycle.tla:14:15: eval error: x' is used before it is assigned a value/)
  })

  it("a stable property [](P => []Q) is checked (a two-stage reach)", () => {
    const spec = `---- MODULE Stable ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\\ x' = x + 1
Spec == Init /\\ [][Next]_x
Up == [](x = 1 => [](x >= 1))
Wrong == [](x = 1 => [](x = 1))
====
`
    expect(check(spec, "SPECIFICATION Spec\nPROPERTY Up\nCHECK_DEADLOCK FALSE\n").r.outcome.kind).toBe("ok")
    const bad = check(spec, "SPECIFICATION Spec\nPROPERTY Wrong\nCHECK_DEADLOCK FALSE\n")
    expect(bad.r.outcome.kind).toBe("liveness")
    if (bad.r.outcome.kind === "liveness") expect(bad.r.outcome.trace.map((s) => s.state[0])).toEqual([0, 1, 2])
  })

  // Forms a reviewer found unchecked at first: ENABLED inside state predicates, IF/CASE/LET
  // around temporal formulas, two eventualities together, ~<> and <><>, \A over [][A]_v.
  const forms = `---- MODULE Forms ----
EXTENDS Naturals
CONSTANT P
VARIABLES x, y, s
vars == <<x, y, s>>
Init == x = 0 /\\ y = 0 /\\ s = [p \\in P |-> 0]
Inc == x < 2 /\\ x' = x + 1 /\\ UNCHANGED <<y, s>>
Flip == y' = 1 - y /\\ UNCHANGED <<x, s>>
Bump(p) == s[p] = 0 /\\ s' = [s EXCEPT ![p] = 1] /\\ UNCHANGED <<x, y>>
Next == Inc \\/ Flip \\/ \\E p \\in P : Bump(p)
Spec == Init /\\ [][Next]_vars /\\ WF_vars(Inc) /\\ \\A p \\in P : WF_vars(Bump(p))
EnabledEventually == <>(~ENABLED Inc)
EnabledForever == <>[](ENABLED Inc)
EnabledImplies == [](x = 2 => ~ENABLED Inc)
EnabledDef == LET Stopped == ~ENABLED Inc IN <>Stopped
IteTemporal == IF y = 0 THEN <>(x = 2) ELSE <>(x = 1)
IteWrong == IF y = 0 THEN <>(x = 3) ELSE <>(x = 1)
CaseTemporal == CASE y = 0 -> <>(x = 2) [] OTHER -> <>(x = 1)
CaseWrong == CASE y = 1 -> <>(x = 2) [] OTHER -> [](x = 0)
BoxOrBox == [](x = 0) \\/ [](x # 0)
TwoEvAnte == (<>(x = 1) /\\ <>(x = 2)) => <>[](x = 2)
TwoEvWrong == (<>(x = 1) /\\ <>(x = 2)) => <>[](y = 0)
EvEv == <><>(x = 2)
NotAlways == ~[](x = 0)
NotEventually == ~<>(x = 5)
QuantBoxAct == \\A p \\in P : [][s'[p] = 0]_vars
LetParam == LET R(v) == <>(x = v) IN R(1) /\\ R(2)
LetParamWrong == LET R(v) == <>[](x = v) IN R(1)
====
`
  it.each([
    ["EnabledEventually", "ok"],
    ["EnabledForever", "liveness"],
    ["EnabledImplies", "ok"],
    ["EnabledDef", "ok"],
    ["IteTemporal", "ok"],
    ["IteWrong", "liveness"],
    ["CaseTemporal", "ok"],
    ["CaseWrong", "liveness"],
    ["BoxOrBox", "liveness"],
    ["TwoEvAnte", "ok"],
    ["TwoEvWrong", "liveness"],
    ["EvEv", "ok"],
    ["NotAlways", "ok"],
    ["NotEventually", "ok"],
    ["QuantBoxAct", "property"],
    ["LetParam", "ok"],
    ["LetParamWrong", "liveness"],
  ])("%s: %s", (name, verdict) => {
    const { r, model } = check(forms, `CONSTANT P = {p1, p2}\nSPECIFICATION Spec\nPROPERTY ${name}\n`)
    expect(model.warnings).toEqual([])
    expect(r.outcome.kind).toBe(verdict)
  })

  it("a strong-fairness violation needing as many removal rounds as there are SF conditions (70) is found", () => {
    // stuttering at x = 0 meets every SF(Fin(i)): none of them is ever enabled there
    const spec = `---- MODULE Deep ----
EXTENDS Naturals
CONSTANT K
VARIABLE x, done
vars == <<x, done>>
Init == x = 0 /\\ done = FALSE
Move == ~done /\\ x' \\in 0..K /\\ done' = FALSE
Fin(i) == ~done /\\ x = i /\\ done' = TRUE /\\ x' = x
Next == Move \\/ \\E i \\in 1..K : Fin(i)
Spec == Init /\\ [][Next]_vars /\\ \\A i \\in 1..K : SF_vars(Fin(i))
P == <>done
====
`
    const r = check(spec, "CONSTANT K = 70\nSPECIFICATION Spec\nPROPERTY P\nCHECK_DEADLOCK FALSE\n").r
    expect(r.outcome.kind).toBe("liveness")
  })

  it("quantifiers over the empty set: \\A is TRUE and \\E is FALSE, without a crash", () => {
    const spec = `---- MODULE Empty ----
EXTENDS Naturals
CONSTANT S
VARIABLE x
Init == x = 0
Next == x' = 1 - x
Spec == Init /\\ [][Next]_x
P == (\\A p \\in S : WF_x(Next)) => <>(x = 1)
Q == \\E p \\in S : <>(x = p)
R == \\A p \\in S : <>(x = p)
====
`
    // P: the antecedent holds, and without fairness x may stay 0
    expect(check(spec, "CONSTANT S = {}\nSPECIFICATION Spec\nPROPERTY P\n").r.outcome.kind).toBe("liveness")
    expect(check(spec, "CONSTANT S = {}\nSPECIFICATION Spec\nPROPERTY Q\n").r.outcome.kind).toBe("liveness")
    expect(check(spec, "CONSTANT S = {}\nSPECIFICATION Spec\nPROPERTY R\n").r.outcome.kind).toBe("ok")
  })

  it("a witness that is a stuttering step away from the cycle's entry is walked to", () => {
    const spec = `---- MODULE Toggle ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = 1 - x
Spec == Init /\\ [][Next]_x /\\ WF_x(Next)
P == <>[](x' # x) \\/ []<>(x = 1 /\\ x' = x)
====
`
    const { r } = check(spec, "SPECIFICATION Spec\nPROPERTY P\n")
    expect(r.outcome.kind).toBe("liveness")
    // the cycle stutters at x = 0, never at x = 1
    if (r.outcome.kind === "liveness") expect(r.outcome.trace.some((t) => t.stutter === true && t.state[0] === 0)).toBe(true)
    // by the tableau: the same lasso, its product's extra stuttering steps taken out but the one the property needs
    livenessTesting.tableauOnly = true
    try {
      const t = check(spec, "SPECIFICATION Spec\nPROPERTY P\n").r
      expect(t.outcome).toEqual(r.outcome)
    } finally {
      livenessTesting.tableauOnly = false
    }
  })

  // Forms only the tableau checks. From 0 the spec goes to 1, then between 1 and 2 for ever
  // or on to 3, where it stops; WF_x(Next) keeps it from stopping anywhere else.
  const nest = `---- MODULE Nest ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
A == x = 0 /\\ x' = 1
B == x = 1 /\\ x' = 2
C == x = 2 /\\ x' = 1
D == x = 1 /\\ x' = 3
Next == A \\/ B \\/ C \\/ D
Spec == Init /\\ [][Next]_x /\\ WF_x(Next)
LeadsImp == (x = 2 ~> x = 3) => (x = 1 ~> x = 3)
LeadsImpWrong == (x = 1 ~> x = 3) => (x = 2 ~> x = 0)
EvBox == <>(x >= 1 /\\ [](x >= 1))
EvBoxWrong == <>(x = 3 /\\ [](x = 3))
BoxEvBox == [](x = 2 => <>[](x # 0))
BoxEvBoxWrong == [](x = 1 => <>[](x = 3))
Mixed == [](<>[](x = 3) \\/ []<>(x = 2))
MixedWrong == <>([]<>(x = 0) \\/ <>[](x = 3))
BoxLeads == [](x = 2 => (x = 1 ~> (x = 2 \\/ x = 3)))
BoxLeadsWrong == [](x = 1 => (x = 2 ~> x = 3))
KEv == (<>(x = 1) /\\ <>(x = 2) /\\ <>(x # 0) /\\ <>(x > 0) /\\ <>(x < 3) /\\ <>(x >= 1)) => <>[](x # 0)
KEvWrong == (<>(x = 1) /\\ <>(x = 2) /\\ <>(x # 0) /\\ <>(x > 0) /\\ <>(x < 3) /\\ <>(x >= 1)) => <>[](x = 3)
====
`
  it.each([
    ["LeadsImp", "ok"],
    ["LeadsImpWrong", "liveness"],
    ["EvBox", "ok"],
    ["EvBoxWrong", "liveness"],
    ["BoxEvBox", "ok"],
    ["BoxEvBoxWrong", "liveness"],
    ["Mixed", "ok"],
    ["MixedWrong", "liveness"],
    ["BoxLeads", "ok"],
    ["BoxLeadsWrong", "liveness"],
    ["KEv", "ok"],
    ["KEvWrong", "liveness"],
  ])("%s: %s, by the patterns or the tableau and by the tableau alone", (name, verdict) => {
    for (const tableauOnly of [false, true]) {
      livenessTesting.tableauOnly = tableauOnly
      let run: ReturnType<typeof check>
      try {
        run = check(nest, `SPECIFICATION Spec\nPROPERTY ${name}\nCHECK_DEADLOCK FALSE\n`)
      } finally {
        livenessTesting.tableauOnly = false
      }
      const { r, model, text } = run
      expect(model.warnings).toEqual([])
      if (tableauOnly || name.startsWith("LeadsImp") || name.startsWith("EvBox") || name.startsWith("KEv"))
        expect(model.liveness!.properties[0]!.tableaux).toHaveLength(1)
      expect(r.outcome.kind).toBe(verdict)
      if (r.outcome.kind !== "liveness") continue
      // a lasso in TLC's shape: no stuttering inside it
      expect(r.outcome.trace.slice(0, -1).some((t) => t.stutter === true)).toBe(false)
      const states = r.outcome.trace.map((t) => t.state[0])
      if (name === "LeadsImpWrong") expect(text).toMatch(/State 5: <D .*\nx = 3\n\nState 6: Stuttering/)
      else {
        // 0, 1, then round 1 and 2 for ever
        expect(states.slice(0, 3)).toEqual([0, 1, 2])
        expect(r.outcome.backTo).not.toBeNull()
        expect(new Set(states.slice(r.outcome.backTo! - 1))).toEqual(new Set([1, 2]))
      }
    }
  })

  it("strong fairness on the tableau's components: a cycle avoiding the states that enable the action", () => {
    // 0 and 1 and 2 in a cycle, E from 0 to 3 under SF: a behaviour must take E or avoid 0
    const spec = `---- MODULE SfNest ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Around == x \\in {0, 1, 2} /\\ x' \\in {0, 1, 2} /\\ x' # x /\\ ~(x = 0 /\\ x' = 2) /\\ ~(x = 2 /\\ x' = 0)
E == x = 0 /\\ x' = 3
Next == Around \\/ E
Spec == Init /\\ [][Next]_x /\\ WF_x(Next) /\\ SF_x(E)
Ends == <>(x = 3 /\\ [](x = 3))
====
`
    const { r, model } = check(spec, "SPECIFICATION Spec\nPROPERTY Ends\nCHECK_DEADLOCK FALSE\n")
    expect(model.liveness!.properties[0]!.tableaux).toHaveLength(1)
    expect(r.outcome.kind).toBe("liveness")
    if (r.outcome.kind === "liveness") {
      expect(r.outcome.trace.map((t) => t.state[0])).toEqual([0, 1, 2])
      expect(r.outcome.backTo).toBe(2)
    }
  })

  it("a form the search cannot express is reported and left unchecked", () => {
    // a temporal formula under a quantifier over a set that depends on the state
    const spec = cycle.replace("====", "Odd == \\A v \\in {x} : <>(x = v)\n====")
    const { r, model } = check(spec, "SPECIFICATION FairSpec\nPROPERTY Odd\n")
    expect(model.warnings.join("\n")).toMatch(/PROPERTY Odd: liveness parts are not checked .*not supported/)
    expect(r.outcome.kind).toBe("ok")
  })

  it("the CLI exits with 13 on a liveness violation, as TLC does", () => {
    const { file } = check(cycle, "SPECIFICATION Spec\nPROPERTY Reach2\n")
    const run = spawnSync(process.execPath, [join(repoRoot, "bin/pollen"), "tla", "check", file], { encoding: "utf8" })
    const code = run.status
    const out = run.stdout
    expect(code).toBe(13)
    expect(out).toContain("Checking temporal properties for the complete state space with 3 total distinct states")
    expect(out).toContain("State 2: Stuttering")
  }, 60_000)
})
