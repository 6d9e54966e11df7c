// Syntax tree produced by grammar.peggy. `at` is [line, column, endLine, endColumn] (1-based).
export type At = readonly [number, number, number, number]

export interface ExprBase {
  readonly at: At
}

export type Bound = string | readonly string[]
export interface Bind {
  readonly names: readonly Bound[]
  readonly set: Expr
}

export type Selector =
  | { readonly name: string; readonly args: readonly Expr[] }
  | { readonly index: number }
  | { readonly colon: true }

export type ExceptPath = { readonly key: Expr } | { readonly field: string }

export type Expr = ExprBase &
  (
    | { k: "num"; v: number }
    | { k: "decimal"; text: string }
    | { k: "str"; v: string }
    | { k: "bool"; v: boolean }
    | { k: "ref"; name: string; args: readonly Expr[]; sel: readonly Selector[] }
    | { k: "opname"; name: string }
    | { k: "bin"; op: string; a: Expr; b: Expr; opAt: At }
    | { k: "un"; op: string; a: Expr }
    | { k: "postfix"; op: string; a: Expr }
    | { k: "prime"; a: Expr }
    | { k: "junc"; op: string; items: readonly Expr[]; bullet?: boolean }
    | { k: "times"; elems: readonly Expr[]; paren?: boolean }
    | { k: "if"; c: Expr; t: Expr; f: Expr }
    | { k: "case"; arms: readonly (readonly [Expr, Expr])[]; other: Expr | null }
    | { k: "let"; defs: readonly Unit[]; body: Expr }
    | { k: "quant"; q: "A" | "E"; binds: readonly Bind[]; body: Expr }
    | { k: "uquant"; q: string; names: readonly string[]; body: Expr }
    | { k: "choose"; binder: Bound; set: Expr | null; body: Expr }
    | { k: "setenum"; elems: readonly Expr[] }
    | { k: "setfilter"; binder: Bound; set: Expr; pred: Expr }
    | { k: "setmap"; expr: Expr; binds: readonly Bind[] }
    | { k: "fcn"; binds: readonly Bind[]; body: Expr }
    | { k: "fcnset"; dom: Expr; rng: Expr }
    | { k: "record"; fields: readonly (readonly [string, Expr])[] }
    | { k: "recordset"; fields: readonly (readonly [string, Expr])[] }
    | { k: "except"; f: Expr; updates: readonly { path: readonly ExceptPath[]; val: Expr }[] }
    | { k: "apply"; f: Expr; args: readonly Expr[] }
    | { k: "dot"; a: Expr; field: string }
    | { k: "tuple"; elems: readonly Expr[] }
    | { k: "at" }
    | { k: "boxAct"; a: Expr; sub: Expr }
    | { k: "angleAct"; a: Expr; sub: Expr }
    | { k: "fair"; kind: string; sub: Expr; a: Expr }
    | { k: "lambda"; params: readonly string[]; body: Expr }
    // A value put in place of a bound name when a quantified temporal formula is expanded
    // per element (temporal.ts); the value itself is kept out of the tree (literalValue).
    | { k: "lit"; id: number }
  )

export interface Param {
  readonly name: string
  readonly arity: number
}

export type Unit =
  | { k: "variables"; names: readonly string[] }
  | { k: "constants"; decls: readonly Param[] }
  | { k: "recursive"; decls: readonly Param[] }
  | { k: "def"; name: string; params: readonly Param[]; body: Expr; at: At; local?: boolean }
  | { k: "fdef"; name: string; binds: readonly Bind[]; body: Expr; at: At; local?: boolean }
  | {
      k: "instance"
      name: string | null
      params: readonly Param[]
      module: string
      subs: readonly { name: string; expr: Expr }[]
      local?: boolean
    }
  | { k: "assume"; name: string | null; expr: Expr; at: At }
  | { k: "theorem"; name: string | null; expr: Expr | null }
  | { k: "module"; module: ModuleAst }

export interface ModuleAst {
  readonly name: string
  readonly extends: readonly string[]
  readonly units: readonly (Unit | null)[]
  /** Set by the loader: the file the module came from and its text. */
  file?: string
  source?: string
}
