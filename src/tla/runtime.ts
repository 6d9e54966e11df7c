// Runtime structures shared by the compiled evaluator: evaluation context, environments,
// thunks (call-by-need operator arguments) and operator closures.
import type { At } from "./ast.ts"
import { evalError } from "./errors.ts"
import type { Value } from "./values.ts"
import { printValue } from "./values.ts"

/** Evaluation context: the current state, the next state (primed), and enumeration flags. */
/** The figures TLC's TLCGet answers while it searches (breadth-first: diameter is the depth so far). */
export interface SearchStats {
  readonly diameter: number
  readonly distinct: number
  readonly generated: number
  readonly queue: number
  /** Seconds since the search started. */
  readonly duration: number
}

export class Ctx {
  /** Current-state variable values (undefined = not yet assigned, in Init). */
  s: (Value | undefined)[]
  /** Next-state variable values (undefined = not yet assigned). */
  p: (Value | undefined)[]
  /** Bumped whenever an assignment or a state swap happens; invalidates thunk caches. */
  gen = 0
  /** Init mode: unprimed variables may be assigned by `x = e` / `x \in S`. */
  init = false
  /** True while still descending through Next's disjuncts / \E / definitions (TLC's action split). */
  splitting = true
  /** The action whose body is being enumerated (for trace labels). */
  label: ActionLabel | null = null
  /** TLCGet("level") and friends. */
  level = 0
  /** What TLCGet("config") reports: the run's deadlock checking and worker count. */
  checkDeadlock = true
  workers = 1
  readonly tlcRegisters = new Map<number, Value>()
  /** TLCExt's Trace: the behaviour leading to the state being checked (set by the checker). */
  trace: (() => Value) | null = null
  /** TLCGet("distinct"), ("stats") and the like: the running search's figures (set by the checker). */
  stats: (() => SearchStats) | null = null
  /** Set by TLCSet("exit", TRUE): the search stops after the state being expanded, as in TLC. */
  exitRequested = false
  constructor(
    readonly varNames: readonly string[],
    s?: (Value | undefined)[],
    p?: (Value | undefined)[],
  ) {
    this.s = s ?? new Array<Value | undefined>(varNames.length).fill(undefined)
    this.p = p ?? new Array<Value | undefined>(varNames.length).fill(undefined)
  }
}

export interface ActionLabel {
  readonly name: string
  readonly module: string
  readonly at: At
}

export const labelText = (l: ActionLabel): string =>
  `${l.name} line ${l.at[0]}, col ${l.at[1]} to line ${l.at[2]}, col ${l.at[3] - 1} of module ${l.module}`

export type Binding = Value | Thunk | OpClosure | Callable

/** One bound name (environments are linked lists mirroring the compile-time scopes). */
export class Env {
  constructor(
    readonly v: Binding,
    readonly up: Env | null,
  ) {}
}

export type Ev = (c: Ctx, e: Env | null) => Value
export type Cont = () => void
export type Act = (c: Ctx, e: Env | null, k: Cont) => void

export interface CNode {
  ev: Ev
  act: Act
  /** If this expression is an assignable (still unassigned) variable, its index; else -1. */
  target?: (c: Ctx, e: Env | null) => number
  readonly at: At
  /** Set when the node reads a local binding: its depth (for argument pass-through). */
  localDepth?: number
  /**
   * True when, outside Init, enumerating this node as an action is the same as evaluating it
   * as a boolean (no assignment, no multiplicity from \/ or \E); lets conjunctions skip
   * continuations.
   */
  pure?: boolean
  /** Set when the node reads a state variable (unprimed). */
  varIndex?: number
  /** Set for literals and constant subexpressions. */
  constant?: Value
}

/** An operator argument, evaluated at most once per state generation. */
export class Thunk {
  private cache: Value | undefined
  private gen = -1
  constructor(
    readonly node: CNode,
    readonly env: Env | null,
  ) {}
  force(c: Ctx): Value {
    if (this.gen === c.gen && this.cache !== undefined) return this.cache
    const v = this.node.ev(c, this.env)
    this.cache = v
    this.gen = c.gen
    return v
  }
}

/** A compiled user operator: parameters are the innermost `params.length` env entries. */
export interface CompiledOp {
  readonly name: string
  readonly module: string
  readonly arity: number
  readonly paramArities: readonly number[]
  body: CNode
  readonly at: At
}

export class OpClosure {
  constructor(
    readonly op: CompiledOp,
    readonly env: Env | null,
  ) {}
}

/** A native operator usable where an operator argument is expected (e.g. passing `+`). */
export class Callable {
  constructor(
    readonly name: string,
    readonly arity: number,
    readonly fn: (c: Ctx, args: readonly Binding[]) => Value,
  ) {}
}

export const forceBinding = (c: Ctx, b: Binding): Value => {
  if (b instanceof Thunk) return b.force(c)
  if (b instanceof OpClosure || b instanceof Callable) throw evalError(`operator ${b instanceof OpClosure ? b.op.name : b.name} used as a value`)
  return b
}

export const asBool = (v: Value, what = "a condition"): boolean => {
  if (typeof v === "boolean") return v
  throw evalError(`${what} evaluated to ${printValue(v)}, which is not a boolean`)
}

export const asInt = (v: Value, what = "an operand"): number => {
  if (typeof v === "number") return v
  throw evalError(`${what} is ${printValue(v)}, which is not an integer`)
}

export const checkInt = (n: number): number => {
  if (n > 2147483647 || n < -2147483648 || !Number.isFinite(n)) throw evalError(`overflow: ${n} is outside TLC's 32-bit integer range`)
  return n
}
