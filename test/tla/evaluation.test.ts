// Evaluation of constant expressions against TLC's results.
import { describe, expect, it } from "vitest"
import { evalExpression } from "../../src/tla/api.ts"
import { printValue } from "../../src/tla/values.ts"

const cases: [string, string][] = [
  ["LET f[n \\in 0..5] == IF n = 0 THEN 1 ELSE n * f[n-1] IN f[5]", "120"],
  ["[r \\in {1} |-> [a |-> <<1, 2>>]][1].a[2]", "2"],
  ["[[a |-> <<1, 2>>] EXCEPT !.a[1] = @ + 10]", "[a |-> <<11, 2>>]"],
  ["\\E <<a, b>> \\in {1, 2} \\X {3} : a + b = 5", "TRUE"],
  ["{<<a, b>> : a \\in {1, 2}, b \\in {3}}", "{<<1, 3>>, <<2, 3>>}"],
  ["SUBSET {1, 2}", "{{}, {1}, {2}, {1, 2}}"],
  ["[a : {1, 2}, b : {3}]", "{[a |-> 1, b |-> 3], [a |-> 2, b |-> 3]}"],
  ["[{1, 2} -> {0}]", "{<<0, 0>>}"],
  ["SelectSeq(<<1, 2, 3, 4>>, LAMBDA x : x % 2 = 0)", "<<2, 4>>"],
  ["ToString(<<1, \"a\">>)", "\"<<1, \\\"a\\\">>\""],
  ["(1 :> 2) @@ (1 :> 3) @@ (2 :> 4)", "<<2, 4>>"],
  ["DOMAIN [a |-> 1, b |-> 2]", "{\"a\", \"b\"}"],
  ["Cardinality(Permutations({1, 2, 3}))", "6"],
  ["<<1, 2>> \\in Seq({1, 2})", "TRUE"],
  ["CHOOSE x \\in {3, 1, 2} : TRUE", "1"],
  ["-7 \\div 2", "-3"],
  ["(-7) \\div 2", "-4"],
  ["-7 % 2", "1"],
  ["2 ^ 10", "1024"],
  ["{x \\in 1..10 : x % 3 = 0}", "{3, 6, 9}"],
  ["UNION {{1}, {2, 3}}", "{1, 2, 3}"],
  ["LET Max(S) == CHOOSE m \\in S : \\A n \\in S : m >= n IN Max({4, 9, 2})", "9"],
  ["CASE 1 = 2 -> \"a\" [] 2 = 2 -> \"b\" [] OTHER -> \"c\"", "\"b\""],
  ["Len(SubSeq(<<1, 2, 3>>, 2, 3))", "2"],
  // SUBSET A \\subseteq SUBSET B is A \\subseteq B (TLC's SubsetEq test; the power sets are never built)
  ["SUBSET (1..30) \\subseteq SUBSET (1..42)", "TRUE"],
  ["SUBSET (1..42) \\subseteq SUBSET (2..42)", "FALSE"],
  ["<<SUBSET {1} \\subseteq SUBSET Nat, SUBSET {1} \\subseteq SUBSET {}, SUBSET {} \\subseteq SUBSET {}>>", "<<TRUE, FALSE, TRUE>>"],
  // binary, octal and hexadecimal numerals (TLC's test58)
  ["<<\\b111111, \\o77, \\h3F, \\B111111, \\O77, \\H3f, \\h3f + 1>>", "<<63, 63, 63, 63, 63, 63, 64>>"],
  ["<<1>> \\o <<2>>", "<<1, 2>>"],
  // a LET operator with an operator parameter takes LAMBDA, a defined operator or a built-in
  ["LET T(F(_)) == F(1) IN T(LAMBDA x : x + 1)", "2"],
  ["LET G(x) == x + 2 T(F(_)) == F(1) IN T(G)", "3"],
  ["LET T(F(_, _), y) == F(y, 2) IN <<T(LAMBDA a, b : a * b, 5), T(+ , 1), T(\\div, 7)>>", "<<10, 3, 3>>"],
  // the standard Bags module's BagOfAll and \sqsubseteq (Bags.tla)
  ["BagOfAll(LAMBDA x : x % 2, SetToBag({1, 2, 3}))", "(0 :> 1 @@ 1 :> 2)"],
  ["BagOfAll(LAMBDA x : 0, SetToBag({1, 2}) (+) SetToBag({2}))", "(0 :> 3)"],
  ["SetToBag({1}) \\sqsubseteq (SetToBag({1, 2}) (+) SetToBag({1}))", "TRUE"],
  ["(SetToBag({1}) (+) SetToBag({1})) \\sqsubseteq SetToBag({1, 2})", "FALSE"],
  ["SetToBag({3}) \\sqsubseteq SetToBag({1, 2})", "FALSE"],
  ["<<1, 2>> \\o <<3>>", "<<1, 2, 3>>"],
  ["Head(Tail(<<1, 2, 3>>))", "2"],
  ["[x \\in {1, 2}, y \\in {3} |-> x + y][2, 3]", "5"],
  ["[<<1, 2>> EXCEPT ![1] = 5, ![2] = @ * 3]", "<<5, 6>>"],
  ["{1, 2} \\subseteq 0..3 /\\ 4 \\notin {1}", "TRUE"],
  ["LET RECURSIVE F(_) F(n) == IF n = 0 THEN 0 ELSE n + F(n - 1) IN F(4)", "10"],
  ["(0 :> \"a\" @@ 1 :> \"b\")", "(0 :> \"a\" @@ 1 :> \"b\")"],
  ["[a |-> 1] = [a |-> 1] /\\ <<>> = [x \\in {} |-> 1]", "TRUE"],
  ["IsFiniteSet(1..3) /\\ ~IsFiniteSet(Nat)", "TRUE"],
  ["BagToSet(SetToBag({1, 2})) = {1, 2}", "TRUE"],
  ["CopiesIn(1, SetToBag({1}) (+) SetToBag({1}))", "2"],
  ["Append(<<>>, [a |-> {1}])", "<<[a |-> {1}]>>"],
  ["\"abc\" = \"abc\" /\\ \"a\" # \"b\"", "TRUE"],
  ["\\A x \\in {} : FALSE", "TRUE"],
  ["ENABLED TRUE", "TRUE"],
  // a tuple binder: the function's domain is the set itself (GameOfLife's sc[<<x, y>> \in ...] == ...)
  ["LET f[<<x, y>> \\in {1, 2} \\X {3}] == x * y IN <<f[<<2, 3>>], DOMAIN f>>", "<<6, {<<1, 3>>, <<2, 3>>}>>"],
  ["[<<x, y>> \\in {<<1, 2>>} |-> x + y] = (<<1, 2>> :> 3)", "TRUE"],
  // TLC keeps [x \in S |-> e] lazy (FcnLambdaValue): S may be infinite
  ["[n \\in Nat |-> 2 * n][21]", "42"],
  // TLC's regression suite test3: EXCEPT on such a function and several binders over Nat \X STRING
  // stay lazy (FcnLambdaValue with excepts)
  ["<<[[i \\in Nat |-> i + 1] EXCEPT ![42] = 3, ![42] = 5][42], [[i \\in Nat |-> i + 1] EXCEPT ![42] = 5][79]>>", "<<5, 80>>"],
  ["[[i \\in Nat |-> [j \\in Nat |-> 2 * i + j]] EXCEPT ![5][4] = @ + 2, ![5][3] = @ + 1][5][3]", "14"],
  ["LET f == [i \\in Nat, j \\in STRING |-> <<i + 1, j>>] IN <<f[22, \"b\"], f[<<22, \"b\">>], [f EXCEPT ![22, \"d\"] = @[1]][22, \"d\"]>>", "<<<<23, \"b\">>, <<23, \"b\">>, 23>>"],
  // TLC's CharacterTest: a string is the sequence of its one-character strings
  ["<<\"abcd\"[2], DOMAIN \"abc\", [x \\in DOMAIN \"ab\" |-> \"ab\"[x]] = \"ab\", <<\"a\", \"a\">> = \"aa\", \"aa\" \\in Seq({\"a\"})>>", "<<\"b\", 1..3, TRUE, TRUE, TRUE>>"],
  ["<<\"x\">> \\o \"yz\" = \"xyz\"", "TRUE"],
  // TLC's Sequences.java: Len, Tail, \o and SubSeq also take strings
  ["<<Len(\"abc\"), Tail(\"abc\"), \"ab\" \\o \"cd\", SubSeq(\"hello\", 2, 3), SubSeq(\"x\", 2, 1)>>", "<<3, \"bc\", \"abcd\", \"el\", \"\">>"],
]

describe("constant expressions evaluate as in TLC", () => {
  for (const [e, want] of cases) it(e, () => expect(printValue(evalExpression(e))).toBe(want))
})
