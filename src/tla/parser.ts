// Parses TLA+ module text with the peggy grammar. Generating the parser takes most of a
// second, so the generated source is cached in the temporary directory under the hash of the
// grammar and peggy's version (a stale or unwritable cache only costs the generation).
import { createHash } from "node:crypto"
import { readFileSync, renameSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import peggy from "peggy"
import type { At, Expr, ModuleAst, Selector } from "./ast.ts"
import { TlaError } from "./errors.ts"
import { canonicalInfix, isNamedInfix, resolveOperators } from "./precedence.ts"

const grammarPath = fileURLToPath(new URL("./grammar.peggy", import.meta.url))

interface GeneratedParser {
  parse(text: string, options: Record<string, unknown>): unknown
}

let generated: GeneratedParser | undefined
const parserInstance = (): GeneratedParser => {
  generated ??= cachedParser(readFileSync(grammarPath, "utf8"))
  return generated
}

const cachedParser = (grammar: string): GeneratedParser => {
  const key = createHash("sha256").update(peggy.VERSION).update("\0").update(grammar).digest("hex").slice(0, 16)
  const file = join(tmpdir(), `pollen-tla-parser-${key}.cjs`)
  const load = createRequire(import.meta.url)
  try {
    return load(file) as GeneratedParser
  } catch {
    // not cached yet (or unreadable): generate below
  }
  const source = peggy.generate(grammar, { output: "source", format: "commonjs" })
  try {
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, source)
    renameSync(tmp, file)
    return load(file) as GeneratedParser
  } catch {
    return peggy.generate(grammar, { output: "parser" }) as unknown as GeneratedParser
  }
}

const helpers = {
  isNamedInfix,
  canonicalInfix,
  resolve: (first: never, rest: never) => resolveOperators(first, rest),
  reference: (name: string, args: Expr[], sel: Selector[], at: At): Expr => ({ k: "ref", name, args, sel, at }),
}

interface PeggyError {
  message: string
  location?: { start: { line: number; column: number }; end: { line: number; column: number } }
  expected?: readonly { type: string; text?: string; description?: string }[]
  found?: string | null
}

const describeExpected = (e: PeggyError): string => {
  const found = e.found === null || e.found === undefined ? "end of input" : JSON.stringify(e.found)
  return `unexpected ${found}`
}

/** Parses one module's text. Errors are TlaError("parse") located in `file`. */
export const parseModule = (text: string, file: string): ModuleAst => {
  try {
    const m = parserInstance().parse(text, { helpers, grammarSource: file }) as ModuleAst
    m.file = file
    m.source = text
    return m
  } catch (e) {
    if (e instanceof TlaError) throw new TlaError("parse", e.message, file, e.at, text)
    const pe = e as PeggyError
    if (pe.location !== undefined) {
      const at: At = [pe.location.start.line, pe.location.start.column, pe.location.end.line, pe.location.end.column]
      const msg = pe.expected !== undefined ? describeExpected(pe) : pe.message
      throw new TlaError("parse", msg, file, at, text)
    }
    if (e instanceof RangeError) throw new TlaError("parse", "expression nested too deeply", file, undefined, text)
    throw e
  }
}

/** Parses a standalone expression (used by the value printer's round-trip tests and the API). */
export const parseExpression = (text: string): Expr => {
  const src = `---- MODULE Expr ----\nE == ${text}\n====\n`
  const m = parseModule(src, "<expression>")
  const u = m.units.find((x) => x !== null && x.k === "def")
  if (u === undefined || u === null || u.k !== "def") throw new TlaError("parse", "not an expression")
  return u.body
}
