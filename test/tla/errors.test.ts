// Malformed specs: every one must give a located error (file:line:col, the source line and a
// caret), never an uncaught JS exception.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkSpec } from "../../src/tla/api.ts"
import { TlaError } from "../../src/tla/errors.ts"
import { parseModule } from "../../src/tla/parser.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-tla-errors-"))

const mod = (body: string, ext = "Naturals, Sequences"): string =>
  `---- MODULE Spec ----\nEXTENDS ${ext}\nVARIABLE x\n${body}\nNext == x' = x\n====\n`

interface Case {
  readonly name: string
  readonly text: string
  /** Expected line of the error. */
  readonly line: number
  readonly message: RegExp
}

const cases: Case[] = [
  // lexical
  { name: "unterminated string", text: mod(`Init == x = "abc`), line: 4, message: /unexpected/ },
  { name: "unterminated comment", text: mod(`Init == x = 0 (* never closed`), line: 7, message: /unexpected/ },
  { name: "stray character", text: mod("Init == x = 1 ? 2"), line: 4, message: /unexpected/ },
  { name: "unicode junk", text: mod("Init == x = 1 ¤"), line: 4, message: /unexpected/ },
  // syntactic
  { name: "missing ==", text: mod("Init x = 0"), line: 4, message: /unexpected/ },
  { name: "IF without THEN", text: mod("Init == IF x = 0 ELSE 1"), line: 4, message: /unexpected/ },
  { name: "unbalanced parenthesis", text: mod("Init == (x = 0"), line: 5, message: /unexpected/ },
  { name: "unbalanced bracket", text: mod("Init == x = [a |-> 1"), line: 5, message: /unexpected/ },
  { name: "missing module end", text: "---- MODULE Spec ----\nVARIABLE x\nInit == x = 0\n", line: 4, message: /unexpected/ },
  { name: "LET without IN", text: mod("Init == LET y == 1 x = y"), line: 4, message: /unexpected/ },
  { name: "CASE arm without ->", text: mod("Init == x = CASE TRUE 1"), line: 4, message: /unexpected/ },
  { name: "EXCEPT without !", text: mod("Init == x = [<<1>> EXCEPT [1] = 2]"), line: 4, message: /unexpected/ },
  { name: "dangling operator", text: mod("Init == x = 0 +"), line: 5, message: /unexpected/ },
  { name: "record field without value", text: mod("Init == x = [a |-> ]"), line: 4, message: /unexpected/ },
  // precedence clashes
  { name: "/\\ mixed with \\/", text: mod("Init == x = 0 /\\ TRUE \\/ FALSE"), line: 4, message: /precedence conflict/ },
  { name: "\\cup mixed with \\cap", text: mod("Init == x = {1} \\cup {2} \\cap {3}"), line: 4, message: /precedence conflict/ },
  { name: "= chained", text: mod("Init == x = 1 = 1"), line: 4, message: /precedence conflict/ },
  { name: "< chained", text: mod("Init == 1 < 2 < 3 /\\ x = 0"), line: 4, message: /precedence conflict/ },
  { name: "=> chained", text: mod("Init == TRUE => TRUE => x = 0"), line: 4, message: /precedence conflict/ },
  // bad indentation of junction lists
  { name: "item continues left of its bullet", text: mod("Init == /\\ x = [a |->\n 1]"), line: 5, message: /unexpected/ },
  { name: "ELSE left of the bullet", text: mod("Init == /\\ IF TRUE THEN x = 0\n ELSE x = 1"), line: 5, message: /unexpected/ },
  { name: "operand left of the bullet", text: mod("Init == /\\ x =\n0"), line: 5, message: /unexpected/ },
  // names and arity
  { name: "unknown identifier", text: mod("Init == x = y"), line: 4, message: /unknown identifier y/ },
  { name: "user operator arity", text: mod("F(a) == a\nInit == x = F(1, 2)"), line: 5, message: /expects 1 arguments but got 2/ },
  { name: "builtin operator arity", text: mod("Init == x = Len(<<1>>, 2)"), line: 4, message: /Len expects 1 arguments/ },
  { name: "arguments to a constant-free definition", text: mod("C == 1\nInit == x = C(2)"), line: 5, message: /expects 0 arguments/ },
  { name: "missing standard module", text: mod("Init == x = Cardinality({})"), line: 4, message: /unknown identifier Cardinality/ },
  { name: "unknown module", text: mod("Init == x = 0", "Naturals, NoSuchModule"), line: 1, message: /cannot find module NoSuchModule/ },
  // type errors at evaluation
  { name: "integer plus string", text: mod('Init == x = 1 + "a"'), line: 4, message: /not an integer/ },
  { name: "equality of different kinds", text: mod('Init == x = 0 /\\ 1 = "a"'), line: 4, message: /equality of integer 1 with string/ },
  { name: "function applied outside its domain", text: mod("Init == x = <<1, 2>>[3]"), line: 4, message: /not in its domain/ },
  { name: "CHOOSE with no witness", text: mod("Init == x = CHOOSE v \\in {1, 2} : v > 5"), line: 4, message: /no element/ },
  { name: "integer overflow", text: mod("Init == x = 2147483647 + 1"), line: 4, message: /overflow/ },
  { name: "Head of empty sequence", text: mod("Init == x = Head(<<>>)"), line: 4, message: /Head applied to the empty sequence/ },
  { name: "membership in a non-set", text: mod("Init == x \\in 5"), line: 4, message: /expected a set/ },
  { name: "non-boolean IF condition", text: mod("Init == x = IF 1 THEN 2 ELSE 3"), line: 4, message: /not a boolean/ },
  { name: "record without the field", text: mod("Init == x = [a |-> 1].b"), line: 4, message: /no field b/ },
  { name: "enumerating Nat", text: mod("Init == x \\in Nat"), line: 4, message: /cannot enumerate/ },
]

const diagnose = (c: Case, i: number): TlaError => {
  const file = join(dir, `case${i}`, "Spec.tla")
  mkdirSync(join(dir, `case${i}`), { recursive: true })
  writeFileSync(file, c.text)
  writeFileSync(join(dir, `case${i}`, "Spec.cfg"), "INIT Init\nNEXT Next\n")
  try {
    parseModule(c.text, file)
    const r = checkSpec(file)
    if (r.outcome.kind === "error") return r.outcome.error
    throw new Error(`no error; outcome ${r.outcome.kind}`)
  } catch (e) {
    if (e instanceof TlaError) return e
    throw e
  }
}

describe("malformed inputs give located errors", () => {
  it("has at least 25 cases", () => expect(cases.length).toBeGreaterThanOrEqual(25))
  cases.forEach((c, i) => {
    it(c.name, () => {
      const e = diagnose(c, i)
      const text = e.format()
      expect(text).toMatch(c.message)
      expect(text).toMatch(new RegExp(`Spec\\.tla:${c.line}:\\d+: `))
      const lines = text.split("\n")
      expect(lines.length).toBeGreaterThanOrEqual(3)
      expect(lines[2]!.trim()).toBe("^")
      expect(text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/)
    })
  })
})

describe("errors inside an extended module", () => {
  // TLC locates an error in the module that defines the failing expression, not the root one
  it("name the extended module's file and its source line", () => {
    const d = join(dir, "extended")
    mkdirSync(d, { recursive: true })
    writeFileSync(join(d, "Base.tla"), "---- MODULE Base ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + <<1>>\n====\n")
    writeFileSync(join(d, "Top.tla"), "---- MODULE Top ----\nEXTENDS Base\n====\n")
    writeFileSync(join(d, "Top.cfg"), "INIT Init\nNEXT Next\n")
    const r = checkSpec(join(d, "Top.tla"))
    if (r.outcome.kind !== "error") throw new Error(`no error; outcome ${r.outcome.kind}`)
    const text = r.outcome.error.format()
    expect(text).toMatch(/Base\.tla:5:\d+: /)
    expect(text).toContain("Next == x' = x + <<1>>")
  })
})
