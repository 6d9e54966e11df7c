// TLA+ operator precedence ranges (Specifying Systems, table 6) and the resolution of a
// flat operand/operator sequence into a tree. Operators whose ranges overlap may not be
// mixed without parentheses, except a left-associative operator repeated with itself.
import type { At, Expr } from "./ast.ts"
import { TlaError } from "./errors.ts"

interface Prec {
  readonly lo: number
  readonly hi: number
  readonly left?: boolean
}

const infix: Record<string, Prec> = {
  "=>": { lo: 1, hi: 1 },
  "<=>": { lo: 2, hi: 2 },
  "~>": { lo: 2, hi: 2 },
  "-+->": { lo: 2, hi: 2 },
  "/\\": { lo: 3, hi: 3, left: true },
  "\\/": { lo: 3, hi: 3, left: true },
  "@@": { lo: 6, hi: 6, left: true },
  ":>": { lo: 7, hi: 7 },
  "<:": { lo: 7, hi: 7 },
  "\\": { lo: 8, hi: 8 },
  "\\cap": { lo: 8, hi: 8, left: true },
  "\\cup": { lo: 8, hi: 8, left: true },
  "..": { lo: 9, hi: 9 },
  "...": { lo: 9, hi: 9 },
  "!!": { lo: 9, hi: 13 },
  "##": { lo: 9, hi: 13, left: true },
  $: { lo: 9, hi: 13, left: true },
  $$: { lo: 9, hi: 13, left: true },
  "??": { lo: 9, hi: 13, left: true },
  "\\sqcap": { lo: 9, hi: 13, left: true },
  "\\sqcup": { lo: 9, hi: 13, left: true },
  "\\uplus": { lo: 9, hi: 13, left: true },
  "\\wr": { lo: 9, hi: 14 },
  "(+)": { lo: 10, hi: 10, left: true },
  "+": { lo: 10, hi: 10, left: true },
  "++": { lo: 10, hi: 10, left: true },
  "\\oplus": { lo: 10, hi: 10, left: true },
  "%%": { lo: 10, hi: 11, left: true },
  "%": { lo: 10, hi: 11 },
  "|": { lo: 10, hi: 11, left: true },
  "||": { lo: 10, hi: 11, left: true },
  "\\X": { lo: 10, hi: 13, left: true },
  "(-)": { lo: 11, hi: 11, left: true },
  "-": { lo: 11, hi: 11, left: true },
  "--": { lo: 11, hi: 11, left: true },
  "\\ominus": { lo: 11, hi: 11, left: true },
  "&": { lo: 13, hi: 13, left: true },
  "&&": { lo: 13, hi: 13, left: true },
  "(.)": { lo: 13, hi: 13, left: true },
  "(/)": { lo: 13, hi: 13 },
  "(\\X)": { lo: 13, hi: 13, left: true },
  "\\odot": { lo: 13, hi: 13, left: true },
  "\\otimes": { lo: 13, hi: 13, left: true },
  "\\bigcirc": { lo: 13, hi: 13, left: true },
  "\\bullet": { lo: 13, hi: 13, left: true },
  "\\div": { lo: 13, hi: 13 },
  "\\o": { lo: 13, hi: 13, left: true },
  "\\star": { lo: 13, hi: 13, left: true },
  "*": { lo: 13, hi: 13, left: true },
  "**": { lo: 13, hi: 13, left: true },
  "/": { lo: 13, hi: 13 },
  "//": { lo: 13, hi: 13 },
  "^": { lo: 14, hi: 14 },
  "^^": { lo: 14, hi: 14 },
  "\\cdot": { lo: 5, hi: 14, left: true },
}
for (const op of [
  "=", "#", "<", ">", "=<", ">=", "\\in", "\\notin", "\\subseteq", "\\subset", "\\supseteq", "\\supset",
  "\\prec", "\\preceq", "\\succ", "\\succeq", "\\sqsubseteq", "\\sqsupseteq", "\\sqsubset", "\\sqsupset",
  "\\ll", "\\gg", "\\sim", "\\simeq", "\\approx", "\\cong", "\\asymp", "\\doteq", "\\propto",
  ":=", "::=", "|-", "|=", "-|", "=|",
]) infix[op] = { lo: 5, hi: 5 }

const prefix: Record<string, Prec> = {
  "~": { lo: 4, hi: 4 },
  ENABLED: { lo: 4, hi: 15 },
  UNCHANGED: { lo: 4, hi: 15 },
  "[]": { lo: 4, hi: 15 },
  "<>": { lo: 4, hi: 15 },
  SUBSET: { lo: 8, hi: 8 },
  UNION: { lo: 8, hi: 8 },
  DOMAIN: { lo: 9, hi: 9 },
  "-.": { lo: 12, hi: 12 },
}

const aliases: Record<string, string> = {
  "\\union": "\\cup",
  "\\intersect": "\\cap",
  "\\leq": "=<",
  "\\geq": ">=",
  "\\times": "\\X",
  "\\circ": "\\o",
  "\\land": "/\\",
  "\\lor": "\\/",
  "\\equiv": "<=>",
  // SANY's synonyms for the circled operators (Bags defines (+) and (-))
  "\\oplus": "(+)",
  "\\ominus": "(-)",
  "\\odot": "(.)",
  "\\oslash": "(/)",
  "\\otimes": "(\\X)",
}

export const isNamedInfix = (name: string): boolean => {
  const op = "\\" + name
  return op in infix || op in aliases
}
export const canonicalInfix = (op: string): string => aliases[op] ?? op

interface Item {
  readonly pre: readonly { op: string; at: At }[]
  readonly e: Expr
}

type OpEntry = { kind: "in" | "pre"; op: string; at: At; p: Prec }

const span = (a: Expr, b: Expr): At => [a.at[0], a.at[1], b.at[2], b.at[3]]

/** Resolves `first (op operand)*` into a tree. Throws TlaError("parse") on a precedence clash. */
export const resolveOperators = (first: Item, rest: readonly (readonly [{ op: string; at: At }, Item])[]): Expr => {
  const operands: Expr[] = []
  const ops: OpEntry[] = []
  const reduce = (): void => {
    const t = ops.pop()!
    if (t.kind === "pre") {
      const a = operands.pop()!
      const at: At = [t.at[0], t.at[1], a.at[2], a.at[3]]
      operands.push(t.op === "-." && a.k === "num" ? { k: "num", v: -a.v, at } : { k: "un", op: t.op, a, at })
      return
    }
    const b = operands.pop()!
    const a = operands.pop()!
    if (t.op === "\\X") {
      const elems = a.k === "times" && a.paren !== true ? [...a.elems, b] : [a, b]
      operands.push({ k: "times", elems, at: span(a, b) })
      return
    }
    operands.push({ k: "bin", op: t.op, a, b, at: span(a, b), opAt: t.at })
  }
  const pushItem = (item: Item): void => {
    for (const p of item.pre) ops.push({ kind: "pre", op: p.op, at: p.at, p: prefix[p.op]! })
    operands.push(item.e)
  }
  pushItem(first)
  for (const [{ op, at }, item] of rest) {
    const p = infix[op]
    if (p === undefined) throw new TlaError("parse", `unknown infix operator ${op}`, undefined, at)
    while (ops.length > 0) {
      const t = ops[ops.length - 1]!
      if (t.p.hi < p.lo) break
      if (p.hi < t.p.lo) {
        reduce()
        continue
      }
      if (t.kind === "in" && t.op === op && p.left === true) {
        reduce()
        continue
      }
      throw new TlaError(
        "parse",
        `precedence conflict between ${t.op === "-." ? "-" : t.op} (line ${t.at[0]}, col ${t.at[1]}) and ${op}; add parentheses`,
        undefined,
        at,
      )
    }
    ops.push({ kind: "in", op, at, p })
    pushItem(item)
  }
  while (ops.length > 0) reduce()
  return operands[0]!
}
