// Compiles syntax trees into closures. Every node has `ev` (value) and `act` (successor
// enumeration: calls its continuation once per way the action can be satisfied, with the
// primed variables it assigns bound in Ctx.p, exactly as TLC splits and enumerates actions).
// Names are resolved at compile time; operator arguments are passed by need (Thunk) so that
// `Op(x')` assigns x' inside Op as in TLC.
import type { At, Bind, Bound, Expr, Selector } from "./ast.ts"
import { TlaError, evalError, located } from "./errors.ts"
import type { DefEntity, Entity, InstanceEntity, ModuleScope, World } from "./modules.ts"
import type { Act, Binding, CNode, CompiledOp, Cont, Ev } from "./runtime.ts"
import { Callable, Ctx, Env, OpClosure, Thunk, asBool, checkInt, forceBinding } from "./runtime.ts"
import { collectBound, flattenBin, mentions } from "./ast-walk.ts"
import { FilterSet } from "./filter-set.ts"
import { actChain, actEach, bindValue, forEachBinding, lookupEnv } from "./iteration.ts"
import type { Builtin } from "./stdlib.ts"
import { builtinOperatorArgs, fcnApply, infixOps, isSubset, prefixOps, setOpCaller, setUnion } from "./stdlib.ts"
import type { Value } from "./values.ts"
import {
  FcnSet, FcnValue, IntervalSet, LazyFcn, LazySet, ProductSet, RecordSet, SetValue, asFcn, compare, enumerate, isEnumerable, isMember, isSetValue, mkFcn, mkSet,
  mkTuple, printValue, valueEquals,
} from "./values.ts"

interface Local {
  readonly name: string
  readonly arity: number
  readonly up: Local | null
  /** For a LET operator: its parameters' arities (an operator parameter takes an operator argument). */
  readonly paramArities?: readonly number[]
}

interface Scope {
  readonly mod: ModuleScope
  readonly locals: Local | null
}

const STOP = Symbol("stop")

const defaultAct =
  (ev: Ev): Act =>
  (c, e, k) => {
    if (asBool(ev(c, e))) k()
  }

const leaf = (at: At, ev: Ev, extra: Partial<CNode> = {}): CNode => ({ at, ev, act: defaultAct(ev), pure: true, ...extra })

/** Expression kinds whose constant instances are worth memoising (not literals or plain names). */
const hoistKinds = new Set<string>([
  "bin", "un", "times", "if", "case", "let", "quant", "choose", "setenum", "setfilter", "setmap", "fcn", "fcnset",
  "record", "recordset", "except", "apply", "dot", "tuple", "ref",
])
/** Operators the compiler implements itself (not definitions or builtins of a module). */
const coreOps = new Set<string>(["=>", "<=>", "=", "#", "\\in", "\\notin", "/\\", "\\/", "~", "\\subseteq"])
const hoistable = (x: Expr): boolean => hoistKinds.has(x.k) && (x.k !== "ref" || (x.args.length > 0 && x.sel.length === 0))

/** Nodes whose closures locate their own errors (no wrapper call around them). */
const selfLocated = new WeakSet<CNode>()
const locatedLeaf = (at: At, ev: Ev): CNode => {
  const n = leaf(at, ev)
  selfLocated.add(n)
  return n
}

export const callWithValues = (c: Ctx, op: Binding, args: readonly Binding[]): Value => {
  if (op instanceof OpClosure) {
    let env = op.env
    for (const a of args) env = new Env(a, env)
    return op.op.body.ev(c, env)
  }
  if (op instanceof Callable) return op.fn(c, args)
  throw evalError(`${printValue(op as Value)} is not an operator`)
}
setOpCaller(callWithValues)

const literals: Value[] = []
/** A `lit` node standing for `v`. */
export const literal = (v: Value, at: At): Expr => {
  literals.push(v)
  return { k: "lit", id: literals.length - 1, at }
}
const literalValue = (id: number): Value => literals[id]!

/** `inner` evaluated with the next state as the current one: `e'` for an expression e. */
const inNextState = (inner: CNode, c: Ctx, e: Env | null): Value => {
  const saved = c.s
  c.s = c.p
  c.gen++
  try {
    return inner.ev(c, e)
  } finally {
    c.s = saved
    c.gen++
  }
}

export class Compiler {
  constructor(readonly world: World) {}

  private fail(sc: Scope | ModuleScope, at: At | undefined, msg: string): never {
    const m = "mod" in sc ? sc.mod : sc
    throw new TlaError("semantic", msg, m.file, at, m.source)
  }

  /** Attaches this node's location to an error escaping it (for closures with their own try). */
  private locator(sc: Scope, at: At): (x: unknown) => unknown {
    const file = sc.mod.file
    const src = sc.mod.source
    return (x) => (x === STOP || !(x instanceof Error) ? x : located(x, file, at, src))
  }

  private wrap(n: CNode, sc: Scope): CNode {
    if (selfLocated.has(n)) return n
    const { ev, act } = n
    const file = sc.mod.file
    const src = sc.mod.source
    const at = n.at
    n.ev = (c, e) => {
      try {
        return ev(c, e)
      } catch (x) {
        throw x === STOP || !(x instanceof Error) ? x : located(x, file, at, src)
      }
    }
    n.act = (c, e, k) => {
      try {
        act(c, e, k)
      } catch (x) {
        throw x === STOP || !(x instanceof Error) ? x : located(x, file, at, src)
      }
    }
    return n
  }

  // ------------------------------------------------------------------ entities

  resolveEntity(mod: ModuleScope, name: string): Entity | undefined {
    let e = mod.names.get(name)
    let guard = 0
    while (e !== undefined && e.k === "alias" && guard++ < 50) {
      if (e.resolved !== undefined) return e.resolved
      const alias = e
      const target = e.scope.names.get(e.target)
      if (target === undefined) {
        const ops = infixOps[e.target]
        if (ops !== undefined) return { k: "builtin", b: ops }
        this.fail(e.scope, undefined, `${e.name} <- ${e.target}: ${e.target} is not defined`)
      }
      e = target
      if (alias.original !== undefined && e !== undefined && e.k === "def" && mentions(e.unit.body, alias.name)) {
        // the replacement refers to the name it replaces: there, the name is the original definition
        const names = new Map(e.scope.names)
        names.set(alias.name, alias.original)
        const scope = Object.create(e.scope, { names: { value: names } }) as ModuleScope
        alias.resolved = { k: "def", name: e.name, unit: e.unit, params: e.params, scope }
        return alias.resolved
      }
    }
    return e
  }

  /** The compiled form of a top-level (or instance-level) definition. */
  defOp(d: DefEntity): CompiledOp {
    if (d.compiled !== undefined) return d.compiled
    const op: CompiledOp = {
      name: d.name,
      module: d.scope.module.name,
      arity: d.params.length,
      paramArities: d.params.map((p) => p.arity),
      body: undefined as unknown as CNode,
      at: d.unit.k === "def" ? d.unit.body.at : d.unit.body.at,
    }
    d.compiled = op
    let locals: Local | null = null
    for (const p of d.params) locals = { name: p.name, arity: p.arity, up: locals }
    const sc: Scope = { mod: d.scope, locals }
    op.body = d.unit.k === "fdef" ? this.fcnDef(d.unit.name, d.unit.binds, d.unit.body, d.unit.at, sc) : this.expr(d.unit.body, sc)
    return op
  }

  /** 0 = constant, 1 = state, 2 = action, 3 = volatile (never cache). */
  defLevel(d: DefEntity): number {
    if (d.level !== undefined) return d.level
    d.level = 0
    const bound = new Set<string>(d.params.map((p) => p.name))
    collectBound(d.unit.body, bound)
    if (d.unit.k === "fdef") for (const b of d.unit.binds) for (const n of b.names) for (const x of typeof n === "string" ? [n] : n) bound.add(x)
    d.level = this.exprLevel(d.unit.body, d.scope, bound)
    return d.level
  }

  /**
   * Whether `x` is an action: it primes a variable, or has UNCHANGED or [A]_v / <<A>>_v,
   * outside any ENABLED (`~ENABLED A` is a state predicate), through the definitions it uses.
   */
  isAction(x: Expr, mod: ModuleScope): boolean {
    const bound = new Set<string>()
    collectBound(x, bound)
    return this.actionIn(x, mod, bound)
  }

  private readonly actionDefs = new Map<Entity, boolean>()

  private actionIn(x: unknown, mod: ModuleScope, bound: ReadonlySet<string>): boolean {
    if (x === null || typeof x !== "object") return false
    if (Array.isArray(x)) return x.some((y) => this.actionIn(y, mod, bound))
    const o = x as Record<string, unknown>
    const k = o["k"]
    if (k === "prime" || k === "boxAct" || k === "angleAct") return true
    if (k === "un" && o["op"] === "ENABLED") return false
    if (k === "un" && o["op"] === "UNCHANGED") return true
    if (k === "ref") {
      const name = o["name"] as string
      const sel = o["sel"] as Selector[]
      if (!bound.has(name)) {
        const e = this.resolveEntity(mod, name)
        if (e !== undefined && sel.length > 0 && this.selectedLevel(e, sel) >= 2) return true
        if (e !== undefined && sel.length === 0 && (e.k === "def" || e.k === "subst")) {
          let known = this.actionDefs.get(e)
          if (known === undefined) {
            this.actionDefs.set(e, false) // recursive definitions: assumed state-level while examined
            const b = new Set<string>()
            if (e.k === "def") {
              for (const p of e.params) b.add(p.name)
              collectBound(e.unit.body, b)
              known = this.actionIn(e.unit.body, e.scope, b)
            } else {
              collectBound(e.expr, b)
              known = this.actionIn(e.expr, e.scope, b)
            }
            this.actionDefs.set(e, known)
          }
          if (known) return true
        }
      }
    }
    for (const [key, val] of Object.entries(o)) if (key !== "at" && key !== "opAt" && this.actionIn(val, mod, bound)) return true
    return false
  }

  /** 0 constant, 1 state, 2 action (primes, ENABLED, UNCHANGED), 3 volatile. */
  levelOf(x: Expr, mod: ModuleScope): number {
    const bound = new Set<string>()
    collectBound(x, bound)
    return this.exprLevel(x, mod, bound)
  }

  private exprLevel(x: Expr, mod: ModuleScope, bound: Set<string>): number {
    let lvl = 0
    const visit = (n: unknown): void => {
      if (n === null || typeof n !== "object") return
      if (Array.isArray(n)) {
        for (const y of n) visit(y)
        return
      }
      const o = n as Record<string, unknown>
      if (o["k"] === "prime" || (o["k"] === "un" && (o["op"] === "ENABLED" || o["op"] === "UNCHANGED"))) lvl = Math.max(lvl, 2)
      if (o["k"] === "ref") {
        const name = o["name"] as string
        const sel = o["sel"] as Selector[]
        if (!bound.has(name)) {
          const e = this.resolveEntity(mod, name)
          if (e === undefined) lvl = Math.max(lvl, 1)
          else if (sel.length > 0) lvl = Math.max(lvl, this.selectedLevel(e, sel))
          else if (e.k === "var") lvl = Math.max(lvl, 1)
          else if (e.k === "def") lvl = Math.max(lvl, this.defLevel(e))
          else if (e.k === "subst") {
            if (e.level === undefined) {
              e.level = 1
              const b = new Set<string>()
              collectBound(e.expr, b)
              e.level = this.exprLevel(e.expr, e.scope, b)
            }
            lvl = Math.max(lvl, e.level)
          } else if (e.k === "builtin" && e.b.volatile === true && e.b.constantLevel !== true) lvl = 3
        }
      }
      for (const [key, val] of Object.entries(o)) if (key !== "at" && key !== "opAt") visit(val)
    }
    visit(x)
    return lvl
  }

  /** The level of `I!Op`, `I!J!Op`, `Def!2`: that of what the selectors reach (A!Next is an action). */
  private selectedLevel(e: Entity, sel: readonly Selector[]): number {
    let ent: Entity | undefined = e
    for (const s of sel) {
      if (!("name" in s)) break
      if (ent === undefined || ent.k !== "instance") return 1
      if (ent.unit.params.length > 0) return 2
      ent = this.resolveEntity(this.instanceScope(ent), s.name)
    }
    if (ent === undefined) return 1
    if (ent.k === "def") return this.defLevel(ent)
    if (ent.k === "theorem" && ent.expr !== null) return this.exprLevel(ent.expr, ent.scope, new Set())
    return ent.k === "const" ? 0 : 1
  }

  // ------------------------------------------------------------------ expressions

  expr(x: Expr, sc: Scope): CNode {
    const n = this.exprNode(x, sc)
    if (n.constant !== undefined || !hoistable(x) || !this.closedConstant(x, sc)) return n
    // A constant subexpression inside an operator or a quantifier body (GameOfLife's
    // `{x \in {-1, 0, 1} \X {-1, 0, 1} : x # <<0, 0>>}` in score(p)) is evaluated once, on
    // first use (so an error is still raised only where it is reached), and then shared.
    // Only the value form is memoised: `act` keeps enumerating as before.
    const inner = n.ev
    let memo: Value | undefined
    return { ...n, ev: (c, e) => (memo !== undefined ? memo : (memo = inner(c, e))) }
  }

  /** Hoisting level of definitions (see closedConstant): 0 = constant, > 0 = not. */
  private readonly hoistLevels = new Map<DefEntity | Entity, number>()

  /**
   * True when `x` denotes the same value wherever and whenever it is evaluated: it reads no
   * local binding of its scope (parameters, bound variables, LET names, `@`), no state
   * variable, no primed or ENABLED/UNCHANGED form, no instance selector and no volatile
   * builtin (RandomElement, Print, TLCGet, ... nor a definition using one).
   */
  private closedConstant(x: Expr, sc: Scope): boolean {
    const bound = new Set<string>()
    collectBound(x, bound)
    return this.walkLevel(x, sc.mod, bound, sc.locals) === 0
  }

  private walkLevel(x: Expr, mod: ModuleScope, bound: Set<string>, locals: Local | null): number {
    let lvl = 0
    const visit = (n: unknown): void => {
      if (lvl > 0 || n === null || typeof n !== "object") return
      if (Array.isArray(n)) {
        for (const y of n) visit(y)
        return
      }
      const o = n as Record<string, unknown>
      const k = o["k"]
      if (k === "prime" || k === "at" || k === "boxAct" || k === "angleAct" || k === "fair" || k === "uquant") {
        lvl = 2
        return
      }
      if (k === "un" || k === "bin" || k === "postfix") {
        const op = o["op"] as string
        if (op === "ENABLED" || op === "UNCHANGED") {
          lvl = 2
          return
        }
        lvl = Math.max(lvl, this.nameLevel(op, mod, bound, locals))
      } else if (k === "ref" || k === "opname") {
        const sel = o["sel"] as Selector[] | undefined
        if (sel !== undefined && sel.length > 0) {
          lvl = 1
          return
        }
        lvl = Math.max(lvl, this.nameLevel(o["name"] as string, mod, bound, locals))
      }
      for (const [key, val] of Object.entries(o)) if (key !== "at" && key !== "opAt") visit(val)
    }
    visit(x)
    return lvl
  }

  private nameLevel(name: string, mod: ModuleScope, bound: Set<string>, locals: Local | null): number {
    // a name of the enclosing scope, or one also bound inside (no shadowing is assumed): not constant
    if (findLocal(locals, name) !== undefined) return 1
    if (bound.has(name)) return 0
    const e = this.resolveEntity(mod, name)
    if (e === undefined) return infixOps[name] !== undefined || prefixOps[name] !== undefined || coreOps.has(name) ? 0 : 1
    switch (e.k) {
      case "const":
        return 0
      case "builtin":
        return e.b.volatile === true ? 3 : 0
      case "def":
      case "subst": {
        const known = this.hoistLevels.get(e)
        if (known !== undefined) return known
        // while a definition is being examined it counts as not constant, so recursive
        // definitions (and those reached through them) are never hoisted
        this.hoistLevels.set(e, 3)
        let l: number
        if (e.k === "subst") {
          const b = new Set<string>()
          collectBound(e.expr, b)
          l = this.walkLevel(e.expr, e.scope, b, null)
        } else {
          const b = new Set<string>(e.params.map((p) => p.name))
          collectBound(e.unit.body, b)
          if (e.unit.k === "fdef") for (const bd of e.unit.binds) for (const n of bd.names) for (const y of typeof n === "string" ? [n] : n) b.add(y)
          l = this.walkLevel(e.unit.body, e.scope, b, null)
          if (e.unit.k === "fdef" && l === 0) l = this.walkLevel(e.unit.binds as unknown as Expr, e.scope, b, null)
        }
        this.hoistLevels.set(e, l)
        return l
      }
      default:
        return 1
    }
  }

  private exprNode(x: Expr, sc: Scope): CNode {
    switch (x.k) {
      case "num":
        return leaf(x.at, () => x.v, { constant: x.v })
      case "decimal": {
        const L = this.locator(sc, x.at)
        return locatedLeaf(x.at, () => {
          throw L(evalError(`the real number ${x.text} cannot be evaluated (TLC does not support real numbers)`))
        })
      }
      case "str":
        return leaf(x.at, () => x.v, { constant: x.v })
      case "bool":
        return leaf(x.at, () => x.v, { constant: x.v })
      case "ref":
        return this.ref(x, sc)
      case "lit": {
        const v = literalValue(x.id)
        return leaf(x.at, () => v, { constant: v })
      }
      case "opname":
        return this.fail(sc, x.at, `operator ${x.name} used as a value`)
      case "bin":
        return this.wrap(this.binary(x.op, x.a, x.b, x.at, sc), sc)
      case "un":
        return this.wrap(this.unary(x.op, x.a, x.at, sc), sc)
      case "postfix": {
        // user-defined postfix operators (a ^+ == ..., a ^* == ..., a ^# == ...)
        if (findLocal(sc.locals, x.op) !== undefined) return this.ref({ k: "ref", name: x.op, args: [x.a], sel: [], at: x.at }, sc)
        const user = this.resolveEntity(sc.mod, x.op)
        if (user !== undefined && user.k === "def") return this.wrap(this.callDef(user, [x.a], x.at, sc), sc)
        return this.fail(sc, x.at, `postfix operator ${x.op} is not defined`)
      }
      case "prime":
        return this.prime(x.a, x.at, sc)
      case "junc":
        return this.junction(x.op, x.items.map((i) => this.expr(i, sc)), x.at)
      case "times": {
        const parts = x.elems.map((e) => this.expr(e, sc))
        return leaf(x.at, (c, e) => new ProductSet(parts.map((p) => p.ev(c, e))))
      }
      case "if":
        return this.ifThen(x.c, x.t, x.f, x.at, sc)
      case "case":
        return this.caseOf(x, sc)
      case "let":
        return this.letIn(x, sc)
      case "quant":
        return this.quant(x.q, x.binds, x.body, x.at, sc)
      case "uquant":
        return this.fail(sc, x.at, `unbounded quantifier \\${x.q} cannot be evaluated by the model checker; bound it with \\in`)
      case "choose":
        return this.wrap(this.choose(x, sc), sc)
      case "setenum": {
        const elems = x.elems.map((e) => this.expr(e, sc))
        if (elems.every((e) => e.constant !== undefined)) {
          const v = mkSet(elems.map((e) => e.constant!))
          return leaf(x.at, () => v, { constant: v })
        }
        return leaf(x.at, (c, e) => mkSet(elems.map((n) => n.ev(c, e))))
      }
      case "setfilter": {
        const set = this.expr(x.set, sc)
        const inner = this.bindLocals([x.binder], sc)
        const pred = this.expr(x.pred, inner)
        const binder = x.binder
        return this.wrap(
          leaf(x.at, (c, e) => {
            const base = set.ev(c, e)
            // TLC filters enumerated sets and intervals at once, and keeps other sets lazy (SetPredValue)
            if (base instanceof LazySet && !(base instanceof IntervalSet)) {
              const later = inStateOfNow(c)
              return new FilterSet(base, (v) => later(() => asBool(pred.ev(c, bindValue(binder, v, e)), "the set filter predicate")))
            }
            const out: Value[] = []
            for (const v of enumerate(base).elems) if (asBool(pred.ev(c, bindValue(binder, v, e)), "the set filter predicate")) out.push(v)
            return new SetValue(out)
          }),
          sc,
        )
      }
      case "setmap": {
        const { sets, inner, binders } = this.binds(x.binds, sc)
        const body = this.expr(x.expr, inner)
        return this.wrap(
          leaf(x.at, (c, e) => {
            const out: Value[] = []
            forEachBinding(c, e, binders, sets, (env) => {
              out.push(body.ev(c, env))
              return false
            })
            return mkSet(out)
          }),
          sc,
        )
      }
      case "fcn":
        return this.wrap(this.fcnCons(x.binds, x.body, x.at, sc), sc)
      case "fcnset": {
        const dom = this.expr(x.dom, sc)
        const rng = this.expr(x.rng, sc)
        return leaf(x.at, (c, e) => new FcnSet(dom.ev(c, e), rng.ev(c, e)))
      }
      case "record": {
        const order = x.fields.map((f, i) => [f[0], i] as const).sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0))
        const keys = order.map((o) => o[0])
        const vals = order.map((o) => this.expr(x.fields[o[1]]![1], sc))
        if (new Set(keys).size !== keys.length) return this.fail(sc, x.at, "record with a repeated field")
        const n = vals.length
        return leaf(x.at, (c, e) => {
          const out = new Array<Value>(n)
          for (let i = 0; i < n; i++) out[i] = vals[i]!.ev(c, e)
          return new FcnValue(keys, out)
        })
      }
      case "recordset": {
        const sorted = [...x.fields].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        const names = sorted.map((f) => f[0])
        const sets = sorted.map((f) => this.expr(f[1], sc))
        return leaf(x.at, (c, e) => new RecordSet(names, sets.map((s) => s.ev(c, e))))
      }
      case "except":
        return this.wrap(this.except(x, sc), sc)
      case "apply": {
        const f = this.expr(x.f, sc)
        const args = x.args.map((a) => this.expr(a, sc))
        if (args.length === 1) {
          const a0 = args[0]!
          const L = this.locator(sc, x.at)
          return locatedLeaf(x.at, (c, e) => {
            try {
              return fcnApply(f.ev(c, e), a0.ev(c, e))
            } catch (err) {
              throw L(err)
            }
          })
        }
        return this.wrap(leaf(x.at, (c, e) => fcnApply(f.ev(c, e), mkTuple(args.map((a) => a.ev(c, e))))), sc)
      }
      case "dot": {
        const a = this.expr(x.a, sc)
        const field = x.field
        const L = this.locator(sc, x.at)
        return locatedLeaf(x.at, (c, e) => {
          try {
            const r = a.ev(c, e)
            if (r instanceof FcnValue) {
              const keys = r.keys
              if (keys !== null) for (let i = 0; i < keys.length; i++) if (keys[i] === field) return r.vals[i]!
              throw evalError(`record ${printValue(r)} has no field ${field}`)
            }
            return fcnApply(r, field)
          } catch (err) {
            throw L(err)
          }
        })
      }
      case "tuple": {
        const elems = x.elems.map((e) => this.expr(e, sc))
        return leaf(x.at, (c, e) => mkTuple(elems.map((n) => n.ev(c, e))))
      }
      case "at": {
        const d = findLocal(sc.locals, "@")
        if (d === undefined) return this.fail(sc, x.at, "@ used outside an EXCEPT clause")
        return leaf(x.at, (c, e) => forceBinding(c, lookupEnv(e, d.depth)))
      }
      case "boxAct":
        return this.boxAction(x.a, x.sub, x.at, sc, false)
      case "angleAct":
        return this.boxAction(x.a, x.sub, x.at, sc, true)
      case "fair":
        return this.fail(sc, x.at, `fairness formula ${x.kind}... cannot be evaluated as a value (only in SPECIFICATION, where it is ignored)`)
      case "lambda":
        return this.fail(sc, x.at, "LAMBDA can only be passed as an operator argument")
    }
  }

  private junction(op: string, items: readonly CNode[], at: At): CNode {
    const n = items.length
    if (op === "/\\") {
      const ev: Ev = (c, e) => {
        for (let i = 0; i < n; i++) if (!asBool(items[i]!.ev(c, e), "a conjunct")) return false
        return true
      }
      const act: Act = (c, e, k) => {
        const sp = c.splitting
        c.splitting = false
        try {
          actChain(items, 0, c, e, k)
        } finally {
          c.splitting = sp
        }
      }
      return { at, ev, act, pure: items.every((i) => i.pure === true) }
    }
    const ev: Ev = (c, e) => {
      for (let i = 0; i < n; i++) if (asBool(items[i]!.ev(c, e), "a disjunct")) return true
      return false
    }
    const act: Act = (c, e, k) => {
      for (let i = 0; i < n; i++) items[i]!.act(c, e, k)
    }
    return { at, ev, act }
  }

  private binary(op: string, ax: Expr, bx: Expr, at: At, sc: Scope): CNode {
    if (op === "/\\" || op === "\\/") return this.junction(op, [this.expr(ax, sc), this.expr(bx, sc)], at)
    const user = op.startsWith("\\") || !(op in infixOps) ? this.resolveEntity(sc.mod, op) : this.resolveEntity(sc.mod, op)
    if (user !== undefined && user.k === "def") return this.callDef(user, [ax, bx], at, sc)
    const a = this.expr(ax, sc)
    const b = this.expr(bx, sc)
    switch (op) {
      case "=>":
        return {
          at,
          ev: (c, e) => !asBool(a.ev(c, e)) || asBool(b.ev(c, e)),
          pure: b.pure === true,
          // TLC: if P holds, enumerate Q as an action; otherwise continue.
          act: (c, e, k) => {
            if (!asBool(a.ev(c, e))) return k()
            const sp = c.splitting
            c.splitting = false
            try {
              b.act(c, e, k)
            } finally {
              c.splitting = sp
            }
          },
        }
      case "<=>":
        return leaf(at, (c, e) => asBool(a.ev(c, e)) === asBool(b.ev(c, e)))
      case "=": {
        const L = this.locator(sc, at)
        const ev: Ev = (c, e) => {
          try {
            const x = a.ev(c, e)
            const y = b.ev(c, e)
            return x === y || valueEquals(x, y)
          } catch (err) {
            throw L(err)
          }
        }
        const target = a.target
        if (target === undefined) return locatedLeaf(at, ev)
        return {
          at,
          ev,
          act: (c, e, k) => {
            const i = target(c, e)
            if (i < 0) {
              if (asBool(ev(c, e))) k()
              return
            }
            const arr = c.init ? c.s : c.p
            arr[i] = b.ev(c, e)
            c.gen++
            try {
              k()
            } finally {
              arr[i] = undefined
              c.gen++
            }
          },
        }
      }
      case "#": {
        const L = this.locator(sc, at)
        return locatedLeaf(at, (c, e) => {
          try {
            const x = a.ev(c, e)
            const y = b.ev(c, e)
            return x !== y && !valueEquals(x, y)
          } catch (err) {
            throw L(err)
          }
        })
      }
      case "\\in": {
        const L = this.locator(sc, at)
        const ev: Ev = (c, e) => {
          try {
            return isMember(a.ev(c, e), b.ev(c, e))
          } catch (err) {
            throw L(err)
          }
        }
        const target = a.target
        if (target === undefined) return locatedLeaf(at, ev)
        return {
          at,
          ev,
          act: (c, e, k) => {
            const i = target(c, e)
            if (i < 0) {
              if (asBool(ev(c, e))) k()
              return
            }
            const arr = c.init ? c.s : c.p
            const elems = enumerate(b.ev(c, e)).elems
            try {
              for (const v of elems) {
                arr[i] = v
                c.gen++
                k()
              }
            } finally {
              arr[i] = undefined
              c.gen++
            }
          },
        }
      }
      case "\\notin": {
        const L = this.locator(sc, at)
        return locatedLeaf(at, (c, e) => {
          try {
            return !isMember(a.ev(c, e), b.ev(c, e))
          } catch (err) {
            throw L(err)
          }
        })
      }
      case "\\subseteq":
        return leaf(at, (c, e) => isSubset(a.ev(c, e), b.ev(c, e)))
      case "~>":
      case "-+->":
      case "\\cdot":
        return this.fail(sc, at, `${op} cannot be evaluated by the safety checker`)
    }
    const bi = infixOps[op] ?? (user !== undefined && user.k === "builtin" ? user.b : undefined)
    if (bi === undefined) return this.fail(sc, at, `operator ${op} is not defined (is a standard module missing from EXTENDS?)`)
    const fn = bi.fn
    if (op === "..")
      return leaf(at, (c, e) => {
        const x = a.ev(c, e)
        const y = b.ev(c, e)
        return typeof x === "number" && typeof y === "number" ? new IntervalSet(x, y) : fn(c, [x, y])
      })
    if (op === "\\cup") return leaf(at, (c, e) => setUnion(a.ev(c, e), b.ev(c, e)))
    const fast = fastInt[op]
    const L = this.locator(sc, at)
    if (fast !== undefined)
      return locatedLeaf(at, (c, e) => {
        try {
          const x = a.ev(c, e)
          const y = b.ev(c, e)
          return typeof x === "number" && typeof y === "number" ? fast(x, y) : fn(c, [x, y])
        } catch (err) {
          throw L(err)
        }
      })
    return locatedLeaf(at, (c, e) => {
      try {
        return fn(c, [a.ev(c, e), b.ev(c, e)])
      } catch (err) {
        throw L(err)
      }
    })
  }

  private unary(op: string, ax: Expr, at: At, sc: Scope): CNode {
    // an operator parameter declared as a prefix operator: BoxTest(-._) == -(x = 0)
    if (findLocal(sc.locals, op) !== undefined) return this.ref({ k: "ref", name: op, args: [ax], sel: [], at }, sc)
    if (op === "UNCHANGED") return this.unchanged(ax, at, sc)
    const user = this.resolveEntity(sc.mod, op)
    if (user !== undefined && user.k === "def") return this.callDef(user, [ax], at, sc)
    const a = this.expr(ax, sc)
    switch (op) {
      case "~": {
        const L = this.locator(sc, at)
        return locatedLeaf(at, (c, e) => {
          try {
            return !asBool(a.ev(c, e), "the operand of ~")
          } catch (err) {
            throw L(err)
          }
        })
      }
      case "ENABLED":
        return leaf(at, (c, e) => {
          const savedP = c.p
          const sp = c.splitting
          // an invariant on an initial state is evaluated while Init is still being enumerated
          // (c.init set): A's primed variables are still the ones to assign (YoYo's
          // FinishIffTerminated == ~(ENABLED Next) <=> Termination)
          const init = c.init
          c.init = false
          c.p = new Array<Value | undefined>(savedP.length).fill(undefined)
          c.gen++
          try {
            a.act(c, e, () => {
              throw STOP
            })
            return false
          } catch (x) {
            if (x === STOP) return true
            throw x
          } finally {
            c.p = savedP
            c.splitting = sp
            c.init = init
            c.gen++
          }
        })
      case "[]":
      case "<>":
        return this.fail(sc, at, `temporal operator ${op} can only appear in a SPECIFICATION or PROPERTY`)
    }
    const bi = prefixOps[op]
    if (bi === undefined) return this.fail(sc, at, `unknown prefix operator ${op}`)
    const fn = bi.fn
    return leaf(at, (c, e) => fn(c, [a.ev(c, e)]))
  }

  /** x' for a variable reads the next state; (e)' evaluates e with the next state as current. */
  private prime(ax: Expr, at: At, sc: Scope): CNode {
    // `chan'` under INSTANCE ... WITH chan <- in is `in'` (TLC substitutes syntactically), so it can assign
    const subst = ax.k === "ref" && ax.args.length === 0 && ax.sel.length === 0 && findLocal(sc.locals, ax.name) === undefined ? this.resolveEntity(sc.mod, ax.name) : undefined
    if (subst !== undefined && subst.k === "subst") return this.prime(subst.expr, at, { mod: subst.scope, locals: null })
    const inner = this.expr(ax, sc)
    const local = ax.k === "ref" && ax.args.length === 0 && ax.sel.length === 0 ? findLocal(sc.locals, ax.name) : undefined
    if (local !== undefined && local.arity === 0) return this.primeParam(ax, local.depth, inner, at, sc)
    const varIndex = ax.k === "ref" && ax.args.length === 0 && ax.sel.length === 0 ? this.varIndexOf(ax.name, sc) : -1
    if (varIndex >= 0) {
      const name = ax.k === "ref" ? ax.name : ""
      const file = sc.mod.file
      const src = sc.mod.source
      return {
        at,
        ev: (c) => {
          const v = c.p[varIndex]
          if (v === undefined) throw new TlaError("eval", `${name}' is used before it is assigned a value`, file, at, src)
          return v
        },
        act: (c, e, k) => {
          const v = c.p[varIndex]
          if (v === undefined) throw new TlaError("eval", `${name}' is used before it is assigned a value`, file, at, src)
          if (asBool(v)) k()
        },
        target: (c) => (!c.init && c.p[varIndex] === undefined ? varIndex : -1),
      }
    }
    const ev: Ev = (c, e) => inNextState(inner, c, e)
    return this.wrap({ at, ev, act: defaultAct(ev) }, sc)
  }

  /**
   * `p'` for an operator parameter p: when the argument is a state variable (`Next(s)` with
   * `Next(v) == v' = ...`), it is that variable primed, so it can be assigned (TLC substitutes the
   * argument); otherwise the argument evaluated in the next state.
   */
  private primeParam(ax: Expr, depth: number, inner: CNode, at: At, sc: Scope): CNode {
    const file = sc.mod.file
    const src = sc.mod.source
    const name = ax.k === "ref" ? ax.name : ""
    const varOf = (e: Env | null): number => {
      const b = lookupEnv(e, depth)
      return b instanceof Thunk && b.node.varIndex !== undefined ? b.node.varIndex : -1
    }
    const ev: Ev = (c, e) => {
      const i = varOf(e)
      if (i >= 0) {
        const v = c.p[i]
        if (v === undefined) throw new TlaError("eval", `${c.varNames[i]}' (${name}') is used before it is assigned a value`, file, at, src)
        return v
      }
      return inNextState(inner, c, e)
    }
    return {
      at,
      ev,
      act: (c, e, k) => {
        if (asBool(ev(c, e))) k()
      },
      target: (c, e) => {
        const i = varOf(e)
        return i >= 0 && !c.init && c.p[i] === undefined ? i : -1
      },
    }
  }

  private varIndexOf(name: string, sc: Scope): number {
    if (findLocal(sc.locals, name) !== undefined) return -1
    const e = this.resolveEntity(sc.mod, name)
    return e !== undefined && e.k === "var" ? e.index : -1
  }

  /** UNCHANGED e: assigns unbound primed variables, compares the rest. */
  private unchanged(ax: Expr, at: At, sc: Scope): CNode {
    const parts: ({ kind: "var"; index: number } | { kind: "expr"; node: CNode; primed: CNode })[] = []
    const flatten = (x: Expr, s: Scope, depth: number): void => {
      if (x.k === "tuple") {
        for (const y of x.elems) flatten(y, s, depth)
        return
      }
      if (x.k === "ref" && x.args.length === 0 && x.sel.length === 0 && findLocal(s.locals, x.name) === undefined && depth < 20) {
        const ent = this.resolveEntity(s.mod, x.name)
        if (ent !== undefined && ent.k === "var") {
          parts.push({ kind: "var", index: ent.index })
          return
        }
        if (ent !== undefined && ent.k === "def" && ent.params.length === 0 && ent.unit.k === "def") {
          flatten(ent.unit.body, { mod: ent.scope, locals: null }, depth + 1)
          return
        }
        if (ent !== undefined && ent.k === "subst") {
          flatten(ent.expr, { mod: ent.scope, locals: null }, depth + 1)
          return
        }
      }
      parts.push({ kind: "expr", node: this.expr(x, s), primed: this.prime(x, x.at, s) })
    }
    flatten(ax, sc, 0)
    const ev: Ev = (c, e) => {
      for (const p of parts) {
        if (p.kind === "var") {
          const nv = c.p[p.index]
          if (nv === undefined) throw evalError(`UNCHANGED: ${c.varNames[p.index]}' is not assigned`)
          if (!valueEquals(nv, c.s[p.index]!)) return false
        } else if (!valueEquals(p.primed.ev(c, e), p.node.ev(c, e))) return false
      }
      return true
    }
    const act: Act = (c, e, k) => {
      const assigned: number[] = []
      try {
        for (const p of parts) {
          if (p.kind === "var") {
            const nv = c.p[p.index]
            const cur = c.s[p.index]
            if (cur === undefined) throw evalError(`UNCHANGED: ${c.varNames[p.index]} has no value`)
            if (nv === undefined) {
              c.p[p.index] = cur
              assigned.push(p.index)
              c.gen++
            } else if (!valueEquals(nv, cur)) return
          } else {
            const t = p.primed.target === undefined ? -1 : p.primed.target(c, e)
            if (t >= 0) {
              // UNCHANGED v for an operator parameter v bound to a state variable
              c.p[t] = p.node.ev(c, e)
              assigned.push(t)
              c.gen++
            } else if (!valueEquals(p.primed.ev(c, e), p.node.ev(c, e))) return
          }
        }
        k()
      } finally {
        for (const i of assigned) c.p[i] = undefined
        if (assigned.length > 0) c.gen++
      }
    }
    return this.wrap({ at, ev, act }, sc)
  }

  private boxAction(ax: Expr, sub: Expr, at: At, sc: Scope, angle: boolean): CNode {
    const a = this.expr(ax, sc)
    const unch = this.unchanged(sub, at, sc)
    if (!angle) {
      return {
        at,
        ev: (c, e) => asBool(a.ev(c, e)) || asBool(unch.ev(c, e)),
        act: (c, e, k) => {
          a.act(c, e, k)
          unch.act(c, e, k)
        },
      }
    }
    return {
      at,
      ev: (c, e) => asBool(a.ev(c, e)) && !asBool(unch.ev(c, e)),
      act: (c, e, k) =>
        a.act(c, e, () => {
          if (!asBool(unch.ev(c, e))) k()
        }),
    }
  }

  private ifThen(cx: Expr, tx: Expr, fx: Expr, at: At, sc: Scope): CNode {
    const cond = this.expr(cx, sc)
    const t = this.expr(tx, sc)
    const f = this.expr(fx, sc)
    return {
      at,
      pure: t.pure === true && f.pure === true,
      ev: (c, e) => (asBool(cond.ev(c, e), "the IF condition") ? t.ev(c, e) : f.ev(c, e)),
      act: (c, e, k) => (asBool(cond.ev(c, e), "the IF condition") ? t.act(c, e, k) : f.act(c, e, k)),
    }
  }

  private caseOf(x: Extract<Expr, { k: "case" }>, sc: Scope): CNode {
    const arms = x.arms.map(([g, v]) => [this.expr(g, sc), this.expr(v, sc)] as const)
    const other = x.other === null ? null : this.expr(x.other, sc)
    const pick = (c: Ctx, e: Env | null): CNode => {
      for (const [g, v] of arms) if (asBool(g.ev(c, e), "a CASE guard")) return v
      if (other !== null) return other
      throw evalError("no CASE guard is true and there is no OTHER")
    }
    return {
      at: x.at,
      pure: arms.every(([, v]) => v.pure === true) && (other === null || other.pure === true),
      ev: (c, e) => pick(c, e).ev(c, e),
      act: (c, e, k) => pick(c, e).act(c, e, k),
    }
  }

  private letIn(x: Extract<Expr, { k: "let" }>, sc: Scope): CNode {
    let locals = sc.locals
    // LET I == INSTANCE M ...: the LET's scope sees I as a named instance
    let mod = sc.mod
    const makers: ((c: Ctx, e: Env | null) => Binding)[] = []
    for (const d of x.defs) {
      if (d.k === "recursive") continue
      if (d.k === "def" && d.params.length > 0) {
        const op: CompiledOp = {
          name: d.name,
          module: sc.mod.module.name,
          arity: d.params.length,
          paramArities: d.params.map((p) => p.arity),
          body: undefined as unknown as CNode,
          at: d.body.at,
        }
        let pl: Local | null = { name: d.name, arity: d.params.length, up: locals, paramArities: op.paramArities }
        const outer = locals
        for (const p of d.params) pl = { name: p.name, arity: p.arity, up: pl }
        // the operator's own env is the LET env *including* itself (allows recursion)
        op.body = this.expr(d.body, { mod, locals: pl })
        void outer
        makers.push((_c, e) => new OpClosure(op, e))
        locals = { name: d.name, arity: d.params.length, up: locals, paramArities: op.paramArities }
        continue
      }
      if (d.k === "def") {
        const node = this.expr(d.body, { mod, locals })
        makers.push((_c, e) => (node.constant !== undefined ? node.constant : new Thunk(node, e)))
        locals = { name: d.name, arity: 0, up: locals }
        continue
      }
      if (d.k === "fdef") {
        const node = this.fcnDef(d.name, d.binds, d.body, d.at, { mod, locals: { name: d.name, arity: 0, up: locals } })
        makers.push((_c, e) => new RecThunk(node, e) as unknown as Binding)
        locals = { name: d.name, arity: 0, up: locals }
        continue
      }
      if (d.k === "instance" && d.name !== null && d.params.length === 0 && !d.subs.some((u) => mentionsLocal(u.expr, locals))) {
        const names = new Map(mod.names)
        names.set(d.name, { k: "instance", name: d.name, unit: d, scope: mod })
        mod = Object.create(mod, { names: { value: names } }) as ModuleScope
        continue
      }
      return this.fail(sc, x.at, `unsupported definition in LET`)
    }
    const body = this.expr(x.body, { mod, locals })
    const bind = (c: Ctx, e: Env | null): Env | null => {
      let env = e
      for (const m of makers) {
        const b = m(c, env)
        if (b instanceof OpClosure) {
          // closure env must contain the closure itself for recursive LET operators
          const self = new Env(b, env)
          ;(b as { env: Env | null }).env = self
          env = self
        } else env = new Env(b, env)
      }
      return env
    }
    return {
      at: x.at,
      ev: (c, e) => body.ev(c, bind(c, e)),
      act: (c, e, k) => body.act(c, bind(c, e), k),
      target: body.target === undefined ? undefined : (c, e) => body.target!(c, bind(c, e)),
    }
  }

  /** f[x \in S] == body: a function; evaluated lazily when it refers to itself. */
  private fcnDef(name: string, binds: readonly Bind[], bodyX: Expr, at: At, sc: Scope): CNode {
    const recursive = mentions(bodyX, name)
    if (recursive && (binds.length !== 1 || binds[0]!.names.length !== 1) && binds.every((b) => b.names.every((n) => typeof n === "string"))) {
      // f[x \in S, y \in T] == ... f[..] ...: like TLC, evaluated lazily on S \X T (S may be Nat)
      const { sets, inner, binders } = this.binds(binds, sc)
      const body = this.expr(bodyX, inner)
      return this.wrap(
        leaf(at, (c, e) => new LazyFcn(new ProductSet(sets.map((st) => st.ev(c, e))), (key) => {
          const t = asFcn(key).vals
          let env = e
          for (let i = 0; i < binders.length; i++) env = bindValue(binders[i]!, t[i]!, env)
          return body.ev(c, env)
        })),
        sc,
      )
    }
    if (!recursive || binds.length !== 1 || binds[0]!.names.length !== 1 || typeof binds[0]!.names[0] !== "string") {
      const node = this.fcnCons(binds, bodyX, at, sc)
      return this.wrap(node, sc)
    }
    const set = this.expr(binds[0]!.set, sc)
    const x = binds[0]!.names[0]
    const body = this.expr(bodyX, { mod: sc.mod, locals: { name: x, arity: 0, up: sc.locals } })
    return this.wrap(leaf(at, (c, e) => new LazyFcn(set.ev(c, e), (v) => body.ev(c, new Env(v, e)))), sc)
  }

  private fcnCons(bindsX: readonly Bind[], bodyX: Expr, at: At, sc: Scope): CNode {
    const { sets, inner, binders } = this.binds(bindsX, sc)
    const body = this.expr(bodyX, inner)
    if (binders.length === 1 && typeof binders[0] === "string") {
      const s0 = sets[0]!
      return leaf(at, (c, e) => {
        const dv = s0.ev(c, e)
        // TLC keeps [x \in S |-> e] lazy (FcnLambdaValue), so S may be Nat: [n \in Nat |-> 2 * n][3]
        if (dv instanceof LazySet && !dv.enumerable()) return lazyFcn(c, dv, (v) => body.ev(c, new Env(v, e)))
        const dom = enumerate(dv).elems
        const vals = new Array<Value>(dom.length)
        for (let i = 0; i < dom.length; i++) vals[i] = body.ev(c, new Env(dom[i]!, e))
        return mkFcn(dom, vals)
      })
    }
    if (binders.length === 1) {
      // [<<x, y>> \in S |-> e] is a function on S itself (GameOfLife's sc[<<x, y>> \in ...])
      const s0 = sets[0]!
      const b0 = binders[0]!
      return leaf(at, (c, e) => {
        const dom = enumerate(s0.ev(c, e)).elems
        return mkFcn(dom, dom.map((k) => body.ev(c, bindValue(b0, k, e))))
      })
    }
    return leaf(at, (c, e) => {
      const keys: Value[] = []
      const vals: Value[] = []
      const domSets = sets.map((s) => s.ev(c, e))
      if (domSets.some((d) => d instanceof LazySet && !d.enumerable())) {
        // [i \in Nat, j \in STRING |-> e] stays lazy on Nat \X STRING, as in TLC
        return lazyFcn(c, new ProductSet(domSets), (key) => {
          const tuple = asFcn(key).vals
          let env = e
          for (let i = 0; i < binders.length; i++) env = bindValue(binders[i]!, tuple[i]!, env)
          return body.ev(c, env)
        })
      }
      const dom = enumerate(new ProductSet(domSets)).elems
      for (const key of dom) {
        const tuple = (key as FcnValue).vals
        let env = e
        for (let i = 0; i < binders.length; i++) env = bindValue(binders[i]!, tuple[i]!, env)
        keys.push(key)
        vals.push(body.ev(c, env))
      }
      return mkFcn(keys, vals)
    })
  }

  private except(x: Extract<Expr, { k: "except" }>, sc: Scope): CNode {
    const f = this.expr(x.f, sc)
    const withAt: Scope = { mod: sc.mod, locals: { name: "@", arity: 0, up: sc.locals } }
    const updates = x.updates.map((u) => ({
      path: u.path.map((p): { field: string } | { key: CNode } => ("field" in p ? { field: p.field } : { key: this.expr(p.key, sc) })),
      val: this.expr(u.val, withAt),
    }))
    const update = (c: Ctx, e: Env | null, cur: Value, path: (typeof updates)[number]["path"], i: number, val: CNode): Value => {
      const p = path[i]!
      if (cur instanceof LazyFcn && !isEnumerable(cur.domain)) {
        // [[n \in Nat |-> e] EXCEPT ![k] = v] stays lazy, as TLC's FcnLambdaValue with excepts
        const key = "field" in p ? p.field : p.key.ev(c, e)
        if (!isMember(key, cur.domain)) return cur
        const old = cur.apply(key)
        const nv = i === path.length - 1 ? val.ev(c, new Env(old, e)) : update(c, e, old, path, i + 1, val)
        const base = cur
        return new LazyFcn(base.domain, (x) => (valueEquals(x, key) ? nv : base.apply(x)))
      }
      const g = asFcn(cur)
      const key = "field" in p ? p.field : p.key.ev(c, e)
      const idx = g.indexOf(key)
      if (idx < 0) return g
      const old = g.vals[idx]!
      const nv = i === path.length - 1 ? val.ev(c, new Env(old, e)) : update(c, e, old, path, i + 1, val)
      const vals = g.vals.slice()
      vals[idx] = nv
      return new FcnValue(g.keys, vals)
    }
    return leaf(x.at, (c, e) => {
      let cur = f.ev(c, e)
      for (const u of updates) cur = update(c, e, cur, u.path, 0, u.val) as Value
      return cur
    })
  }

  private choose(x: Extract<Expr, { k: "choose" }>, sc: Scope): CNode {
    if (x.set === null) {
      return this.fail(sc, x.at, "unbounded CHOOSE cannot be evaluated; bound it with \\in or override the definition in the .cfg")
    }
    const set = this.expr(x.set, sc)
    const body = this.expr(x.body, this.bindLocals([x.binder], sc))
    const binder = x.binder
    return leaf(x.at, (c, e) => {
      for (const v of enumerate(set.ev(c, e)).elems) if (asBool(body.ev(c, bindValue(binder, v, e)), "the CHOOSE predicate")) return v
      throw evalError("attempted to compute CHOOSE x \\in S : P, but no element of S satisfies P")
    })
  }

  private quant(q: "A" | "E", bindsX: readonly Bind[], bodyX: Expr, at: At, sc: Scope): CNode {
    const { sets, inner, binders } = this.binds(bindsX, sc)
    const body = this.expr(bodyX, inner)
    // single plain binder: direct loops for the value form (no callback per evaluation)
    const single = binders.length === 1 && typeof binders[0] === "string" ? sets[0]! : null
    const domain = (c: Ctx, e: Env | null, s: CNode): readonly Value[] => {
      const v = s.ev(c, e)
      if (!isSetValue(v)) throw evalError(`expected a set to quantify over but found ${printValue(v)}`)
      return enumerate(v).elems
    }
    if (q === "A") {
      return {
        at,
        ev: single !== null ? (c, e) => {
          const elems = domain(c, e, single)
          for (let i = 0; i < elems.length; i++) if (!asBool(body.ev(c, new Env(elems[i]!, e)), "the body of \\A")) return false
          return true
        } : (c, e) => {
          let ok = true
          forEachBinding(c, e, binders, sets, (env) => {
            if (!asBool(body.ev(c, env), "the body of \\A")) {
              ok = false
              return true
            }
            return false
          })
          return ok
        },
        pure: body.pure === true,
        // TLC: \A x \in S : A is the conjunction of A over S, each enumerated as an action.
        act: (c, e, k) => {
          const envs: (Env | null)[] = []
          forEachBinding(c, e, binders, sets, (env) => {
            envs.push(env)
            return false
          })
          const sp = c.splitting
          c.splitting = false
          try {
            actEach(body, envs, 0, c, k)
          } finally {
            c.splitting = sp
          }
        },
      }
    }
    return {
      at,
      ev: single !== null ? (c, e) => {
        const elems = domain(c, e, single)
        for (let i = 0; i < elems.length; i++) if (asBool(body.ev(c, new Env(elems[i]!, e)), "the body of \\E")) return true
        return false
      } : (c, e) => {
        let found = false
        forEachBinding(c, e, binders, sets, (env) => {
          if (asBool(body.ev(c, env), "the body of \\E")) {
            found = true
            return true
          }
          return false
        })
        return found
      },
      act: (c, e, k) => {
        forEachBinding(c, e, binders, sets, (env) => {
          body.act(c, env, k)
          return false
        })
      },
    }
  }

  private binds(bindsX: readonly Bind[], sc: Scope): { sets: CNode[]; inner: Scope; binders: Bound[] } {
    const sets: CNode[] = []
    const binders: Bound[] = []
    for (const b of bindsX) {
      const s = this.expr(b.set, sc)
      for (const n of b.names) {
        sets.push(s)
        binders.push(n)
      }
    }
    return { sets, inner: this.bindLocals(binders, sc), binders }
  }

  private bindLocals(binders: readonly Bound[], sc: Scope): Scope {
    let locals = sc.locals
    for (const b of binders) for (const n of typeof b === "string" ? [b] : b) locals = { name: n, arity: 0, up: locals }
    return { mod: sc.mod, locals }
  }

  // ------------------------------------------------------------------ names and calls

  private ref(x: Extract<Expr, { k: "ref" }>, sc: Scope): CNode {
    if (x.sel.length > 0) return this.selected(x, sc)
    const local = findLocal(sc.locals, x.name)
    if (local !== undefined) return this.localRef(x, local.depth, local.arity, sc, local.paramArities)
    const ent = this.resolveEntity(sc.mod, x.name)
    if (ent === undefined) return this.fail(sc, x.at, `unknown identifier ${x.name}`)
    return this.entityRef(ent, x.name, x.args, x.at, sc)
  }

  private localRef(x: Extract<Expr, { k: "ref" }>, depth: number, arity: number, sc: Scope, paramArities?: readonly number[]): CNode {
    if (arity === 0) {
      if (x.args.length > 0) return this.fail(sc, x.at, `${x.name} takes no arguments but is applied to ${x.args.length}`)
      return {
        at: x.at,
        localDepth: depth,
        ev:
          depth === 0
            ? (c, e) => {
                const b = e!.v
                if (typeof b !== "object" || b instanceof FcnValue || b instanceof SetValue) return b
                if (b instanceof Thunk) return b.force(c)
                if (b instanceof RecThunk) return b.force(c)
                return b as Value
              }
            : depth === 1
              ? (c, e) => {
                  const b = e!.up!.v
                  if (typeof b !== "object" || b instanceof FcnValue || b instanceof SetValue) return b
                  if (b instanceof Thunk) return b.force(c)
                  if (b instanceof RecThunk) return b.force(c)
                  return b as Value
                }
              : (c, e) => {
                  const b = lookupEnv(e, depth)
                  if (typeof b !== "object" || b instanceof FcnValue || b instanceof SetValue) return b
                  if (b instanceof Thunk) return b.force(c)
                  if (b instanceof RecThunk) return b.force(c)
                  return b as Value
                },
        act: (c, e, k) => {
          const b = lookupEnv(e, depth)
          if (b instanceof Thunk) return b.node.act(c, b.env, k)
          const v = b instanceof RecThunk ? b.force(c) : (b as Value)
          if (asBool(v)) k()
        },
        target: (c, e) => {
          const b = lookupEnv(e, depth)
          return b instanceof Thunk && b.node.target !== undefined ? b.node.target(c, b.env) : -1
        },
      }
    }
    if (x.args.length !== arity) return this.fail(sc, x.at, `operator ${x.name} expects ${arity} arguments but got ${x.args.length}`)
    if (paramArities !== undefined && paramArities.some((n) => n > 0)) {
      // a LET operator with operator parameters: those arguments are operators (LAMBDA, names, built-ins)
      const makers = x.args.map((a, i) => (paramArities[i]! > 0 ? this.operatorArg(a, sc) : bindingMaker(this.expr(a, sc))))
      const bindings = (c: Ctx, e: Env | null): Binding[] => makers.map((m) => m(c, e))
      return this.wrap(letCall(x.at, depth, bindings, bindings), sc)
    }
    const args = x.args.map((a) => this.expr(a, sc))
    return this.wrap(
      letCall(
        x.at,
        depth,
        (c, e) => args.map((a) => a.ev(c, e)),
        (c, e) => args.map((a) => argBinding(a, c, e)),
      ),
      sc,
    )
  }

  private entityRef(ent: Entity, name: string, argsX: readonly Expr[], at: At, sc: Scope): CNode {
    switch (ent.k) {
      case "var": {
        if (argsX.length > 0) return this.fail(sc, at, `variable ${name} is applied to arguments`)
        const i = ent.index
        const file = sc.mod.file
        const src = sc.mod.source
        return {
          at,
          varIndex: i,
          ev: (c) => {
            const v = c.s[i]
            if (v === undefined) throw new TlaError("eval", `variable ${name} has no value here`, file, at, src)
            return v
          },
          act: (c, _e, k) => {
            const v = c.s[i]
            if (v === undefined) throw new TlaError("eval", `variable ${name} has no value here`, file, at, src)
            if (asBool(v)) k()
          },
          target: (c) => (c.init && c.s[i] === undefined ? i : -1),
        }
      }
      case "const": {
        if (ent.table !== undefined) {
          // CONSTANT F(_) given in the .cfg as F(0) = 1, F(1) = 2, ...
          const table = ent.table
          if (argsX.length !== ent.arity) return this.fail(sc, at, `constant ${name} expects ${ent.arity} arguments but got ${argsX.length}`)
          const args = argsX.map((a) => this.expr(a, sc))
          const L = this.locator(sc, at)
          return locatedLeaf(at, (c, e) => {
            const vals = args.map((a) => a.ev(c, e))
            for (const row of table) if (row.args.every((v, i) => valueEquals(v, vals[i]!))) return row.value
            throw L(evalError(`the .cfg does not define ${name}(${vals.map(printValue).join(", ")})`))
          })
        }
        if (ent.value === undefined) return this.fail(sc, at, `constant ${name} has no value (assign it in the .cfg CONSTANTS section)`)
        if (argsX.length > 0) return this.fail(sc, at, `constant ${name} is applied to arguments`)
        const v = ent.value
        return leaf(at, () => v, { constant: v })
      }
      case "def":
        return this.callDef(ent, argsX, at, sc)
      case "builtin":
        return this.callBuiltin(ent.b, argsX, at, sc)
      case "subst": {
        if (argsX.length > 0) {
          // INSTANCE M WITH A <- LAMBDA y : ... (or A <- Op) for a CONSTANT A(_): the operator applied
          const mk = this.operatorArg(ent.expr, { mod: ent.scope, locals: null })
          const args = argsX.map((a) => this.expr(a, sc))
          return leaf(at, (c, e) => callWithValues(c, mk(c, null), args.map((a) => a.ev(c, e))))
        }
        ent.compiled ??= this.expr(ent.expr, { mod: ent.scope, locals: null })
        return ent.compiled
      }
      case "instance":
        return this.fail(sc, at, `${name} is an instance; refer to its definitions as ${name}!Op`)
      case "theorem":
        // SANY lets a named THEOREM/ASSUME stand for its statement (MC_sums_even: ASSUME T1)
        if (ent.expr !== null && argsX.length === 0) return this.expr(ent.expr, { mod: ent.scope, locals: null })
        return this.fail(sc, at, `${name} is a theorem/assumption; use ${name}!: for its statement`)
      case "alias":
        return this.fail(sc, at, `unresolved alias ${name}`)
    }
  }

  private callBuiltin(b: Builtin, argsX: readonly Expr[], at: At, sc: Scope): CNode {
    if (argsX.length !== b.arity) return this.fail(sc, at, `operator ${b.name} expects ${b.arity} arguments but got ${argsX.length}`)
    const opArgs = new Set(b.opArgs ?? [])
    const lazyArgs = new Set(b.lazyArgs ?? [])
    const nodes = argsX.map((a, i) => (opArgs.has(i) ? null : this.expr(a, sc)))
    const makers = argsX.map((a, i) => (opArgs.has(i) ? this.operatorArg(a, sc) : lazyArgs.has(i) ? thunkMaker(nodes[i]!) : valueMaker(nodes[i]!)))
    const fn = b.fn
    if (b.arity === 0 && b.volatile !== true) {
      let cached: Value | undefined
      return leaf(at, (c) => (cached ??= fn(c, [])))
    }
    const L = this.locator(sc, at)
    const plain = opArgs.size === 0 && lazyArgs.size === 0 ? (nodes as CNode[]) : null
    if (plain !== null && plain.length === 1) {
      const n0 = plain[0]!
      return locatedLeaf(at, (c, e) => {
        try {
          return fn(c, [n0.ev(c, e)])
        } catch (err) {
          throw L(err)
        }
      })
    }
    if (plain !== null && plain.length === 2) {
      const n0 = plain[0]!
      const n1 = plain[1]!
      return locatedLeaf(at, (c, e) => {
        try {
          return fn(c, [n0.ev(c, e), n1.ev(c, e)])
        } catch (err) {
          throw L(err)
        }
      })
    }
    if (makers.length === 1) {
      const m0 = makers[0]!
      return locatedLeaf(at, (c, e) => {
        try {
          return fn(c, [m0(c, e)])
        } catch (err) {
          throw L(err)
        }
      })
    }
    if (makers.length === 2) {
      const m0 = makers[0]!
      const m1 = makers[1]!
      return locatedLeaf(at, (c, e) => {
        try {
          return fn(c, [m0(c, e), m1(c, e)])
        } catch (err) {
          throw L(err)
        }
      })
    }
    return locatedLeaf(at, (c, e) => {
      try {
        return fn(c, makers.map((m) => m(c, e)))
      } catch (err) {
        throw L(err)
      }
    })
  }

  /** Compiles an argument passed to an operator parameter of arity > 0. */
  private operatorArg(x: Expr, sc: Scope): (c: Ctx, e: Env | null) => Binding {
    if (x.k === "lambda") {
      let locals = sc.locals
      for (const p of x.params) locals = { name: p, arity: 0, up: locals }
      const op: CompiledOp = { name: "LAMBDA", module: sc.mod.module.name, arity: x.params.length, paramArities: x.params.map(() => 0), body: this.expr(x.body, { mod: sc.mod, locals }), at: x.at }
      return (_c, e) => new OpClosure(op, e)
    }
    const name = x.k === "ref" && x.args.length === 0 && x.sel.length === 0 ? x.name : x.k === "opname" ? x.name : undefined
    if (name === undefined) return this.fail(sc, x.at, "expected an operator name or LAMBDA as an operator argument")
    const local = findLocal(sc.locals, name)
    if (local !== undefined) return (_c, e) => lookupEnv(e, local.depth)
    const ent = this.resolveEntity(sc.mod, name)
    if (ent !== undefined && ent.k === "def") {
      const op = this.defOp(ent)
      return () => new OpClosure(op, null)
    }
    const b = ent !== undefined && ent.k === "builtin" ? ent.b : (infixOps[name] ?? prefixOps[name] ?? builtinOperatorArgs[name])
    if (b !== undefined) {
      const callable = new Callable(b.name, b.arity, b.fn)
      return () => callable
    }
    return this.fail(sc, x.at, `unknown operator ${name}`)
  }

  private callDef(d: DefEntity, argsX: readonly Expr[], at: At, sc: Scope): CNode {
    if (argsX.length !== d.params.length) return this.fail(sc, at, `operator ${d.name} expects ${d.params.length} arguments but got ${argsX.length}`)
    // ENABLED, UNCHANGED, ', [] or <> passed to an operator parameter (test52's EnabledTest(ENABLED),
    // PrimeTest(')): the body with the parameter's applications replaced by the operator itself
    const keywordArgs = new Map<string, string>()
    argsX.forEach((a, i) => {
      if (d.params[i]!.arity === 1 && a.k === "opname" && keywordOps.has(a.name)) keywordArgs.set(d.params[i]!.name, a.name)
    })
    if (keywordArgs.size > 0 && d.unit.k === "def") {
      if (keywordArgs.size !== d.params.length) return this.fail(sc, at, `${d.name}: ENABLED, UNCHANGED, ', [] or <> as an argument together with other arguments is not supported`)
      return this.expr(applyKeywordOps(d.unit.body, keywordArgs) as Expr, { mod: d.scope, locals: null })
    }
    const op = this.defOp(d)
    const label = { name: d.name, module: d.scope.module.name, at: op.at }
    const pure = op.body !== undefined && op.body.pure === true && this.defLevel(d) <= 1
    if (argsX.length === 0) {
      const cacheable = this.defLevel(d) === 0
      const ev: Ev = cacheable
        ? (c) => {
            if (d.constValue === undefined) {
              const saved = c.init
              d.constValue = op.body.ev(c, null)
              c.init = saved
            }
            return d.constValue
          }
        : this.defLevel(d) === 1
          ? (c) => {
              // state-level: remember the value for the current (immutable) state array
              if (c.init || c.s === c.p) return op.body.ev(c, null)
              if (d.stateFor === c.s) return d.stateValue!
              const v = op.body.ev(c, null)
              d.stateFor = c.s
              d.stateValue = v
              return v
            }
          : (c) => op.body.ev(c, null)
      return (
        {
          at,
          ev,
          pure,
          act: (c, _e, k) => {
            if (!c.splitting) return op.body.act(c, null, k)
            const prev = c.label
            c.label = label
            try {
              op.body.act(c, null, k)
            } finally {
              c.label = prev
            }
          },
          target: (c) => (op.body.target === undefined ? -1 : op.body.target(c, null)),
        }
      )
    }
    // an action-level operator may prime its parameter: a state variable argument stays a variable
    const keepVars = this.defLevel(d) >= 2
    const makers = argsX.map((a, i) => (d.params[i]!.arity > 0 ? this.operatorArg(a, sc) : bindingMaker(this.expr(a, sc), keepVars)))
    const bindArgs = (c: Ctx, e: Env | null): Env | null => {
      let env: Env | null = null
      for (const m of makers) env = new Env(m(c, e), env)
      return env
    }
    return (
      {
        at,
        pure,
        ev: (c, e) => op.body.ev(c, bindArgs(c, e)),
        act: (c, e, k) => {
          const env = bindArgs(c, e)
          if (!c.splitting) return op.body.act(c, env, k)
          const prev = c.label
          c.label = label
          try {
            op.body.act(c, env, k)
          } finally {
            c.label = prev
          }
        },
      }
    )
  }

  /** References with selectors: M!Op(args), Def!2 (n-th conjunct/disjunct), Thm!: (statement). */
  private selected(x: Extract<Expr, { k: "ref" }>, sc: Scope): CNode {
    const ent = this.resolveEntity(sc.mod, x.name)
    if (ent === undefined) return this.fail(sc, x.at, `unknown identifier ${x.name}`)
    if (ent.k === "instance" && ent.unit.params.length > 0) return this.paramInstanceRef(ent, x, sc)
    return this.walkSelectors(ent, x.name, x.args, x.sel, x, sc)
  }

  /**
   * `I(a)!Op` for `I(p) == INSTANCE M WITH c <- p`: the instance is made (and its definitions
   * compiled) once per distinct value of the arguments, with the parameters bound to them.
   */
  private paramInstanceRef(ent: InstanceEntity, x: Extract<Expr, { k: "ref" }>, sc: Scope): CNode {
    const params = ent.unit.params
    const first = x.sel[0]
    if (params.some((p) => p.arity > 0)) return this.fail(sc, x.at, `instance ${x.name} has operator parameters, which are not supported`)
    if (x.args.length !== params.length) return this.fail(sc, x.at, `instance ${x.name} expects ${params.length} arguments but got ${x.args.length}`)
    if (first === undefined || !("name" in first)) return this.fail(sc, x.at, `use ${x.name}(...)!Op to refer to a definition of the instance`)
    if (!x.args.some((a) => mentionsLocal(a, sc.locals))) {
      const inst = this.paramInstanceScope(ent, x.args, sc.mod)
      const next = this.resolveEntity(inst, first.name)
      if (next === undefined) return this.fail(sc, x.at, `${x.name}!${first.name} is not defined in module ${ent.unit.module}`)
      return this.walkSelectors(next, `${x.name}!${first.name}`, first.args, x.sel.slice(1), x, sc)
    }
    // arguments naming bound variables (\E p \in P : I(p)!Op): one instance per argument value
    const argNodes = x.args.map((a) => this.expr(a, sc))
    const made: { vals: Value[]; node: CNode }[] = []
    const nodeFor = (c: Ctx, e: Env | null): CNode => {
      const vals = argNodes.map((n) => n.ev(c, e))
      for (const m of made) if (m.vals.every((v, i) => compare(v, vals[i]!) === 0)) return m.node
      const inst = this.world.instantiateWith(ent.unit, ent.scope, params.map((p) => p.name), vals)
      const next = this.resolveEntity(inst, first.name)
      if (next === undefined) return this.fail(sc, x.at, `${x.name}!${first.name} is not defined in module ${ent.unit.module}`)
      const node = this.walkSelectors(next, `${x.name}!${first.name}`, first.args, x.sel.slice(1), x, sc)
      made.push({ vals, node })
      return node
    }
    return this.wrap({ at: x.at, ev: (c, e) => nodeFor(c, e).ev(c, e), act: (c, e, k) => nodeFor(c, e).act(c, e, k) }, sc)
  }

  private walkSelectors(start: Entity, startName: string, startArgs: readonly Expr[], sels: readonly Selector[], x: Extract<Expr, { k: "ref" }>, sc: Scope): CNode {
    let ent = start
    let args = startArgs
    let name = startName
    for (const s of sels) {
      if ("name" in s) {
        if (ent.k !== "instance") return this.fail(sc, x.at, `${name} is not an instance, so ${name}!${s.name} is undefined`)
        const inst = this.instanceScope(ent)
        const next = this.resolveEntity(inst, s.name)
        if (next === undefined) return this.fail(sc, x.at, `${name}!${s.name} is not defined in module ${ent.unit.module}`)
        ent = next
        args = s.args
        name = `${name}!${s.name}`
        continue
      }
      if ("colon" in s) {
        if (ent.k === "theorem" && ent.expr !== null) return this.expr(ent.expr, { mod: ent.scope, locals: null })
        if (ent.k === "def" && ent.unit.k === "def") return this.expr(ent.unit.body, { mod: ent.scope, locals: null })
        return this.fail(sc, x.at, `${name}!: does not name a statement`)
      }
      if (ent.k !== "def" || ent.unit.k !== "def" || ent.params.length > 0) return this.fail(sc, x.at, `${name}!${s.index} needs a definition without parameters`)
      const body = ent.unit.body
      const items = body.k === "junc" ? body.items : body.k === "bin" && (body.op === "/\\" || body.op === "\\/") ? flattenBin(body) : null
      const item = items?.[s.index - 1]
      if (item === undefined) return this.fail(sc, x.at, `${name} has no subexpression number ${s.index}`)
      return this.expr(item, { mod: ent.scope, locals: null })
    }
    return this.entityRef(ent, name, args, x.at, sc)
  }

  /** The scope of `I(args)` for a parameterized instance, its parameters substituted by `args` (module-level expressions of `caller`). */
  paramInstanceScope(ent: InstanceEntity, args: readonly Expr[], caller: ModuleScope): ModuleScope {
    return this.world.instantiateWithExprs(ent.unit, ent.scope, ent.unit.params.map((p) => p.name), args, caller)
  }

  instanceScope(ent: InstanceEntity): ModuleScope {
    ent.inst ??= this.world.instantiate(ent.unit, ent.scope)
    return ent.inst
  }
}

/** A function on a set TLC cannot enumerate, computed where applied in the state it was built in. */
const lazyFcn = (c: Ctx, dom: Value, f: (v: Value) => Value): LazyFcn => {
  const later = inStateOfNow(c)
  return new LazyFcn(dom, (v) => later(() => f(v)))
}

/**
 * Runs a computation later in the state (and primed state) of now: lazy sets and functions
 * are evaluated where they are used, which may be another state. `gen` moves on both ways,
 * so nothing cached for one state is reused in the other.
 */
const inStateOfNow = (c: Ctx): (<T>(f: () => T) => T) => {
  const s = c.s.slice()
  const p = c.p.slice()
  return (f) => {
    const [ss, sp] = [c.s, c.p]
    c.s = s
    c.p = p
    c.gen++
    try {
      return f()
    } finally {
      c.s = ss
      c.p = sp
      c.gen++
    }
  }
}

/** Bindings for a recursive LET function definition (a thunk whose value may refer to itself). */
class RecThunk {
  private value: Value | undefined
  constructor(
    readonly node: CNode,
    readonly env: Env | null,
  ) {}
  force(c: Ctx): Value {
    if (this.value === undefined) this.value = this.node.ev(c, new Env(this as unknown as Value, this.env))
    return this.value
  }
}

/** An argument evaluated by the operator itself (inside its own try, as AssertError's). */
const thunkMaker =
  (n: CNode) =>
  (_c: Ctx, e: Env | null): Binding =>
    new Thunk(n, e)

const valueMaker =
  (n: CNode) =>
  (c: Ctx, e: Env | null): Binding =>
    n.ev(c, e)

const bindingMaker = (n: CNode, keepVars = false): ((c: Ctx, e: Env | null) => Binding) => {
  if (n.constant !== undefined) {
    const v = n.constant
    return () => v
  }
  if (n.localDepth !== undefined) {
    const d = n.localDepth
    return (_c, e) => lookupEnv(e, d)
  }
  if (n.varIndex !== undefined) {
    // a plain state variable: its value, unless it may still be assigned (Init)
    const i = n.varIndex
    if (keepVars) return (_c, e) => new Thunk(n, e)
    return (c, e) => (c.init ? new Thunk(n, e) : (c.s[i] ?? new Thunk(n, e)))
  }
  return (_c, e) => new Thunk(n, e)
}

const argBinding = (n: CNode, c: Ctx, e: Env | null): Binding => bindingMaker(n)(c, e)

/**
 * A call of the LET operator bound at `depth`: evaluated with `values`; enumerated as an
 * action through its body when it is a closure (arguments bound by `actBindings`), else tested.
 */
const letCall = (
  at: At,
  depth: number,
  values: (c: Ctx, e: Env | null) => readonly Binding[],
  actBindings: (c: Ctx, e: Env | null) => readonly Binding[],
): CNode => ({
  at,
  ev: (c, e) => callWithValues(c, lookupEnv(e, depth), values(c, e)),
  act: (c, e, k) => {
    const op = lookupEnv(e, depth)
    if (op instanceof OpClosure) {
      let env = op.env
      for (const b of actBindings(c, e)) env = new Env(b, env)
      op.op.body.act(c, env, k)
      return
    }
    if (asBool(callWithValues(c, op, values(c, e)))) k()
  },
})

/** Whether `x` refers to a name bound in `locals` (a quantifier variable, an operator parameter...). */
const mentionsLocal = (x: Expr, locals: Local | null): boolean => {
  for (let l = locals; l !== null; l = l.up) if (mentions(x, l.name)) return true
  return false
}

const findLocal = (l: Local | null, name: string): { depth: number; arity: number; paramArities?: readonly number[] } | undefined => {
  let d = 0
  for (let x = l; x !== null; x = x.up, d++) if (x.name === name) return { depth: d, arity: x.arity, paramArities: x.paramArities }
  return undefined
}

const INT_MAX = 2147483647
const INT_MIN = -2147483648
/** Integer operators evaluated without going through the generic builtin path. */
const fastInt: Record<string, ((x: number, y: number) => Value) | undefined> = {
  "+": (x, y) => {
    const r = x + y
    return r > INT_MAX || r < INT_MIN ? checkInt(r) : r
  },
  "-": (x, y) => {
    const r = x - y
    return r > INT_MAX || r < INT_MIN ? checkInt(r) : r
  },
  "<": (x, y) => x < y,
  ">": (x, y) => x > y,
  "=<": (x, y) => x <= y,
  ">=": (x, y) => x >= y,
}

export { Ctx, STOP }
export type { Cont }

/** Operators that take an expression rather than a value, passed as operator arguments. */
const keywordOps = new Set(["ENABLED", "UNCHANGED", "'", "[]", "<>"])

/** `x` with each application `P(e)` of a parameter P in `ops` replaced by the operator `ops[P]` applied to e. */
const applyKeywordOps = (x: unknown, ops: ReadonlyMap<string, string>): unknown => {
  if (Array.isArray(x)) return x.map((y) => applyKeywordOps(y, ops))
  if (x === null || typeof x !== "object") return x
  const o = x as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) out[k] = k === "at" ? v : applyKeywordOps(v, ops)
  if (out["k"] === "ref") {
    const r = out as unknown as Extract<Expr, { k: "ref" }>
    const op = ops.get(r.name)
    if (op !== undefined && r.args.length === 1 && r.sel.length === 0) {
      const a = r.args[0]!
      return op === "'" ? { k: "prime", a, at: r.at } : { k: "un", op, a, at: r.at }
    }
  }
  return out
}
