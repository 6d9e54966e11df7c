// Native implementations of the standard modules' operators (Naturals, Integers, Sequences,
// FiniteSets, TLC, Bags) and of the built-in infix/prefix operators.
import { evalError } from "./errors.ts"
import type { Binding, Ctx } from "./runtime.ts"
import { Callable, OpClosure, Thunk, asBool, asInt, checkInt, forceBinding } from "./runtime.ts"
import {
  CombinedSet, FcnSet, FcnValue, InfiniteSet, IntervalSet, LazyFcn, LazySet, ModelValue, SeqSet, SetValue, SubsetSet, UnionSet,
  asFcn, compare, emptySet, modelValue, enumerate, isEnumerable, isMember, isSetValue, kindName, mkFcn, mkFcnFromPairs, mkRecord, mkSet, mkTuple,
  printValue, valueEquals,
} from "./values.ts"
import type { Value } from "./values.ts"

export interface Builtin {
  readonly name: string
  readonly arity: number
  /** Positions of operator (higher-order) arguments. */
  readonly opArgs?: readonly number[]
  /** Not constant-level (side effects or depends on the run), so never cached. */
  readonly volatile?: boolean
  /**
   * Volatile but constant-level for TLC (TLC.tla defines it by CHOOSE), so TLC evaluates a
   * zero-arity definition using it once, at startup (SpecProcessor.processConstantDefns).
   */
  readonly constantLevel?: boolean
  /** Positions of arguments passed unevaluated (as thunks: the operator evaluates them itself). */
  readonly lazyArgs?: readonly number[]
  readonly fn: (c: Ctx, args: readonly Binding[]) => Value
}

/** Calls an operator argument (a closure or native callable) on values. */
export type OpCaller = (c: Ctx, op: Binding, args: readonly Value[]) => Value
let callOperator: OpCaller = () => {
  throw evalError("operator arguments are not available")
}
export const setOpCaller = (f: OpCaller): void => {
  callOperator = f
}

const v = (c: Ctx, b: Binding | undefined): Value => forceBinding(c, b!)
const int = (c: Ctx, b: Binding | undefined): number => asInt(v(c, b))

const def = (name: string, arity: number, fn: (c: Ctx, a: readonly Binding[]) => Value, extra: Partial<Builtin> = {}): Builtin => ({
  name,
  arity,
  fn,
  ...extra,
})

const seq = (x: Value, op: string): FcnValue => {
  // a string is the sequence of its one-character strings (TLC's CharacterTest)
  if (typeof x === "string") return mkTuple([...x])
  const f = x instanceof LazyFcn ? x.materialize() : x
  if (f instanceof FcnValue && f.keys === null) return f
  if (f instanceof FcnValue && f.size === 0) return f
  throw evalError(`${op} expects a sequence but found ${kindName(x)} ${printValue(x)}`)
}

const setOf = (x: Value, op: string): SetValue => {
  if (!isSetValue(x)) throw evalError(`${op} expects a set but found ${kindName(x)} ${printValue(x)}`)
  return enumerate(x)
}

// ---------------------------------------------------------------- set operations (also used by the compiler)

export function mergeUnion(a: readonly Value[], b: readonly Value[]): Value[] {
  const out: Value[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const c = compare(a[i]!, b[j]!)
    if (c < 0) out.push(a[i++]!)
    else if (c > 0) out.push(b[j++]!)
    else {
      out.push(a[i++]!)
      j++
    }
  }
  while (i < a.length) out.push(a[i++]!)
  while (j < b.length) out.push(b[j++]!)
  return out
}

export const setUnion = (a: Value, b: Value): Value => {
  if (!isSetValue(a) || !isSetValue(b)) throw evalError(`\\cup applied to ${kindName(isSetValue(a) ? b : a)} ${printValue(isSetValue(a) ? b : a)}`)
  if (!isEnumerable(a) || !isEnumerable(b)) return new CombinedSet("\\cup", a, b)
  const x = enumerate(a).elems
  const y = enumerate(b).elems
  if (y.length === 0) return enumerate(a)
  if (x.length === 0) return enumerate(b)
  return new SetValue(mergeUnion(x, y))
}

export const setCap = (a: Value, b: Value): Value => {
  if (!isSetValue(a) || !isSetValue(b)) throw evalError(`\\cap applied to a non-set`)
  if (!isEnumerable(a)) {
    if (!isEnumerable(b)) return new CombinedSet("\\cap", a, b)
    return new SetValue(enumerate(b).elems.filter((x) => isMember(x, a)))
  }
  return new SetValue(enumerate(a).elems.filter((x) => isMember(x, b)))
}

export const setMinus = (a: Value, b: Value): Value => {
  if (!isSetValue(a) || !isSetValue(b)) throw evalError(`\\ (set difference) applied to a non-set`)
  if (!isEnumerable(a)) return new CombinedSet("\\", a, b)
  return new SetValue(enumerate(a).elems.filter((x) => !isMember(x, b)))
}

export const isSubset = (a: Value, b: Value): boolean => {
  // TLC (SubsetValue.isSubsetEq): SUBSET A \subseteq SUBSET B is A \subseteq B, without the power sets
  if (a instanceof SubsetSet && b instanceof SubsetSet && isEnumerable(a.base)) return isSubset(a.base, b.base)
  for (const x of setOf(a, "\\subseteq").elems) if (!isMember(x, b)) return false
  return true
}

export const cardinality = (s: Value): number => {
  if (s instanceof IntervalSet) return s.size
  return setOf(s, "Cardinality").size
}

// ---------------------------------------------------------------- functions

export const fcnApply = (f: Value, arg: Value): Value => {
  if (f instanceof FcnValue) {
    const i = f.indexOf(arg)
    if (i < 0) throw evalError(`function ${printValue(f)} applied to ${printValue(arg)}, which is not in its domain`)
    return f.vals[i]!
  }
  if (f instanceof LazyFcn) return f.apply(arg)
  if (typeof f === "string") {
    // "abc"[2] is the one-character string "b", as in TLC
    if (typeof arg !== "number" || arg < 1 || arg > f.length) throw evalError(`string ${printValue(f)} applied to ${printValue(arg)}, which is not in its domain 1..${f.length}`)
    return f[arg - 1]!
  }
  throw evalError(`attempted to apply ${kindName(f)} ${printValue(f)} as a function`)
}

export const domainOf = (f: Value): Value => {
  if (f instanceof LazyFcn) return f.domain
  if (typeof f === "string") return new IntervalSet(1, f.length)
  const g = asFcn(f)
  if (g.keys === null) return new IntervalSet(1, g.size)
  return new SetValue(g.keys)
}

const concat = (a: FcnValue, b: FcnValue): FcnValue => mkTuple([...a.vals, ...b.vals])

const permutations = (s: SetValue): Value => {
  const elems = s.elems
  const out: Value[] = []
  const used = new Array<boolean>(elems.length).fill(false)
  const cur: Value[] = []
  const go = (): void => {
    if (cur.length === elems.length) {
      out.push(mkFcn(elems, cur.slice()))
      return
    }
    for (let i = 0; i < elems.length; i++) {
      if (used[i]) continue
      used[i] = true
      cur.push(elems[i]!)
      go()
      cur.pop()
      used[i] = false
    }
  }
  go()
  return mkSet(out)
}

// ---------------------------------------------------------------- infix / prefix operators (always available)

const arith = (name: string, f: (a: number, b: number) => number): Builtin =>
  def(name, 2, (c, a) => checkInt(f(int(c, a[0]), int(c, a[1]))))

export const infixOps: Record<string, Builtin> = {
  "+": arith("+", (a, b) => a + b),
  "-": arith("-", (a, b) => a - b),
  "*": arith("*", (a, b) => a * b),
  "^": arith("^", (a, b) => {
    if (b < 0) throw evalError(`negative exponent ${b}`)
    return Math.pow(a, b)
  }),
  "\\div": arith("\\div", (a, b) => {
    if (b === 0) throw evalError("division by zero in \\div")
    return Math.floor(a / b)
  }),
  "%": arith("%", (a, b) => {
    if (b <= 0) throw evalError(`the second argument of % should be a positive number, but is ${b}`)
    return ((a % b) + b) % b
  }),
  "<": def("<", 2, (c, a) => int(c, a[0]) < int(c, a[1])),
  ">": def(">", 2, (c, a) => int(c, a[0]) > int(c, a[1])),
  "=<": def("=<", 2, (c, a) => int(c, a[0]) <= int(c, a[1])),
  ">=": def(">=", 2, (c, a) => int(c, a[0]) >= int(c, a[1])),
  "..": def("..", 2, (c, a) => new IntervalSet(int(c, a[0]), int(c, a[1]))),
  "\\cup": def("\\cup", 2, (c, a) => setUnion(v(c, a[0]), v(c, a[1]))),
  "\\cap": def("\\cap", 2, (c, a) => setCap(v(c, a[0]), v(c, a[1]))),
  "\\": def("\\", 2, (c, a) => setMinus(v(c, a[0]), v(c, a[1]))),
  "\\subseteq": def("\\subseteq", 2, (c, a) => isSubset(v(c, a[0]), v(c, a[1]))),
  "\\subset": def("\\subset", 2, (c, a) => {
    const x = v(c, a[0])
    const y = v(c, a[1])
    return isSubset(x, y) && cardinality(x) < cardinality(y)
  }),
  "\\supseteq": def("\\supseteq", 2, (c, a) => isSubset(v(c, a[1]), v(c, a[0]))),
  "\\supset": def("\\supset", 2, (c, a) => {
    const x = v(c, a[0])
    const y = v(c, a[1])
    return isSubset(y, x) && cardinality(y) < cardinality(x)
  }),
  "\\o": def("\\o", 2, (c, a) => {
    const x = v(c, a[0])
    const y = v(c, a[1])
    // TLC's Sequences.Concat joins two strings
    if (typeof x === "string") {
      if (typeof y !== "string") throw evalError(`\\o: ${printValue(x)} is a string but ${printValue(y)} is not`)
      return x + y
    }
    return concat(seq(x, "\\o"), seq(y, "\\o"))
  }),
  ":>": def(":>", 2, (c, a) => mkFcn([v(c, a[0])], [v(c, a[1])])),
  "@@": def("@@", 2, (c, a) => {
    const f = asFcn(v(c, a[0]))
    const g = asFcn(v(c, a[1]))
    const pairs: [Value, Value][] = []
    for (let i = 0; i < f.size; i++) pairs.push([f.keyAt(i), f.vals[i]!])
    for (let i = 0; i < g.size; i++) pairs.push([g.keyAt(i), g.vals[i]!])
    return mkFcnFromPairs(pairs)
  }),
  "(+)": def("(+)", 2, (c, a) => bagOp(v(c, a[0]), v(c, a[1]), 1)),
  "(-)": def("(-)", 2, (c, a) => bagOp(v(c, a[0]), v(c, a[1]), -1)),
}

/**
 * The built-in logical, equality and membership operators, which the compiler evaluates inline,
 * as values for an operator argument (`Foo(=>)`, `Foo(\\in)`, `Foo(#)`: TLC's test51).
 */
const bool = (c: Ctx, b: Binding | undefined, op: string): boolean => asBool(v(c, b), `an operand of ${op}`)
export const builtinOperatorArgs: Record<string, Builtin> = {
  "=>": def("=>", 2, (c, a) => !bool(c, a[0], "=>") || bool(c, a[1], "=>")),
  "<=>": def("<=>", 2, (c, a) => bool(c, a[0], "<=>") === bool(c, a[1], "<=>")),
  "/\\": def("/\\", 2, (c, a) => bool(c, a[0], "/\\") && bool(c, a[1], "/\\")),
  "\\/": def("\\/", 2, (c, a) => bool(c, a[0], "\\/") || bool(c, a[1], "\\/")),
  "=": def("=", 2, (c, a) => valueEquals(v(c, a[0]), v(c, a[1]))),
  "#": def("#", 2, (c, a) => !valueEquals(v(c, a[0]), v(c, a[1]))),
  "\\in": def("\\in", 2, (c, a) => isMember(v(c, a[0]), v(c, a[1]))),
  "\\notin": def("\\notin", 2, (c, a) => !isMember(v(c, a[0]), v(c, a[1]))),
}

export const prefixOps: Record<string, Builtin> = {
  "-.": def("-.", 1, (c, a) => checkInt(-int(c, a[0]))),
  SUBSET: def("SUBSET", 1, (c, a) => new SubsetSet(v(c, a[0]))),
  UNION: def("UNION", 1, (c, a) => {
    const sets = setOf(v(c, a[0]), "UNION").elems
    for (const s of sets) if (!isSetValue(s)) throw evalError(`UNION applied to a set containing ${kindName(s)} ${printValue(s)}`)
    // as TLC's UnionValue, a union of lazy sets stays lazy (membership asks each set)
    if (sets.some((s) => s instanceof LazySet)) return new UnionSet(sets)
    let acc: Value = emptySet
    for (const s of sets) acc = setUnion(acc, s)
    return acc
  }),
  DOMAIN: def("DOMAIN", 1, (c, a) => domainOf(v(c, a[0]))),
}

// ---------------------------------------------------------------- bags

const bagOp = (x: Value, y: Value, sign: number): Value => {
  const f = asFcn(x)
  const g = asFcn(y)
  const pairs = new Map<string, [Value, number]>()
  for (let i = 0; i < f.size; i++) pairs.set(printValue(f.keyAt(i)), [f.keyAt(i), asInt(f.vals[i]!)])
  for (let i = 0; i < g.size; i++) {
    const k = printValue(g.keyAt(i))
    const cur = pairs.get(k)
    const n = (cur?.[1] ?? 0) + sign * asInt(g.vals[i]!)
    pairs.set(k, [g.keyAt(i), n])
  }
  return mkFcnFromPairs([...pairs.values()].filter(([, n]) => n > 0).map(([k, n]) => [k, n] as const))
}

// ---------------------------------------------------------------- named operators per standard module

const call = (c: Ctx, op: Binding | undefined, args: readonly Value[]): Value => callOperator(c, op!, args)

export const standardModules: Record<string, Record<string, Builtin>> = {
  Naturals: {
    Nat: def("Nat", 0, () => new InfiniteSet("Nat")),
  },
  Integers: {
    Nat: def("Nat", 0, () => new InfiniteSet("Nat")),
    Int: def("Int", 0, () => new InfiniteSet("Int")),
  },
  Sequences: {
    Seq: def("Seq", 1, (c, a) => new SeqSet(v(c, a[0]))),
    // TLC's Len, Tail and SubSeq also take strings (Sequences.java)
    Len: def("Len", 1, (c, a) => {
      const s = v(c, a[0])
      return typeof s === "string" ? s.length : seq(s, "Len").size
    }),
    Head: def("Head", 1, (c, a) => {
      const s = seq(v(c, a[0]), "Head")
      if (s.size === 0) throw evalError("Head applied to the empty sequence")
      return s.vals[0]!
    }),
    Tail: def("Tail", 1, (c, a) => {
      const x = v(c, a[0])
      if (typeof x === "string") {
        if (x === "") throw evalError("Tail applied to the empty string")
        return x.slice(1)
      }
      const s = seq(x, "Tail")
      if (s.size === 0) throw evalError("Tail applied to the empty sequence")
      return mkTuple(s.vals.slice(1))
    }),
    Append: def("Append", 2, (c, a) => mkTuple([...seq(v(c, a[0]), "Append").vals, v(c, a[1])])),
    SubSeq: def("SubSeq", 3, (c, a) => {
      const x = v(c, a[0])
      const m = int(c, a[1])
      const n = int(c, a[2])
      if (typeof x === "string") {
        if (m > n) return ""
        if (m < 1 || n > x.length) throw evalError(`SubSeq(s, ${m}, ${n}) out of range for a string of length ${x.length}`)
        return x.slice(m - 1, n)
      }
      const s = seq(x, "SubSeq")
      if (m > n) return mkTuple([])
      if (m < 1 || n > s.size) throw evalError(`SubSeq(s, ${m}, ${n}) out of range for a sequence of length ${s.size}`)
      return mkTuple(s.vals.slice(m - 1, n))
    }),
    SelectSeq: def(
      "SelectSeq",
      2,
      (c, a) => mkTuple(seq(v(c, a[0]), "SelectSeq").vals.filter((x) => asBool(call(c, a[1], [x]), "the SelectSeq test"))),
      { opArgs: [1] },
    ),
  },
  FiniteSets: {
    Cardinality: def("Cardinality", 1, (c, a) => cardinality(v(c, a[0]))),
    IsFiniteSet: def("IsFiniteSet", 1, (c, a) => {
      const s = v(c, a[0])
      if (!isSetValue(s)) throw evalError(`IsFiniteSet applied to ${kindName(s)}`)
      return isEnumerable(s)
    }),
  },
  TLC: {
    Print: def("Print", 2, (c, a) => {
      console.log(printValue(v(c, a[0])))
      return v(c, a[1])
    }, { volatile: true, constantLevel: true }),
    PrintT: def("PrintT", 1, (c, a) => {
      console.log(printValue(v(c, a[0])))
      return true
    }, { volatile: true, constantLevel: true }),
    Assert: def("Assert", 2, (c, a) => {
      if (asBool(v(c, a[0]), "the first argument of Assert")) return true
      const m = v(c, a[1])
      throw evalError(`the first argument of Assert evaluated to FALSE; the second argument was: ${typeof m === "string" ? m : printValue(m)}`)
    }, { volatile: true, constantLevel: true }),
    ToString: def("ToString", 1, (c, a) => printValue(v(c, a[0]))),
    Permutations: def("Permutations", 1, (c, a) => permutations(setOf(v(c, a[0]), "Permutations"))),
    SortSeq: def(
      "SortSeq",
      2,
      (c, a) => {
        const s = seq(v(c, a[0]), "SortSeq").vals.slice()
        s.sort((x, y) => (asBool(call(c, a[1], [x, y])) ? -1 : asBool(call(c, a[1], [y, x])) ? 1 : 0))
        return mkTuple(s)
      },
      { opArgs: [1] },
    ),
    TLCEval: def("TLCEval", 1, (c, a) => v(c, a[0])),
    RandomElement: def("RandomElement", 1, (c, a) => {
      const s = setOf(v(c, a[0]), "RandomElement").elems
      if (s.length === 0) throw evalError("RandomElement of the empty set")
      return s[Math.floor(Math.random() * s.length)]!
    }, { volatile: true, constantLevel: true }),
    JavaTime: def("JavaTime", 0, () => Math.floor(Date.now() / 1000) | 0, { volatile: true, constantLevel: true }),
    TLCGet: def("TLCGet", 1, (c, a) => {
      const k = v(c, a[0])
      if (typeof k === "number") {
        const r = c.tlcRegisters.get(k)
        if (r === undefined) throw evalError(`TLCGet(${k}): register not set`)
        return r
      }
      if (k === "level") return c.level
      if (typeof k === "string" && ["diameter", "distinct", "generated", "queue", "duration", "stats"].includes(k)) {
        if (c.stats === null) throw evalError(`TLCGet(${printValue(k)}) is only available while the model is checked with one worker`)
        const st = c.stats()
        if (k === "stats") return mkRecord([["diameter", st.diameter], ["distinct", st.distinct], ["duration", st.duration], ["generated", st.generated], ["queue", st.queue]])
        return st[k as keyof typeof st]
      }
      // TLC's breadth-first checker answers "config" with this record (ModelChecker.createConfig)
      if (k === "config")
        return mkRecord([["mode", "bfs"], ["deadlock", c.checkDeadlock], ["worker", c.workers], ["seed", "0"], ["fingerprint", "0"], ["install", ""]])
      throw evalError(`TLCGet(${printValue(k)}) is not supported`)
    }, { volatile: true }),
    TLCSet: def("TLCSet", 2, (c, a) => {
      const k = v(c, a[0])
      if (k === "exit") {
        // TLCSet("exit", TRUE) ends the search (as finished) once the current state is expanded
        if (asBool(v(c, a[1]))) c.exitRequested = true
        return true
      }
      if (typeof k !== "number") throw evalError(`TLCSet: the key ${printValue(k)} is neither a number nor "exit"`)
      c.tlcRegisters.set(checkInt(k), v(c, a[1]))
      return true
    }, { volatile: true }),
  },
  Bags: {
    EmptyBag: def("EmptyBag", 0, () => mkTuple([])),
    IsABag: def("IsABag", 1, (c, a) => {
      const f = v(c, a[0])
      return f instanceof FcnValue && f.vals.every((x) => typeof x === "number" && x > 0)
    }),
    BagToSet: def("BagToSet", 1, (c, a) => domainOf(v(c, a[0]))),
    SetToBag: def("SetToBag", 1, (c, a) => {
      const s = setOf(v(c, a[0]), "SetToBag").elems
      return mkFcn(s, s.map(() => 1))
    }),
    BagIn: def("BagIn", 2, (c, a) => asFcn(v(c, a[1])).indexOf(v(c, a[0])) >= 0),
    CopiesIn: def("CopiesIn", 2, (c, a) => {
      const f = asFcn(v(c, a[1]))
      const i = f.indexOf(v(c, a[0]))
      return i < 0 ? 0 : f.vals[i]!
    }),
    BagCardinality: def("BagCardinality", 1, (c, a) => asFcn(v(c, a[0])).vals.reduce<number>((s, x) => s + asInt(x), 0)),
    BagUnion: def("BagUnion", 1, (c, a) => {
      let acc: Value = mkTuple([])
      for (const b of setOf(v(c, a[0]), "BagUnion").elems) acc = bagOp(acc, b, 1)
      return acc
    }),
    // Bags.tla: BagOfAll(F, B)[y] is the sum of B[x] over the x of BagToSet(B) with F(x) = y
    BagOfAll: def(
      "BagOfAll",
      2,
      (c, a) => {
        const f = asFcn(v(c, a[1]))
        const pairs: [Value, number][] = []
        for (let i = 0; i < f.size; i++) {
          const y = call(c, a[0], [f.keyAt(i)])
          const j = pairs.findIndex(([k]) => valueEquals(k, y))
          if (j < 0) pairs.push([y, asInt(f.vals[i]!)])
          else pairs[j]![1] += asInt(f.vals[i]!)
        }
        return mkFcnFromPairs(pairs)
      },
      { opArgs: [0] },
    ),
    // Bags.tla: B1 \sqsubseteq B2 == /\ DOMAIN B1 \subseteq DOMAIN B2 /\ \A e \in DOMAIN B1 : B1[e] \leq B2[e]
    "\\sqsubseteq": def("\\sqsubseteq", 2, (c, a) => {
      const f = asFcn(v(c, a[0]))
      const g = asFcn(v(c, a[1]))
      for (let i = 0; i < f.size; i++) {
        const j = g.indexOf(f.keyAt(i))
        if (j < 0 || asInt(f.vals[i]!) > asInt(g.vals[j]!)) return false
      }
      return true
    }),
    SubBag: def("SubBag", 1, (c, a) => {
      const f = asFcn(v(c, a[0]))
      const out: Value[] = []
      const keys: Value[] = []
      const go = (i: number, cur: number[]): void => {
        if (i === f.size) {
          const ks: Value[] = []
          const vs: Value[] = []
          cur.forEach((n, j) => {
            if (n > 0) {
              ks.push(f.keyAt(j))
              vs.push(n)
            }
          })
          out.push(mkFcn(ks, vs))
          return
        }
        for (let n = 0; n <= asInt(f.vals[i]!); n++) go(i + 1, [...cur, n])
      }
      void keys
      go(0, [])
      return mkSet(out)
    }),
  },
}
standardModules["TLC"]!["Any"] = def("Any", 0, () => new InfiniteSet("STRING"))

// TLC's TLCExt (tla2tools' standard module TLCExt.tla, whose operators TLC implements in Java)
const registerKey = (c: Ctx, b: Binding | undefined, op: string): number => {
  const k = v(c, b)
  if (typeof k !== "number") throw evalError(`${op}: the key ${printValue(k)} is not a number`)
  return k
}
const tlcCaches = new WeakMap<object, Map<string, Value>>()
standardModules["TLCExt"] = {
  // IF a # b THEN PrintT("Assertion failed") /\ PrintT(a) /\ PrintT(b) /\ a = b ELSE a = b
  AssertEq: def("AssertEq", 2, (c, a) => {
    const x = v(c, a[0])
    const y = v(c, a[1])
    if (valueEquals(x, y)) return true
    console.log('"Assertion failed"')
    console.log(printValue(x))
    console.log(printValue(y))
    return false
  }, { volatile: true }),
  TLCGetOrDefault: def("TLCGetOrDefault", 2, (c, a) => c.tlcRegisters.get(registerKey(c, a[0], "TLCGetOrDefault")) ?? v(c, a[1]), { volatile: true }),
  // LET oldVal == TLCGetOrDefault(key, defaultVal) IN CHOOSE v \in {oldVal} : TLCSet(key, Op(oldVal, val))
  TLCGetAndSet: def("TLCGetAndSet", 4, (c, a) => {
    const k = registerKey(c, a[0], "TLCGetAndSet")
    const old = c.tlcRegisters.get(k) ?? v(c, a[3])
    c.tlcRegisters.set(k, call(c, a[1], [old, v(c, a[2])]))
    return old
  }, { volatile: true, opArgs: [1] }),
  TLCModelValue: def("TLCModelValue", 1, (c, a) => {
    const n = v(c, a[0])
    if (typeof n !== "string") throw evalError(`TLCModelValue expects a string but found ${printValue(n)}`)
    return modelValue(n)
  }),
  TLCNoOp: def("TLCNoOp", 1, (c, a) => v(c, a[0])),
  // TRUE when evaluating exp fails with exactly the message err (TLC's TLCExt.assertError; TLC's
  // messages are not Pollen's, so only the "no error" case, FALSE, agrees reliably)
  AssertError: def("AssertError", 2, (c, a) => {
    const err = v(c, a[0])
    try {
      v(c, a[1])
    } catch (e) {
      if (e instanceof Error && typeof err === "string" && e.message === err) return true
      if (!(e instanceof Error) || e.name === "RangeError") throw e
    }
    return false
  }, { lazyArgs: [1] }),
  // TLCCache(e, key): e evaluated once per key (and call site), as TLC's TLCExt.tlcCache
  TLCCache: def("TLCCache", 2, (c, a) => {
    const e = a[0]
    if (!(e instanceof Thunk)) return v(c, e)
    let cache = tlcCaches.get(e.node)
    if (cache === undefined) tlcCaches.set(e.node, (cache = new Map()))
    const key = printValue(v(c, a[1]))
    let r = cache.get(key)
    if (r === undefined) cache.set(key, (r = v(c, e)))
    return r
  }, { lazyArgs: [0] }),
  // "Defer evaluation of expression to some later time or never": never, when model checking
  TLCDefer: def("TLCDefer", 1, () => true),
  // interactive choice of successors is not offered: TRUE, as TLC outside an action constraint
  PickSuccessor: def("PickSuccessor", 1, () => true),
  // the states from an initial state to the current one, as records of the variables
  Trace: def("Trace", 0, (c) => {
    if (c.trace === null) throw evalError("Trace is only available in invariants, constraints and properties checked on a state")
    return c.trace()
  }, { volatile: true }),
}

/** Operators every module has. */
export const alwaysAvailable: Record<string, Builtin> = {
  BOOLEAN: def("BOOLEAN", 0, () => new SetValue([false, true])),
  STRING: def("STRING", 0, () => new InfiniteSet("STRING")),
}

export const isStandardModule = (name: string): boolean => name in standardModules || name === "Reals" || name === "TLAPS_builtin"

export { FcnSet, LazySet, ModelValue, OpClosure, Callable, valueEquals }
