// TLC semantics that public specifications (tlaplus/Examples) rely on, each on a small spec
// of ours; found by running those specifications against TLC's recorded figures.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"
import { exitCode } from "../../src/tla/report.ts"

const root = mkdtempSync(join(tmpdir(), "pollen-tla-public-"))
let n = 0
const check = (name: string, spec: string, cfg: string, extra: Record<string, string> = {}) => {
  const dir = join(root, `m${n++}`)
  mkdirSync(dir)
  writeFileSync(join(dir, `${name}.tla`), spec)
  writeFileSync(join(dir, `${name}.cfg`), cfg)
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text)
  const r = checkSpec(join(dir, `${name}.tla`))
  return { kind: r.outcome.kind, generated: r.generated, distinct: r.distinct, depth: r.depth, outcome: r.outcome }
}

describe("TLC module", () => {
  // TLC's breadth-first checker answers TLCGet("config") with the record
  // [mode |-> "bfs", deadlock |-> <CHECK_DEADLOCK>, worker |-> <workers>, seed, fingerprint, install]
  // (ModelChecker.createConfig); SpanTreeRandom ASSUMEs TLCGet("config").worker = 1.
  it('TLCGet("config") gives the mode, deadlock checking and worker count', () => {
    const spec = `---- MODULE Cfg ----
EXTENDS Naturals, TLC
VARIABLE x
ASSUME TLCGet("config").worker = 1 /\\ TLCGet("config").mode = "bfs"
Init == x = IF TLCGet("config").deadlock THEN 1 ELSE 2
Next == x < 5 /\\ x' = x + 1
====
`
    expect(check("Cfg", spec, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 4, depth: 4 })
    expect(check("Cfg", spec, "INIT Init\nNEXT Next\n")).toMatchObject({ kind: "deadlock", distinct: 5 })
  })

  // TLC's regression spec test-model/TLCSet.tla: TLCGet answers the running search's figures
  // (in Init: 0 distinct, 0 generated, diameter 1, empty queue; expanding state x of a chain:
  // x + 1 distinct, generated and diameter), also as TLCGet("stats"), and TLCSet("exit", TRUE)
  // ends the search as finished once the current state is expanded (TLCSetTest: TLC_FINISHED).
  it('TLCGet("distinct" / "generated" / "diameter" / "queue" / "duration" / "stats") and TLCSet("exit", TRUE)', () => {
    const spec = `---- MODULE Stats ----
EXTENDS Integers, TLC
VARIABLES x
Init == /\\ x = 0
        /\\ TLCGet("duration") >= 0 /\\ TLCGet("diameter") = 1 /\\ TLCGet("queue") = 0 /\\ TLCGet("distinct") = 0
        /\\ TLCGet("stats").generated = 0 /\\ TLCGet("stats").diameter = 1
Next == /\\ x' = x + 1
        /\\ TLCSet("exit", x = 42)
        /\\ TLCGet("queue") = 0
        /\\ TLCGet("distinct") = x' /\\ TLCGet("generated") = x' /\\ TLCGet("diameter") = x'
        /\\ TLCGet("stats").distinct = x' /\\ TLCGet("stats").diameter = x' /\\ TLCGet("stats").queue = 0
Spec == Init /\\ [][Next]_x
====
`
    // every TLCGet conjunct holds (else Next would have no successor: a deadlock), and the
    // search ends after expanding x = 42 although Next is always enabled
    expect(check("Stats", spec, "SPECIFICATION Spec\n")).toMatchObject({ kind: "ok", distinct: 44, depth: 44 })
    // a wrong expectation is a deadlock: the figures are not constants
    const wrong = spec.replace('TLCGet("distinct") = x\'', 'TLCGet("distinct") = x')
    expect(check("Stats", wrong, "SPECIFICATION Spec\n")).toMatchObject({ kind: "deadlock", distinct: 1 })
  })

  // TLC.tla defines RandomElement(s) == CHOOSE x \in s : TRUE, a constant-level operator, so
  // TLC evaluates a zero-arity definition using it once at startup (processConstantDefns):
  // SpanTreeRandom's random Edges graph is the same for the whole run.
  it("a zero-arity definition using RandomElement keeps one value for the run", () => {
    const spec = `---- MODULE Rand ----
EXTENDS Naturals, TLC
VARIABLE x
Pick == RandomElement(1..1000)
Init == x = Pick
Next == x' = Pick
Same == x = Pick
====
`
    expect(check("Rand", spec, "INIT Init\nNEXT Next\nINVARIANT Same\n")).toMatchObject({ kind: "ok", generated: 2, distinct: 1, depth: 1 })
  })
})

describe("TLCExt module", () => {
  // TLCExt is one of tla2tools' standard modules (its operators are Java overrides); EWD840_json
  // EXTENDS it and names Trace in an invariant: "unknown identifier Trace" before.
  it("Trace is the behaviour up to the state being checked; the other operators", () => {
    const spec = `---- MODULE Ext ----
EXTENDS Naturals, Sequences, TLC, TLCExt
VARIABLE x
Init == x = 0
Next == x' = x + 1
Inv == /\\ Len(Trace) = x + 1
       /\\ \\A i \\in 1..Len(Trace) : Trace[i] = [x |-> i - 1]
       /\\ AssertEq(TLCNoOp(x), TLCCache(x, {x}))
       /\\ TLCModelValue("m") # x /\\ TLCDefer(FALSE) /\\ PickSuccessor(FALSE)
       /\\ TLCGetOrDefault(7, 0) = 0 /\\ TLCGetAndSet(8, +, 1, 0) = 0 => TRUE
Short == Len(Trace) < 4
Small == x < 5
====
`
    expect(check("Ext", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCONSTRAINT Small\n")).toMatchObject({ kind: "ok", distinct: 5, depth: 5 })
    const r = check("Ext", spec, "INIT Init\nNEXT Next\nINVARIANT Inv Short\nCONSTRAINT Small\n")
    expect(r).toMatchObject({ kind: "invariant", distinct: 4, depth: 4 })
    expect(r.outcome.kind === "invariant" && r.outcome.trace.length).toBe(4)
  })
})

describe("ENABLED in invariants", () => {
  // An invariant on an initial state is evaluated while Init is still being enumerated; ENABLED
  // there must enumerate A's successors as in Next (primed variables to assign), not as Init.
  // YoYo's FinishIffTerminated == ~(ENABLED Next) <=> Termination: "x' is used before it is
  // assigned a value" on the first state before.
  it("ENABLED A in an invariant checked on the initial states", () => {
    const spec = `---- MODULE En ----
EXTENDS Naturals
VARIABLE x
Init == x \\in {0, 1}
Next == x < 3 /\\ x' = x + 1
Fin == ~(ENABLED Next) <=> x = 3
====
`
    expect(check("En", spec, "INIT Init\nNEXT Next\nINVARIANT Fin\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", generated: 5, distinct: 4, depth: 3 })
  })
})

describe("user-defined operators", () => {
  // TLA+ lets a module define any infix operator symbol, written `a op b == e` with blanks
  // around the symbol (Specifying Systems §17.1); Quicksort defines `f ** g`, EWD998ChanID
  // `a \prec b` and `a ++ b`.
  it("infix definitions written with spaces around the symbol", () => {
    const spec = `---- MODULE Infix ----
EXTENDS Naturals
VARIABLE x
f ** g == [i \\in DOMAIN g |-> f[g[i]]]
a \\prec b == a < b
a ++ b == a + 2 * b
Init == x = <<2, 3, 1>> ** <<3, 1, 2>>
Next == UNCHANGED x
Ok == x = <<1, 2, 3>> /\\ 1 \\prec 2 /\\ ~(2 \\prec 1) /\\ 1 ++ 2 = 5
====
`
    expect(check("Infix", spec, "INIT Init\nNEXT Next\nINVARIANT Ok\n")).toMatchObject({ kind: "ok", distinct: 1 })
  })
})

describe("set filters", () => {
  // TLC filters {x \in S : P} at once only when S is an enumerated set or an interval
  // (Tool.evalAppl OPCODE_sso, "Reducible"); otherwise it builds a SetPredValue whose
  // membership test is `v \in S /\ P(v)`. Quicksort's Inv tests `UV \in {DP \in SUBSET SUBSET ...}`.
  it("membership in a filter of a set that is not enumerated (Nat, a large SUBSET)", () => {
    const spec = `---- MODULE Filter ----
EXTENDS Naturals, FiniteSets
VARIABLE x
Small == {n \\in Nat : n < 3}
Pairs == {s \\in SUBSET (1..30) : Cardinality(s) = 2}
Init == x \\in {1, 2, 5}
Next == UNCHANGED x
Ok == (x \\in Small) = (x < 3) /\\ {x, 7} \\in Pairs /\\ {1, 2, 3} \\notin Pairs
====
`
    expect(check("Filter", spec, "INIT Init\nNEXT Next\nINVARIANT Ok\n")).toMatchObject({ kind: "ok", distinct: 3 })
  })
  it("a filter kept lazily still enumerates in the state it was built in", () => {
    const spec = `---- MODULE Filter2 ----
EXTENDS Naturals, FiniteSets
VARIABLE x, y
Init == x = 0 /\\ y = {}
Next == x < 2 /\\ x' = x + 1 /\\ y' = {s \\in SUBSET {0, 1, 2} : x \\in s /\\ Cardinality(s) = 1}
Ok == y = IF x = 0 THEN {} ELSE {{x - 1}}
====
`
    expect(check("Filter2", spec, "INIT Init\nNEXT Next\nINVARIANT Ok\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 3 })
  })
})

describe("lazy set operators", () => {
  // TLC's UNION is a UnionValue: membership asks each element set, nothing is enumerated.
  // Disruptor's RingBuffer!TypeOk is `ringbuffer \in [readers: UNION {[0..LastIndex -> SUBSET Readers]}, ...]`;
  // enumerating the union made each state cost thousands of functions. Here the function set
  // has 16^12 elements, far too many to enumerate.
  it("membership in UNION of a function set does not enumerate it", () => {
    const spec = `---- MODULE Un ----
EXTENDS Naturals
VARIABLE x
Init == x = [i \\in 1..12 |-> {}]
Next == \\E i \\in 1..12 : x[i] = {} /\\ x' = [x EXCEPT ![i] = {(i % 4) + 1}]
TypeOK == x \\in UNION { [1..12 -> SUBSET (1..4)] }
Other == [i \\in 1..3 |-> TRUE] \\notin UNION { [1..12 -> SUBSET (1..4)] }
Small == UNION { SUBSET (1..2), {{3}} } = {{}, {1}, {2}, {1, 2}, {3}}
ASSUME Other /\\ Small
====
`
    expect(check("Un", spec, "INIT Init\nNEXT Next\nINVARIANT TypeOK\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 4096, depth: 13 })
  })
})

describe("operator arguments", () => {
  // TLC's test51 passes every infix operator to an operator parameter, the built-in ones too:
  // TestDefinedBooleanOp(=>), TestDefinedSetOp(#), TestIn(\\in).
  it("built-in logical, equality and membership operators as operator arguments", () => {
    const spec = `---- MODULE OpArg ----
EXTENDS Naturals
T(F(_, _)) == F(TRUE, FALSE)
S(F(_, _)) == F({1}, {2})
M(F(_, _)) == F(1, {2})
ASSUME <<T(=>), T(<=>), T(\\equiv), T(/\\), T(\\land), T(\\/), T(\\lor)>> = <<FALSE, FALSE, FALSE, FALSE, FALSE, TRUE, TRUE>>
ASSUME <<S(=), S(#), S(/=), S(\\cup)>> = <<FALSE, TRUE, TRUE, {1, 2}>>
ASSUME <<M(\\in), M(\\notin)>> = <<FALSE, TRUE>>
\\* as the inline operators, => and /\\ do not evaluate the second operand when the first decides
Short(F(_, _)) == F(FALSE, 1)
ASSUME Short(=>) /\\ ~Short(/\\)
====
`
    expect(check("OpArg", spec, "")).toMatchObject({ kind: "ok", generated: 0 })
  })

  // A LET operator may have operator parameters too (TLA+ allows any definition in a LET);
  // its call used to compile the arguments as values ("LAMBDA can only be passed as an operator
  // argument", "operator Inc expects 1 arguments but got 0").
  it("a LET operator with an operator parameter, in an action", () => {
    const spec = `---- MODULE LetOp ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == LET Step(F(_)) == x' = F(x)
            Inc(v) == v + 2
        IN x < 6 /\\ (Step(LAMBDA v : v + 1) \\/ Step(Inc))
====
`
    expect(check("LetOp", spec, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", generated: 13, distinct: 8, depth: 5 })
  })
})

describe("successor counting", () => {
  // TLC's allAssigned fast path (Tool.getInitStates; getNextStatesAllAssigned, on unless
  // -nowarning): once every variable has a value, the conjuncts still to come are evaluated as
  // conditions, so a later disjunction or \\E yields one state. TLC's MinimalSetOfInitStates test
  // expects 8 initial states generated (6 distinct) and 14 states generated in all.
  it("conjuncts after all variables are assigned do not multiply states (MinimalSetOfInitStates)", () => {
    const spec = `---- MODULE MinimalSetOfInitStates ----
VARIABLE x
I1a == /\\ x = 0
       /\\ \\/ 1 = 1
          \\/ 2 = 2
          \\/ 3 = 3
I1b == /\\ \\/ 1 = 1
          \\/ 2 = 2
          \\/ 3 = 3
       /\\ x = 1
I1c == /\\ ~~(\\/ 1 = 1
             \\/ 2 = 2
             \\/ 3 = 3)
       /\\ x = 2
I2 == /\\ x = 3
      /\\ \\/ 1 = 2
         \\/ 2 = 3
I3 == /\\ \\/ 1 = 2
         \\/ 2 = 3
      /\\ x = 4
I4 == \\/ x = 5
      \\/ x = 6
        /\\ \\/ \\/ 1 = 2
              \\/ 1 = 1
           \\/ 2 = 3
I5 == /\\ x = 7
Init == I1a \\/ I1b \\/ I1c \\/ I2 \\/ I3 \\/ I4 \\/ I5
Next == UNCHANGED x
====
`
    expect(check("MinimalSetOfInitStates", spec, "INIT Init\nNEXT Next\n")).toMatchObject({ kind: "ok", generated: 14, distinct: 6 })
  })

  it("in Next, only once every primed variable is assigned", () => {
    const spec = `---- MODULE AA ----
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\\ y = 0
\\* y' is still unassigned at the disjunction of A: two (equal) successors; B's \\E and
\\* disjunction come after x' and y': one successor
A == x' = (x + 1) % 3 /\\ (TRUE \\/ 1 = 1) /\\ y' = y
B == x' = x /\\ y' = 1 - y /\\ (\\E i \\in 1..3 : i > 0) /\\ (TRUE \\/ 1 = 1)
Next == A \\/ B
====
`
    // 6 states (x \\in 0..2, y \\in 0..1), each with 2 successors from A and 1 from B, plus Init
    expect(check("AA", spec, "INIT Init\nNEXT Next\n")).toMatchObject({ kind: "ok", generated: 19, distinct: 6 })
  })
})

describe("lexing and cfg forms", () => {
  // SANY's lexer reads "(+)", "(-)", "(.)", "(/)" and "(\X)" as single operator symbols, so
  // `B (-) C` is an infix application, never B applied to `-` (Nano: `SumBag(B (-) SetToBag({e}))`).
  it("a name followed by a parenthesised operator symbol is an infix application", () => {
    const spec = `---- MODULE Paren ----
EXTENDS Naturals
VARIABLE x
a (+) b == a + 10 * b
F(n) == n
G == 2
Init == x = F(G (+) 3)
Next == UNCHANGED x
Ok == x = 32
====
`
    expect(check("Paren", spec, "INIT Init\nNEXT Next\nINVARIANT Ok\n")).toMatchObject({ kind: "ok", distinct: 1 })
  })

  // TLC's cfg form `X = [M]v` replaces definition X of module M, wherever M is instantiated,
  // by the value v (MCNano: `NoBlock = [Nano]NoBlockVal` instead of an unbounded CHOOSE).
  it("CONSTANT X = [M]v overrides a definition of an instantiated module", () => {
    const inner = `---- MODULE Inner ----
None == CHOOSE v : v \\notin {1, 2}
Opt(s) == IF s = {} THEN None ELSE CHOOSE v \\in s : TRUE
====
`
    const spec = `---- MODULE Outer ----
VARIABLE x
I == INSTANCE Inner
Init == x \\in {I!Opt({}), I!Opt({1})}
Next == UNCHANGED x
Ok == x \\in {1, I!None}
====
`
    expect(check("Outer", spec, "CONSTANT None = [Inner]none\nINIT Init\nNEXT Next\nINVARIANT Ok\n", { "Inner.tla": inner })).toMatchObject({ kind: "ok", distinct: 2 })
  })
})

describe("empty tuple subscripts", () => {
  // TLC's BagsTest ends with `Spec == [][TRUE]_<<>>`: the subscript may be the empty tuple, and
  // [A]_<<>> is A \\/ UNCHANGED <<>>, which always holds. `_<<>>` was a parse error.
  it("[A]_<<>> parses and holds for every step", () => {
    const spec = `---- MODULE ES ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\\ x' = x + 1
Spec == Init /\\ [][Next]_<<x>>
Prop == [][FALSE]_<<>>
Idle == [][TRUE]_<< >>
====
`
    expect(check("ES", spec, "SPECIFICATION Spec\nPROPERTY Prop Idle\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 4, depth: 4 })
  })
})

describe("constant modules", () => {
  // A module without variables whose cfg names no behaviour (Stones, TransitiveClosure,
  // CarTalkPuzzle): TLC evaluates the ASSUMEs and reports 0 states, no error.
  it("a cfg with only CONSTANTS checks the assumptions and explores nothing", () => {
    const spec = `---- MODULE Puzzle ----
EXTENDS Naturals
CONSTANT W
ASSUME \\E a, b \\in 1..W : a * b = W /\\ a < b
====
`
    expect(check("Puzzle", spec, "CONSTANT W = 6\n")).toMatchObject({ kind: "ok", generated: 0, distinct: 0, depth: 0 })
    expect(check("Puzzle", spec, "CONSTANT W = 1\n")).toMatchObject({ kind: "assumption", generated: 0 })
  })
})

describe("recursive functions", () => {
  // TLC evaluates a recursive function definition lazily (FcnLambdaValue), so its domain may be
  // infinite and have several arguments: TransitiveClosure's LET CR[n \in Nat, v \in S] == ...
  it("a recursive function of two arguments over Nat", () => {
    const spec = `---- MODULE Binom ----
EXTENDS Naturals
C[n \\in Nat, k \\in Nat] == IF k = 0 \\/ k = n THEN 1 ELSE IF k > n THEN 0 ELSE C[n - 1, k - 1] + C[n - 1, k]
Paths(S) == LET P[i \\in Nat, x \\in S] == IF i = 0 THEN 1 ELSE P[i - 1, x] * 2 IN P[3, CHOOSE x \\in S : TRUE]
ASSUME C[5, 2] = 10 /\\ C[6, 3] = 20 /\\ Paths({"a", "b"}) = 8
====
`
    expect(check("Binom", spec, "")).toMatchObject({ kind: "ok", generated: 0 })
  })
})

describe("theorem names", () => {
  // A named THEOREM stands for its statement in expressions (SANY's ThmOrAssumpDefNode, which
  // TLC evaluates): MC_sums_even checks `ASSUME T1` with Nat overridden by 0..MaxNat.
  it("ASSUME T refers to the statement of THEOREM T", () => {
    const spec = `---- MODULE Thm ----
EXTENDS Naturals
CONSTANT Max
Small == 0..Max
THEOREM T1 == \\A x \\in Nat : (x + x) % 2 = 0
THEOREM T2 == \\A x \\in Nat : x < 5
ASSUME T1
ASSUME T2
====
`
    expect(check("Thm", spec, "CONSTANT Max = 4\nNat <- Small\n")).toMatchObject({ kind: "ok", generated: 0 })
    expect(check("Thm", spec, "CONSTANT Max = 5\nNat <- Small\n")).toMatchObject({ kind: "assumption" })
  })
})

describe("proofs", () => {
  // SANY lexes `<1>` as a proof-step token, so a THEOREM's statement ends where an indented
  // proof begins (bcastByz: `... => Cardinality(X) = ... - Cardinality(Y)` then `  <1> SUFFICES`).
  it("a theorem statement followed by an indented proof step", () => {
    const spec = `---- MODULE Prf ----
EXTENDS Naturals
VARIABLE x
THEOREM Sub == \\A a, b \\in Nat : a > b => a - b > 0
  <1> SUFFICES ASSUME NEW a \\in Nat, NEW b \\in Nat, a > b
               PROVE a - b > 0
    OBVIOUS
  <1> QED
    OBVIOUS
Init == x = 0
Next == x < 3 /\\ x' = x + 1
====
`
    expect(check("Prf", spec, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 4, depth: 4 })
  })
})

describe("labels and Unicode symbols", () => {
  // SANY accepts a label `P0::` (Unicode `∷`) in front of any subexpression; it only names it
  // for proofs (EWD840's Inv: `∨ P0∷ ∀ i ∈ Node : ...`).
  it("labelled subexpressions, with and without arguments", () => {
    const spec = `---- MODULE Lab ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\\ x' = x + 1
Inv == \\/ P0:: x < 10
       \\/ P1(y):: \\E y \\in {1} : x = 100
       \\/ P2∷ FALSE
====
`
    expect(check("Lab", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 4 })
  })

  // The Unicode forms of tlaplus/rfcs' tla-unicode.csv (EWD840 and SyncTerminationDetection
  // are written with ℕ, ‥ and ∷).
  it("ℕ ℤ ‥ ⋄ ⊕ ⊖ ← and other Unicode symbols", () => {
    const inner = `---- MODULE Inn ----
CONSTANT K
Val ≜ K
====
`
    const spec = `---- MODULE Uni ----
EXTENDS Integers, Bags
VARIABLE x
a ⊕ b ≜ a * 10 + b
I ≜ INSTANCE Inn WITH K ← 7
Init ≜ x ∈ 1 ‥ 2
Next ≜ x < 4 ∧ x' = x + 1
Ok ≜ ∧ x ∈ ℕ ∧ -x ∈ ℤ ∧ 1 ⊕ 2 = 12 ∧ 1 \\oplus 2 = 12 ∧ I!Val = 7
      ∧ (SetToBag({1}) ⊖ SetToBag({1})) = EmptyBag ∧ {1} ⊆ {1} ∧ 2 ≠ 3
Live ≜ ⋄(x = 4)
====
`
    expect(check("Uni", spec, "INIT Init\nNEXT Next\nINVARIANT Ok\nCHECK_DEADLOCK FALSE\n", { "Inn.tla": inner })).toMatchObject({ kind: "ok", distinct: 4, depth: 3 })
  })
})

describe("instances with substitutions", () => {
  // TLC substitutes INSTANCE ... WITH chan <- in syntactically, so the instance's `chan' = e`
  // is `in' = e` and assigns in' (Specifying Systems' InnerFIFO: `InChan!Send(msg)`).
  it("a primed substituted variable assigns the variable it stands for", () => {
    const chan = `---- MODULE Chan ----
EXTENDS Naturals
VARIABLE chan
Send == chan < 2 /\\ chan' = chan + 1
Reset == chan = 2 /\\ UNCHANGED chan
====
`
    const spec = `---- MODULE Two ----
VARIABLES a, b
A == INSTANCE Chan WITH chan <- a
B == INSTANCE Chan WITH chan <- b
Init == a = 0 /\\ b = 0
Next == \\/ A!Send /\\ UNCHANGED b
        \\/ B!Send /\\ UNCHANGED a
====
`
    expect(check("Two", spec, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n", { "Chan.tla": chan })).toMatchObject({ kind: "ok", distinct: 9, generated: 13, depth: 5 })
  })

  // A definition naming an instance's action (Step == A!Next) is action-level: it must not be
  // cached per state like a state predicate (each successor is a different step).
  it("a definition that names an instance's action is evaluated per step", () => {
    const abs = `---- MODULE Abs ----
EXTENDS Naturals
VARIABLE v
Next == v' = v + 1
====
`
    const spec = `---- MODULE Lvl ----
EXTENDS Naturals
VARIABLE x
A == INSTANCE Abs WITH v <- x
Init == x = 0
Next == x < 3 /\\ (x' = x + 1 \\/ x' = x + 2)
Step == A!Next
Prop == [][Step]_x
====
`
    expect(check("Lvl", spec, "INIT Init\nNEXT Next\nPROPERTY Prop\nCHECK_DEADLOCK FALSE\n", { "Abs.tla": abs })).toMatchObject({ kind: "property" })
  })

  // `I(k) == INSTANCE M WITH K <- k` (Specifying Systems' FIFO: Inner(q) == INSTANCE InnerFIFO):
  // I(a)!Op is Op of the instance with k replaced by a.
  it("parameterized instances", () => {
    const inner = `---- MODULE Inner ----
EXTENDS Naturals
CONSTANT K
VARIABLE v
Val == v + K
Step == v' = v + K
====
`
    const spec = `---- MODULE PI ----
EXTENDS Naturals
VARIABLE x
I(k) == INSTANCE Inner WITH K <- k, v <- x
Init == x = 0
Next == x < 6 /\\ \\E k \\in {2, 3} : I(k)!Step
Ok == I(1)!Val = x + 1
====
`
    expect(check("PI", spec, "INIT Init\nNEXT Next\nINVARIANT Ok\nCHECK_DEADLOCK FALSE\n", { "Inner.tla": inner })).toMatchObject({ kind: "ok", generated: 11, distinct: 8, depth: 4 })
  })

  // TLC's test61: `IM(x) == INSTANCE test61a` (whose VARIABLE x is the parameter) and
  // `SPECIFICATION ISpec` with `ISpec == IM(y)!Spec`. The parameter stands for the expression `y`,
  // so the instance's `x'` is `y'`; it used to be bound to y's value ("SPECIFICATION ISpec must
  // have the form Init /\\ [][Next]_vars", and `x' = ...` compared a constant).
  it("a parameterized instance applied to a variable, as SPECIFICATION and as an action", () => {
    const cnt = `---- MODULE Cnt ----
EXTENDS Naturals
VARIABLE x
Step == x' = (x + 1) % 5
Spec == (x = 0) /\\ [][Step]_x
====
`
    const spec = `---- MODULE PV ----
EXTENDS Naturals
VARIABLE y
IM(x) == INSTANCE Cnt
ISpec == IM(y)!Spec
Init == y = 0
Next == IM(y)!Step
Inv == y \\in 0..4
====
`
    expect(check("PV", spec, "SPECIFICATION ISpec\nINVARIANT Inv\n", { "Cnt.tla": cnt })).toMatchObject({ kind: "ok", generated: 6, distinct: 5, depth: 5 })
    expect(check("PV", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\n", { "Cnt.tla": cnt })).toMatchObject({ kind: "ok", generated: 6, distinct: 5, depth: 5 })
  })
})

describe("TLC regression suite, third round", () => {
  // test-model/AssignmentNext.tla: Next(var) == \E val \in 0..1 : var' = val /\ var' > 0 used as
  // Next(s): TLC substitutes the argument, so var' is s' and assigns it (3 generated, 2 distinct).
  it("a primed operator parameter bound to a state variable assigns the variable", () => {
    const spec = `---- MODULE PrimeParam ----
EXTENDS Integers
VARIABLES s, t
Next(var) == \\E val \\in 0..1 : (var' = val /\\ var' > 0)
Keep(v) == UNCHANGED v
Both(a, b) == Next(a) /\\ Keep(b)
Spec == s = 23 /\\ t = 5 /\\ [][Both(s, t)]_<<s, t>>
Inv == s # 0 /\\ t = 5
====
`
    expect(check("PrimeParam", spec, "SPECIFICATION Spec\nINVARIANT Inv\n")).toMatchObject({ kind: "ok", generated: 3, distinct: 2, depth: 2 })
  })

  // test-model/ConstLevelInvariant.tla and others are run with `-config Spec.tla`: TLC reads the
  // config from the module file's `---- CONFIG <name> ----` section (MonolithSpecExtractor).
  it("a .tla file as the config: its CONFIG section", () => {
    const dir = join(root, `m${n++}`)
    mkdirSync(dir)
    const file = join(dir, "Mono.tla")
    writeFileSync(
      file,
      `---- MODULE Mono ----
EXTENDS Naturals
CONSTANT C
VARIABLE b
Init == b = FALSE
Next == b' = TRUE
Spec == Init /\\ [][Next]_b
Inv == C \\subseteq Nat
====
---- CONFIG Mono ----
SPECIFICATION Spec
CONSTANT C = {1, 2, 3}
INVARIANT Inv
====
`,
    )
    const r = checkSpec(file, { config: file })
    expect({ kind: r.outcome.kind, generated: r.generated, distinct: r.distinct, depth: r.depth }).toEqual({ kind: "ok", generated: 3, distinct: 2, depth: 2 })
  })

  // test-model/Github1109.tla: an ASSUME whose evaluation fails (a constant substituted by a
  // function over Seq(S), which TLC cannot enumerate) is an assumption error: exit status
  // VIOLATION_ASSUMPTION (10), as a false assumption, not a general error.
  it("an error evaluating an ASSUME is an assumption failure", () => {
    const spec = `---- MODULE AssumeErr ----
EXTENDS Sequences
CONSTANT C
ASSUME DOMAIN C # {}
Part(D, R) == UNION {[d -> R] : d \\in SUBSET D}
C2 == [p \\in {Part({"s"}, Seq({"s"}))} |-> TRUE]
VARIABLE x
Init == x = 0
Next == x' = x
====
`
    const r = check("AssumeErr", spec, "CONSTANT C <- C2\nINIT Init\nNEXT Next\n")
    expect(r.kind).toBe("error")
    expect(r.outcome).toMatchObject({ assumption: "ASSUME line 4 of AssumeErr" })
    expect(exitCode({ outcome: r.outcome, generated: 0, distinct: 0, depth: 0, queueLeft: 0, seconds: 0 })).toBe(10)
  })

  // EvalExceptionTest (test-model/DistBakery.tla): an evaluation error in the CONSTRAINT on a
  // successor (num[n] =< 4 with num[n] a function) ends the trace with that successor: TLC's
  // trace has 6 states, the last the state whose constraint failed.
  it("an error checking a complete successor shows that successor in the trace", () => {
    const spec = `---- MODULE SuccErr ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = IF x = 2 THEN [y \\in {1} |-> 0] ELSE x + 1
Constr == x =< 4
====
`
    const r = check("SuccErr", spec, "INIT Init\nNEXT Next\nCONSTRAINT Constr\n")
    expect(r.kind).toBe("error")
    if (r.outcome.kind !== "error") throw new Error("unreachable")
    expect(r.outcome.trace.map((t) => t.state[0])).toEqual([0, 1, 2, expect.anything()])
    expect(r.outcome.error.at?.[0]).toBe(6)
  })

  // test-model/Github1244.tla with Github1244b.cfg: SPECIFICATION SpecNext where
  // SpecNext == Init /\ MyNext([][Next]_vars) and MyNext(n) == n (TLC: ok, 3 / 2).
  it("a SPECIFICATION conjunct that is an operator applied to [][Next]_vars", () => {
    const spec = `---- MODULE SpecArg ----
VARIABLE x
vars == <<x>>
Init == x = FALSE
Next == x' = ~x
MyInit(i) == i
MyNext(n) == n
Both(i, n) == MyInit(i) /\\ MyNext(n)
SpecNext == Init /\\ MyNext([][Next]_vars)
SpecBoth == Both(Init, [][Next]_vars)
====
`
    expect(check("SpecArg", spec, "SPECIFICATION SpecNext\n")).toMatchObject({ kind: "ok", generated: 3, distinct: 2, depth: 2 })
    expect(check("SpecArg", spec, "SPECIFICATION SpecBoth\n")).toMatchObject({ kind: "ok", generated: 3, distinct: 2, depth: 2 })
  })

  // test-model/Github702.tla and Github687.tla: a module instantiated by the spec is written
  // after the spec's own module in the same file; TLC finds it there (MonolithSpecExtractor).
  it("a module written after the root module in the same file", () => {
    const spec = `---- MODULE Mono2 ----
EXTENDS Naturals
VARIABLES y
one == 1
INSTANCE Inner WITH x <- one
====

---- MODULE Inner ----
EXTENDS Naturals
VARIABLES x, y
Init == x \\in {1, 2} /\\ y = 0
Next == y < 3 /\\ y' = y + 1 /\\ UNCHANGED x
Spec == Init /\\ [][Next]_<<x, y>>
====
`
    expect(check("Mono2", spec, "SPECIFICATION Spec\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", generated: 4, distinct: 4, depth: 4 })
  })

  // TLC's suite test48 and test52: user-defined postfix operators (a ^+ == ...), an operator
  // parameter declared as a prefix operator (BoxTest(-._)), and prefix/postfix operators,
  // SUBSET, DOMAIN, ENABLED, UNCHANGED and ' passed as operator arguments.
  it("postfix operators, prefix-operator parameters and keyword operators as arguments", () => {
    const spec = `---- MODULE OpArgs ----
EXTENDS Naturals
VARIABLE x
-. a == {{"a"}, {"b"}} \\ a
a ^+ == {{"a"}, {"b"}} \\ a
Neg(-._, v) == -v
SetOpTest(Foo(_)) == Foo({{"b"}, {"c"}})
DomainTest(Foo(_)) == Foo(<<5, 6>>)
ASSUME /\\ SetOpTest(-.) = - {{"b"}, {"c"}}
       /\\ SetOpTest(^+) = {{"b"}, {"c"}} ^+
       /\\ {{"b"}, {"c"}} ^+ = {{"a"}}
       /\\ SetOpTest(SUBSET) = SUBSET {{"b"}, {"c"}}
       /\\ DomainTest(DOMAIN) = {1, 2}
       /\\ Neg(-., {{"a"}}) = {{"b"}}
EnabledTest(Foo(_)) == Foo(x' = x)
UnchangedTest(Foo(_)) == Foo(x)
PrimeTest(Foo(_)) == Foo(x) = x
Init == x = 0
Next == x < 2 /\\ x' = x + 1
Inv == EnabledTest(ENABLED)
Same == [][UnchangedTest(UNCHANGED)]_x
Still == [][PrimeTest(')]_x
====
`
    expect(check("OpArgs", spec, "INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "ok", distinct: 3 })
    expect(check("OpArgs", spec, "INIT Init\nNEXT Next\nPROPERTY Same\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "property" })
    expect(check("OpArgs", spec, "INIT Init\nNEXT Next\nPROPERTY Still\nCHECK_DEADLOCK FALSE\n")).toMatchObject({ kind: "property" })
  })

  // TLC's suite test201: INSTANCE test201a WITH A <- LAMBDA y : y^3 for test201a's CONSTANT A(_)
  it("an operator constant of an instance substituted by a LAMBDA or an operator", () => {
    const spec = `---- MODULE LamInst ----
EXTENDS Naturals
Cube(y) == y ^ 3
foo == INSTANCE LamInstA WITH A <- LAMBDA y : y ^ 2, b <- 4
bar == INSTANCE LamInstA WITH A <- Cube, b <- 2
ASSUME foo!def = 16 /\\ bar!def = 8
VARIABLE x
Init == x = foo!def
Next == UNCHANGED x
====
`
    const inner = "---- MODULE LamInstA ----\nCONSTANT A(_), b\ndef == A(b)\n====\n"
    expect(check("LamInst", spec, "INIT Init\nNEXT Next\n", { "LamInstA.tla": inner })).toMatchObject({ kind: "ok", distinct: 1 })
  })

  // test-model/ConstantOperatorConfiguration: CONSTANT F(_) with F(0) = 1, F(1) = 2, F(2) = 2 in the
  // .cfg (TLC: invariant x /= 2 violated); an argument the .cfg leaves out is an evaluation error
  it("an operator constant given point by point in the .cfg", () => {
    const spec = `---- MODULE OpConst ----
CONSTANT F(_), G(_, _)
VARIABLE x
Init == x = 0
Next == x' = F(x)
Inv == x /= 2 /\\ G(1, "a") = TRUE
====
`
    const cfg = 'INIT Init\nNEXT Next\nCONSTANT\n  F(0) = 1\n  F(1) = 2\n  F(2) = 2\n  G(1, "a") = TRUE\nINVARIANT Inv\n'
    expect(check("OpConst", spec, cfg)).toMatchObject({ kind: "invariant", distinct: 3, depth: 3 })
    expect(check("OpConst", spec, cfg.replace("  F(1) = 2\n", "")).kind).toBe("error")
  })

  // test-model/ConstantRank2AssertError: TLCExt's AssertError(msg, e) is TRUE when evaluating e
  // fails with the message msg, FALSE when it succeeds; it can be a cfg substitution (x0 <- AssertError)
  it("TLCExt's AssertError", () => {
    const spec = `---- MODULE AssertErr ----
EXTENDS TLCExt
CONSTANT x0(_, _)
ASSUME AssertError("attempted to compute CHOOSE x \\\\in S : P, but no element of S satisfies P", CHOOSE y \\in {} : TRUE)
ASSUME ~AssertError("some other message", CHOOSE y \\in {} : TRUE)
ASSUME ~AssertError("no error", TRUE)
VARIABLE x
Init == x = TRUE
Next == x' = x0("no error", TRUE)
====
`
    expect(check("AssertErr", spec, "INIT Init\nNEXT Next\nCONSTANT x0 <- AssertError\n")).toMatchObject({ kind: "ok", generated: 3, distinct: 2 })
  })

  // test-model/Decimal.tla: `op == 000123.456000` is valid TLA+ (a real numeral); it parses, and
  // only evaluating it is an error (TLC has no real numbers)
  it("decimal numerals parse; evaluating one is an error", () => {
    expect(check("Dec", "---- MODULE Dec ----\nop == 000123.456000\n====\n", "")).toMatchObject({ kind: "ok", distinct: 0 })
    const spec = "---- MODULE Dec2 ----\nEXTENDS Naturals\nVARIABLE x\nInit == x \\in 1..2\nNext == x' = x /\\ x < 1.5\n====\n"
    expect(check("Dec2", spec, "INIT Init\nNEXT Next\n").kind).toBe("error")
  })

  // TLC's CyclicRedefine*Test: with `Next <- ReDefNext` in the cfg and ReDefNext == Next /\ ~A(1),
  // the Next inside ReDefNext is the original definition (not ReDefNext again, an endless recursion)
  it("a cfg substitution whose replacement uses the name it replaces", () => {
    const base = `---- MODULE CycBase ----
VARIABLE x
Init == x = FALSE
Op(b) == ~b
A(n) == x' = Op(FALSE)
B == x' = FALSE
Next == \\E i \\in {1, 2, 3} : A(i) \\/ B
====
`
    const spec = `---- MODULE Cyc ----
EXTENDS CycBase
ReDefNext == Next /\\ ~A(1)
Apply(b, P(_)) == P(b)
ReDefOp(b) == Apply(b, Op)
ReDefInit == x \\in BOOLEAN /\\ Init
====
`
    const extra = { "CycBase.tla": base }
    expect(check("Cyc", spec, "INIT Init\nNEXT Next\nCONSTANT Next <- ReDefNext\n", extra)).toMatchObject({ kind: "ok", generated: 4, distinct: 1, depth: 1 })
    expect(check("Cyc", spec, "INIT Init\nNEXT Next\nCONSTANT Op <- ReDefOp\n", extra)).toMatchObject({ kind: "ok", generated: 13, distinct: 2, depth: 2 })
    expect(check("Cyc", spec, "INIT Init\nNEXT Next\nCONSTANT Init <- ReDefInit\n", extra)).toMatchObject({ kind: "ok", distinct: 2 })
  })

  // TLC's CyclicRedefineInstanceTest: LET B == INSTANCE Base IN B!Next (an instance defined in a LET)
  it("an instance defined in a LET", () => {
    const spec = `---- MODULE LetInst ----
EXTENDS LetInstBase
ReDefNext == LET B == INSTANCE LetInstBase IN B!Next \\/ x' = TRUE
====
`
    const base = "---- MODULE LetInstBase ----\nVARIABLE x\nNext == x' = FALSE\nSpec == x = FALSE /\\ [][Next]_x\nInv == x = FALSE\n====\n"
    expect(check("LetInst", spec, "SPECIFICATION Spec\nINVARIANT Inv\nCONSTANT Next <- ReDefNext\n", { "LetInstBase.tla": base })).toMatchObject({
      kind: "invariant",
      generated: 3,
      distinct: 2,
      depth: 2,
    })
  })

  // TLC's FingerprintExceptionNextTest: a successor x' = SUBSET(SUBSET(1..32)) cannot be
  // fingerprinted: an error after 2 generated / 1 distinct, the trace ending at the initial state
  // (the unprintable successor is not shown)
  it("an error fingerprinting a successor", () => {
    const spec = `---- MODULE FpErr ----
EXTENDS Integers
VARIABLE x
Init == x = 0
Next == IF {1} \\in SUBSET(1..31) THEN x' = SUBSET(SUBSET(1..32)) ELSE x' = 2
Spec == Init /\\ [][Next]_x
====
`
    const r = check("FpErr", spec, "SPECIFICATION Spec\n")
    expect(r).toMatchObject({ kind: "error", generated: 2, distinct: 1 })
    if (r.outcome.kind !== "error") throw new Error("unreachable")
    expect(r.outcome.trace.map((t) => t.state[0])).toEqual([0])
  })

  // TLC's ConstantContextTLCCacheTest: a TLCSet register set in one ASSUME is seen by the next ones
  // and by the behaviour; TLCCache(e, key) evaluates e once per key
  it("TLCSet registers across ASSUMEs, and TLCCache", () => {
    const spec = `---- MODULE Cache ----
EXTENDS Integers, TLC, TLCExt
ASSUME TLCSet(1, 0)
inc(v) == CASE TLCSet(1, TLCGet(1) + 1) -> v
defn == TLCCache(inc({x : x \\in 1..5}), {1})
derived == TLCCache(inc({i \\in 1..5 : i + 1 \\in defn}), {2})
VARIABLE x, y
ASSUME 5 \\in defn
ASSUME 5 \\notin derived
Init == y = defn /\\ x = derived
Next == 1 \\in defn /\\ 1 \\in derived /\\ TLCGet(1) = 2 /\\ UNCHANGED <<x, y>>
====
`
    expect(check("Cache", spec, "INIT Init\nNEXT Next\n")).toMatchObject({ kind: "ok", generated: 2, distinct: 1, depth: 1 })
  })

  // TLC's AssertExpressionStackTest: Spec == x = 0 /\ [][x' = 1 /\ Assert(x = 0, "...")]_x fails when
  // expanding x = 1; the trace is x = 0, x = 1 and its step is labelled <Action line 6, col 21 ...>
  it("a failing Assert, and the label of an inline next-state action", () => {
    const spec = `---- MODULE AssertStack ----
EXTENDS Naturals, TLC

VARIABLES x

Spec == x = 0 /\\ [][x'=1/\\Assert(x=0, "Fails after initial state")]_x
====
`
    const r = check("AssertStack", spec, "SPECIFICATION Spec\n")
    expect(r.kind).toBe("error")
    if (r.outcome.kind !== "error") throw new Error("unreachable")
    expect(r.outcome.trace.map((t) => t.state[0])).toEqual([0, 1])
    expect(r.outcome.trace[1]!.action).toMatchObject({ name: "Action", at: [6, 21, 6, 67] })
  })
})
