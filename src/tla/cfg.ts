// Reader for TLC model configuration (.cfg) files.
import { TlaError } from "./errors.ts"
import type { Value } from "./values.ts"
import { mkSet, modelValue } from "./values.ts"

export interface ModelConfig {
  readonly constants: Map<string, Value>
  readonly overrides: { name: string; target: string; module: string }[]
  /** `X = [M]v`: definition X of module M (wherever M is used) replaced by the value v. */
  readonly moduleValues: { name: string; module: string; value: Value }[]
  /** `F(a1, ..., an) = v`: an operator constant defined point by point. */
  readonly operatorValues: { name: string; args: Value[]; value: Value }[]
  init?: string
  next?: string
  specification?: string
  readonly invariants: string[]
  readonly properties: string[]
  readonly constraints: string[]
  readonly actionConstraints: string[]
  symmetry?: string
  view?: string
  alias?: string
  checkDeadlock: boolean
  readonly postconditions: string[]
}

interface Tok {
  readonly t: string
  readonly line: number
  readonly col: number
  readonly str?: boolean
}

const tokenize = (text: string, file: string): Tok[] => {
  const out: Tok[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const err = (msg: string): never => {
    throw new TlaError("config", msg, file, [line, i - lineStart + 1, line, i - lineStart + 1], text)
  }
  while (i < text.length) {
    const ch = text[i]!
    if (ch === "\n") {
      line++
      i++
      lineStart = i
      continue
    }
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (text.startsWith("\\*", i)) {
      while (i < text.length && text[i] !== "\n") i++
      continue
    }
    if (text.startsWith("(*", i)) {
      let depth = 0
      while (i < text.length) {
        if (text.startsWith("(*", i)) {
          depth++
          i += 2
        } else if (text.startsWith("*)", i)) {
          depth--
          i += 2
          if (depth === 0) break
        } else {
          if (text[i] === "\n") {
            line++
            lineStart = i + 1
          }
          i++
        }
      }
      if (depth !== 0) err("unterminated comment")
      continue
    }
    const col = i - lineStart + 1
    if (ch === '"') {
      let j = i + 1
      let s = ""
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\") j++
        s += text[j]
        j++
      }
      if (j >= text.length) err("unterminated string")
      out.push({ t: s, line, col, str: true })
      i = j + 1
      continue
    }
    const m = /^(<-|[A-Za-z0-9_]+|-?[0-9]+|[=\[\]{},()\-])/.exec(text.slice(i, i + 200))
    if (m === null) err(`unexpected character ${JSON.stringify(ch)}`)
    out.push({ t: m![0], line, col })
    i += m![0].length
  }
  return out
}

const keywords = new Set([
  "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS", "PROPERTY", "PROPERTIES",
  "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "SYMMETRY", "VIEW", "ALIAS", "CHECK_DEADLOCK",
  "POSTCONDITION", "POSTCONDITIONS",
])

/**
 * A `.tla` file given as the config (`-config Spec.tla`): as TLC's MonolithSpecExtractor, the lines
 * between `---- CONFIG <file's base name> ----` and the next line starting with `====` (or the end;
 * TLC's extractor wants five, but its tokenizer ends the config at the module-end token `====` too).
 * Other lines are blanked so that positions stay those of the file.
 */
const monolithConfig = (text: string, file: string): string => {
  const name = (file.split(/[\\/]/).pop() ?? file).replace(/\.tla$/, "")
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const start = new RegExp(`^----+\\s*CONFIG\\s+${escaped}\\s*----+$`)
  let active = false
  let done = false
  return text
    .split("\n")
    .map((line) => {
      if (done) return ""
      if (!active) {
        if (start.test(line.replace(/\r$/, ""))) active = true
        return ""
      }
      if (line.startsWith("====")) {
        done = true
        return ""
      }
      return line
    })
    .join("\n")
}

export const parseConfig = (text: string, file: string): ModelConfig => {
  if (file.endsWith(".tla")) text = monolithConfig(text, file)
  const toks = tokenize(text, file)
  const cfg: ModelConfig = {
    constants: new Map(),
    overrides: [],
    moduleValues: [],
    operatorValues: [],
    invariants: [],
    properties: [],
    constraints: [],
    actionConstraints: [],
    checkDeadlock: true,
    postconditions: [],
  }
  let i = 0
  const err = (tok: Tok | undefined, msg: string): never => {
    const t = tok ?? toks[toks.length - 1]
    throw new TlaError("config", msg, file, t === undefined ? undefined : [t.line, t.col, t.line, t.col], text)
  }
  const peek = (): Tok | undefined => toks[i]
  const next = (): Tok => toks[i++] ?? err(undefined, "unexpected end of file")
  const expect = (s: string): void => {
    const t = next()
    if (t.t !== s || t.str === true) err(t, `expected ${s} but found ${t.t}`)
  }
  const names = (): string[] => {
    const out: string[] = []
    while (peek() !== undefined && !keywords.has(peek()!.t)) {
      const t = next()
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.t) || t.str === true) err(t, `expected a name but found ${t.t}`)
      out.push(t.t)
    }
    return out
  }
  const value = (): Value => {
    const t = next()
    if (t.str === true) return t.t
    if (t.t === "{") {
      const elems: Value[] = []
      if (peek()?.t === "}") {
        next()
        return mkSet(elems)
      }
      for (;;) {
        elems.push(value())
        const s = next()
        if (s.t === "}") break
        if (s.t !== ",") err(s, `expected , or } but found ${s.t}`)
      }
      return mkSet(elems)
    }
    if (t.t === "-") {
      const n = next()
      if (!/^[0-9]+$/.test(n.t)) err(n, "expected a number after -")
      return -Number(n.t)
    }
    if (/^-?[0-9]+$/.test(t.t)) return Number(t.t)
    if (t.t === "TRUE") return true
    if (t.t === "FALSE") return false
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.t)) return modelValue(t.t)
    return err(t, `unexpected ${t.t} in a constant value`)
  }
  while (i < toks.length) {
    const kw = next()
    switch (kw.t) {
      case "CONSTANT":
      case "CONSTANTS":
        while (peek() !== undefined && !keywords.has(peek()!.t)) {
          const n = next()
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n.t)) err(n, `expected a constant name but found ${n.t}`)
          let opArgs: Value[] | null = null
          if (peek()?.t === "(") {
            if (toks[i + 1]?.t === "_") {
              while (next().t !== ")") {
                /* operator constant parameters F(_, _): skipped */
              }
            } else {
              // F(0) = 1: the operator constant's value at these arguments (TLC's ModelConfig)
              next()
              opArgs = []
              for (;;) {
                opArgs.push(value())
                const s = next()
                if (s.t === ")") break
                if (s.t !== ",") err(s, `expected , or ) but found ${s.t}`)
              }
            }
          }
          const op = next()
          if (opArgs !== null) {
            if (op.t !== "=") err(op, `expected = after ${n.t}(...)`)
            cfg.operatorValues.push({ name: n.t, args: opArgs, value: value() })
            continue
          }
          if (op.t === "=") {
            if (peek()?.t === "[") {
              next()
              const module = next().t
              expect("]")
              cfg.moduleValues.push({ name: n.t, module, value: value() })
              continue
            }
            cfg.constants.set(n.t, value())
          } else if (op.t === "<-") {
            let module = ""
            if (peek()?.t === "[") {
              next()
              module = next().t
              expect("]")
            }
            const target = next()
            cfg.overrides.push({ name: n.t, target: target.t, module })
          } else err(op, `expected = or <- after ${n.t}`)
        }
        break
      case "INIT":
        cfg.init = names()[0] ?? err(kw, "INIT needs a name")
        break
      case "NEXT":
        cfg.next = names()[0] ?? err(kw, "NEXT needs a name")
        break
      case "SPECIFICATION":
        cfg.specification = names()[0] ?? err(kw, "SPECIFICATION needs a name")
        break
      case "INVARIANT":
      case "INVARIANTS":
        cfg.invariants.push(...names())
        break
      case "PROPERTY":
      case "PROPERTIES":
        cfg.properties.push(...names())
        break
      case "CONSTRAINT":
      case "CONSTRAINTS":
        cfg.constraints.push(...names())
        break
      case "ACTION_CONSTRAINT":
      case "ACTION_CONSTRAINTS":
        cfg.actionConstraints.push(...names())
        break
      case "POSTCONDITION":
      case "POSTCONDITIONS":
        cfg.postconditions.push(...names())
        break
      case "SYMMETRY":
        cfg.symmetry = names()[0] ?? err(kw, "SYMMETRY needs a name")
        break
      case "VIEW":
        cfg.view = names()[0] ?? err(kw, "VIEW needs a name")
        break
      case "ALIAS":
        cfg.alias = names()[0] ?? err(kw, "ALIAS needs a name")
        break
      case "CHECK_DEADLOCK": {
        const v = next()
        if (v.t !== "TRUE" && v.t !== "FALSE") err(v, "CHECK_DEADLOCK expects TRUE or FALSE")
        cfg.checkDeadlock = v.t === "TRUE"
        break
      }
      default:
        err(kw, `unknown .cfg keyword ${kw.t}`)
    }
  }
  return cfg
}
