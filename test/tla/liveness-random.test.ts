// Liveness checking against an independent oracle. fast-check draws small specs (a variable
// x over 0..n-1, actions as sets of steps, WF/SF on some of them) and temporal properties;
// the oracle evaluates the property on lassos straight from the semantics of LTL on
// ultimately periodic behaviours, knowing nothing of the checker's patterns or components:
// - every counterexample the checker reports must be a behaviour of the spec (initial
//   state, Next or stuttering steps), satisfy its fairness and violate the property;
// - whenever the oracle's exhaustive enumeration of short lassos finds a fair violating
//   behaviour, the checker must report a violation.
// The first property draws the forms the lasso patterns cover (temporal.ts), the second
// arbitrary nestings of [], <>, ~>, ~, /\, \/, => and WF/SF, most of which only the tableau
// (tableau.ts) checks.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { loadModel } from "../../src/tla/api.ts"
import { Checker } from "../../src/tla/checker.ts"
import { livenessTesting } from "../../src/tla/liveness-plan.ts"

type Step = readonly [number, number]
interface SpecCase {
  readonly n: number
  readonly init: readonly number[]
  readonly actions: readonly (readonly Step[])[]
  readonly fair: readonly { readonly strong: boolean; readonly action: number }[]
  /** Fairness written as TRUE => (F1 /\ ...): not WF/SF conjuncts, so the tableau assumes it. */
  readonly folded?: boolean
}

type F =
  | { k: "in"; set: readonly number[] } // x \in set
  | { k: "act"; action: number } // <<A_i>>_x
  | { k: "not"; a: F }
  | { k: "and" | "or" | "leadsTo"; a: F; b: F }
  | { k: "always" | "eventually"; a: F }
  | { k: "wf" | "sf"; action: number }
  | { k: "ite"; c: F; t: F; f: F } // c a state predicate

const tla = (f: F): string => {
  switch (f.k) {
    case "in":
      return `(x \\in {${f.set.join(", ")}})`
    case "act":
      return `<<A${f.action}>>_x`
    case "not":
      return `~(${tla(f.a)})`
    case "and":
      return `(${tla(f.a)} /\\ ${tla(f.b)})`
    case "or":
      return `(${tla(f.a)} \\/ ${tla(f.b)})`
    case "leadsTo":
      return `(${tla(f.a)} ~> ${tla(f.b)})`
    case "always":
      return `[](${tla(f.a)})`
    case "eventually":
      return `<>(${tla(f.a)})`
    case "wf":
      return `WF_x(A${f.action})`
    case "sf":
      return `SF_x(A${f.action})`
    case "ite":
      return `(IF ${tla(f.c)} THEN ${tla(f.t)} ELSE ${tla(f.f)})`
  }
}

// ---------------------------------------------------------------- the oracle

/** A lasso: states w[0..m-1]; after w[m-1] comes w[loop]. */
interface LassoW {
  readonly w: readonly number[]
  readonly loop: number
}

// action -1 is Next itself (WF_x(Next), which the checker reads off the successors)
const stepsOf = (spec: SpecCase, a: number): readonly Step[] => (a < 0 ? spec.actions.flat() : spec.actions[a]!)
const step = (spec: SpecCase, a: number, from: number, to: number): boolean => from !== to && stepsOf(spec, a).some(([p, q]) => p === from && q === to)
const enabled = (spec: SpecCase, a: number, v: number): boolean => stepsOf(spec, a).some(([p, q]) => p === v && q !== v)

/** The truth of `f` at every position of the lasso. */
const evalAt = (spec: SpecCase, l: LassoW, f: F): boolean[] => {
  const m = l.w.length
  const next = (i: number): number => (i + 1 < m ? i + 1 : l.loop)
  const here = (g: (i: number) => boolean): boolean[] => l.w.map((_, i) => g(i))
  // <>: true at i when some position reachable from i (i included) holds
  const eventually = (xs: boolean[]): boolean[] => {
    const out = new Array<boolean>(m).fill(false)
    const inCycle = xs.slice(l.loop).some((b) => b)
    for (let i = m - 1; i >= 0; i--) out[i] = i >= l.loop ? inCycle : xs[i]! || out[i + 1]!
    return out
  }
  switch (f.k) {
    case "in":
      return here((i) => f.set.includes(l.w[i]!))
    case "act":
      return here((i) => step(spec, f.action, l.w[i]!, l.w[next(i)]!))
    case "not":
      return evalAt(spec, l, f.a).map((b) => !b)
    case "and": {
      const a = evalAt(spec, l, f.a)
      const b = evalAt(spec, l, f.b)
      return a.map((x, i) => x && b[i]!)
    }
    case "or": {
      const a = evalAt(spec, l, f.a)
      const b = evalAt(spec, l, f.b)
      return a.map((x, i) => x || b[i]!)
    }
    case "eventually":
      return eventually(evalAt(spec, l, f.a))
    case "always":
      return eventually(evalAt(spec, l, f.a).map((b) => !b)).map((b) => !b)
    case "leadsTo":
      return evalAt(spec, l, { k: "always", a: { k: "or", a: { k: "not", a: f.a }, b: { k: "eventually", a: f.b } } })
    case "ite": {
      const c = evalAt(spec, l, f.c)
      const t = evalAt(spec, l, f.t)
      const e = evalAt(spec, l, f.f)
      return c.map((b, i) => (b ? t[i]! : e[i]!))
    }
    case "wf":
    case "sf": {
      // WF: []<>~ENABLED \/ []<>step;  SF: <>[]~ENABLED \/ []<>step
      const en = here((i) => enabled(spec, f.action, l.w[i]!))
      const taken = evalAt(spec, l, { k: "always", a: { k: "eventually", a: { k: "act", action: f.action } } })
      const notEn = en.map((b) => !b)
      const idle =
        f.k === "wf"
          ? eventually(eventually(notEn).map((b) => !b)).map((b) => !b) // []<>~EN
          : eventually(eventually(en).map((b) => !b)) // <>[]~EN
      return idle.map((b, i) => b || taken[i]!)
    }
  }
}

const holds = (spec: SpecCase, l: LassoW, f: F): boolean => evalAt(spec, l, f)[0]!

/** P for each top-level conjunct []P of f with P a state predicate. */
const alwaysConjuncts = (f: F): F[] => {
  if (f.k === "and") return [...alwaysConjuncts(f.a), ...alwaysConjuncts(f.b)]
  return f.k === "always" && isState(f.a) ? [f.a] : []
}

/** No temporal operator (and no action): a state predicate. */
const isState = (f: F): boolean =>
  f.k === "in" || (f.k === "not" && isState(f.a)) || ((f.k === "and" || f.k === "or") && isState(f.a) && isState(f.b)) || (f.k === "ite" && isState(f.c) && isState(f.t) && isState(f.f))

/** The top-level conjuncts of f that are state predicates: checked on the initial states, as TLC does. */
const initConjuncts = (f: F): F[] => (f.k === "and" ? [...initConjuncts(f.a), ...initConjuncts(f.b)] : isState(f) ? [f] : [])

const isNextStep = (spec: SpecCase, from: number, to: number): boolean =>
  from === to || spec.actions.some((a) => a.some(([p, q]) => p === from && q === to))

const fairOn = (spec: SpecCase, l: LassoW): boolean => spec.fair.every((fa) => holds(spec, l, { k: fa.strong ? "sf" : "wf", action: fa.action }))

/** A behaviour of the spec: an initial state, then Next or stuttering steps, around the loop too. */
const isBehaviour = (spec: SpecCase, l: LassoW): boolean =>
  spec.init.includes(l.w[0]!) && l.w.every((v, i) => isNextStep(spec, v, i + 1 < l.w.length ? l.w[i + 1]! : l.w[l.loop]!))

/** Every lasso of at most `len` states: exhaustive, so any short fair violation is found. */
const findViolation = (spec: SpecCase, f: F, len: number): LassoW | null => {
  const w: number[] = []
  const go = (): LassoW | null => {
    const last = w[w.length - 1]!
    for (let loop = 0; loop < w.length; loop++) {
      if (!isNextStep(spec, last, w[loop]!)) continue
      const l = { w: [...w], loop }
      if (fairOn(spec, l) && !holds(spec, l, f)) return l
    }
    if (w.length === len) return null
    for (let v = 0; v < spec.n; v++) {
      if (!isNextStep(spec, last, v)) continue
      w.push(v)
      const r = go()
      w.pop()
      if (r !== null) return r
    }
    return null
  }
  for (const s of spec.init) {
    w.push(s)
    const r = go()
    w.pop()
    if (r !== null) return r
  }
  return null
}

// ---------------------------------------------------------------- generators

const specCaseOf = (minN: number, maxN: number, maxSteps: number): fc.Arbitrary<SpecCase> => fc.integer({ min: minN, max: maxN }).chain((n) => {
  const st = fc.integer({ min: 0, max: n - 1 })
  const stepArb = fc.tuple(st, st) as fc.Arbitrary<Step>
  return fc.record({
    n: fc.constant(n),
    init: fc.uniqueArray(st, { minLength: 1, maxLength: n }),
    actions: fc.array(fc.uniqueArray(stepArb, { maxLength: maxSteps, selector: ([a, b]) => a * 10 + b }), { minLength: 1, maxLength: 3 }),
  }).chain((s) =>
    fc.record({
      n: fc.constant(s.n),
      init: fc.constant(s.init),
      actions: fc.constant(s.actions),
      fair: fc.array(fc.record({ strong: fc.boolean(), action: fc.integer({ min: -1, max: s.actions.length - 1 }) }), { maxLength: 2 }),
    }),
  )
})

const specCase = specCaseOf(2, 3, 4)

/** Specs that cannot stop (WF_x(Next)), so SF/WF of one action decides (stuttering would meet them all). */
const movingSpecCase: fc.Arbitrary<SpecCase> = specCaseOf(3, 4, 5).map((s) => ({ ...s, fair: [{ strong: false, action: -1 }, ...s.fair] }))

const formula = (n: number, actions: number): fc.Arbitrary<F> => {
  const pred: fc.Arbitrary<F> = fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }).map((set) => ({ k: "in", set }))
  const act: fc.Arbitrary<F> = fc.integer({ min: 0, max: actions - 1 }).map((action) => ({ k: "act", action }))
  const stateOrAct = fc.oneof(pred, act)
  const leaf: fc.Arbitrary<F> = fc.oneof(
    pred.map((a): F => ({ k: "eventually", a })),
    pred.map((a): F => ({ k: "always", a })),
    stateOrAct.map((a): F => ({ k: "always", a: { k: "eventually", a } })),
    stateOrAct.map((a): F => ({ k: "eventually", a: { k: "always", a } })),
    fc.tuple(pred, pred).map(([a, b]): F => ({ k: "leadsTo", a, b })),
    fc.tuple(pred, pred).map(([a, b]): F => ({ k: "always", a: { k: "or", a: { k: "not", a }, b: { k: "always", a: b } } })),
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: actions - 1 })).map(([strong, action]): F => ({ k: strong ? "sf" : "wf", action })),
    // [](P => (<>R \/ (Q ~> S))): violated by reaching P, then Q with ~R and ~S for ever after
    fc.tuple(pred, pred, pred, pred).map(
      ([p, r, q, t]): F => ({ k: "always", a: { k: "or", a: { k: "not", a: p }, b: { k: "or", a: { k: "eventually", a: r }, b: { k: "leadsTo", a: q, b: t } } } }),
    ),
  )
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    fc.tuple(pred, leaf, leaf).map(([c, t, f]): F => ({ k: "ite", c, t, f })),
    fc.tuple(leaf, leaf).map(([a, b]): F => ({ k: "and", a, b })),
    fc.tuple(leaf, leaf).map(([a, b]): F => ({ k: "or", a, b })),
    fc.tuple(leaf, leaf).map(([a, b]): F => ({ k: "or", a: { k: "not", a }, b })), // a => b
  )
}

/** Arbitrary nestings up to `depth` operators deep; actions only directly under [] or <>. */
const nested = (n: number, actions: number, depth = 3): fc.Arbitrary<F> => {
  const pred: fc.Arbitrary<F> = fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }).map((set) => ({ k: "in", set }))
  const act: fc.Arbitrary<F> = fc.integer({ min: 0, max: actions - 1 }).map((action) => ({ k: "act", action }))
  const base: fc.Arbitrary<F> = fc.oneof(
    { weight: 4, arbitrary: pred },
    act.map((a): F => ({ k: "eventually", a })),
    act.map((a): F => ({ k: "always", a: { k: "eventually", a } })),
    act.map((a): F => ({ k: "eventually", a: { k: "always", a } })),
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: actions - 1 })).map(([strong, action]): F => ({ k: strong ? "sf" : "wf", action })),
  )
  const go = (d: number): fc.Arbitrary<F> => {
    if (d === 0) return base
    const sub = go(d - 1)
    return fc.oneof(
      { weight: 2, arbitrary: base },
      sub.map((a): F => ({ k: "always", a })),
      sub.map((a): F => ({ k: "eventually", a })),
      sub.map((a): F => ({ k: "not", a })),
      fc.tuple(sub, sub).map(([a, b]): F => ({ k: "and", a, b })),
      fc.tuple(sub, sub).map(([a, b]): F => ({ k: "or", a, b })),
      fc.tuple(sub, sub).map(([a, b]): F => ({ k: "or", a: { k: "not", a }, b })), // a => b
      fc.tuple(sub, sub).map(([a, b]): F => ({ k: "leadsTo", a, b })),
      fc.tuple(pred, sub, sub).map(([c, t, f]): F => ({ k: "ite", c, t, f })),
    )
  }
  return go(depth)
}

// ---------------------------------------------------------------- the checker

const dir = mkdtempSync(join(tmpdir(), "pollen-liveness-"))
let files = 0

const specText = (s: SpecCase, f: F): string => {
  const steps = (a: readonly Step[]): string => `{${a.map(([p, q]) => `<<${p}, ${q}>>`).join(", ")}}`
  const actions = s.actions.map((a, i) => `A${i} == \\E p \\in ${steps(a)} : x = p[1] /\\ x' = p[2]`).join("\n")
  const fair = s.fair.map((fa) => `${fa.strong ? "SF" : "WF"}_x(${fa.action < 0 ? "Next" : `A${fa.action}`})`)
  const fairness = s.folded === true && fair.length > 0 ? ` /\\ (TRUE => (${fair.join(" /\\ ")}))` : fair.map((f) => ` /\\ ${f}`).join("")
  return `---- MODULE L ----
EXTENDS Naturals
VARIABLE x
Init == x \\in {${s.init.join(", ")}}
${actions}
Next == ${s.actions.map((_, i) => `A${i}`).join(" \\/ ")}
Spec == Init /\\ [][Next]_x${fairness}
Prop == ${tla(f)}
====
`
}

const counts = { tableau: 0, unsupported: 0 }

const check = (s: SpecCase, f: F) => {
  const base = join(dir, `L${files++}`)
  writeFileSync(`${base}.tla`, specText(s, f).replace("MODULE L ", `MODULE L${files - 1} `))
  writeFileSync(`${base}.cfg`, "SPECIFICATION Spec\nPROPERTY Prop\nCHECK_DEADLOCK FALSE\n")
  const model = loadModel(`${base}.tla`)
  // a form left unchecked is reported (none is expected: counted and bounded by the tests)
  if (model.warnings.some((w) => w.includes("not supported"))) {
    counts.unsupported++
    return null
  }
  if (model.liveness?.properties.some((p) => p.tableaux.length > 0) === true) counts.tableau++
  return new Checker(model).run()
}

/** The oracle's verdict on the checker's outcome for `f` (see the header). */
const agrees = (s: SpecCase, f: F, r: NonNullable<ReturnType<typeof check>>): "violation" | "ok" => {
  const o = r.outcome
  if (o.kind === "liveness") {
    const w = o.trace.map((t) => t.state[0] as number)
    const lasso = o.backTo === null ? { w, loop: w.length - 1 } : { w, loop: o.backTo - 1 }
    expect(isBehaviour(s, lasso), `not a behaviour: ${JSON.stringify(lasso)}`).toBe(true)
    expect(fairOn(s, lasso), `unfair counterexample ${JSON.stringify(lasso)}`).toBe(true)
    expect(holds(s, lasso, f), `the counterexample ${JSON.stringify(lasso)} satisfies the property`).toBe(false)
    return "violation"
  }
  if (o.kind === "invariant") {
    // a conjunct []P of a PROPERTY, P a state predicate, is checked as an invariant,
    // as TLC does: on every reachable state
    const w = o.trace.map((t) => t.state[0] as number)
    expect(isBehaviour(s, { w, loop: w.length - 1 })).toBe(true)
    const last = { w: [w[w.length - 1]!], loop: 0 }
    expect(alwaysConjuncts(f).some((p) => !evalAt(s, last, p)[0])).toBe(true)
    return "violation"
  }
  if (o.kind === "property") {
    // a state predicate conjunct of the PROPERTY, false on an initial state
    const w = o.trace.map((t) => t.state[0] as number)
    expect(w.length === 1 && s.init.includes(w[0]!)).toBe(true)
    expect(initConjuncts(f).some((p) => !evalAt(s, { w, loop: 0 }, p)[0])).toBe(true)
    return "violation"
  }
  expect(o.kind, `${JSON.stringify(o)}`).toBe("ok")
  const expected = findViolation(s, f, 6)
  expect(expected, `missed the violation ${JSON.stringify(expected)}`).toBeNull()
  return "ok"
}

describe("liveness checking against an oracle", () => {
  it("reports exactly the fair violations, each with a real counterexample", () => {
    let violations = 0
    const before = { ...counts }
    fc.assert(
      fc.property(
        specCase.chain((s) => fc.tuple(fc.constant(s), formula(s.n, s.actions.length))),
        ([s, f]) => {
          const r = check(s, f)
          if (r !== null && agrees(s, f, r) === "violation") violations++
        },
      ),
      { numRuns: 300, seed: 20261127 },
    )
    // the draw must exercise both outcomes; every form is checked
    expect(violations).toBeGreaterThan(30)
    expect(violations).toBeLessThan(270)
    expect(counts.unsupported - before.unsupported).toBe(0)
  }, 120_000)

  it("nested [], <>, ~>, ~, /\\, \\/, => and WF/SF: the tableau, both ways", () => {
    let violations = 0
    const before = { ...counts }
    fc.assert(
      fc.property(
        specCase.chain((s) => fc.tuple(fc.constant(s), nested(s.n, s.actions.length))),
        ([s, f]) => {
          const r = check(s, f)
          if (r !== null && agrees(s, f, r) === "violation") violations++
        },
      ),
      { numRuns: 400, seed: 20261128 },
    )
    expect(violations).toBeGreaterThan(40)
    expect(violations).toBeLessThan(360)
    expect(counts.unsupported - before.unsupported).toBe(0)
    // most of these have no pattern form
    expect(counts.tableau - before.tableau).toBeGreaterThan(100)
  }, 240_000)

  it("the tableau alone, on both kinds of formula (the pattern forms too), fairness also assumed in the formula", () => {
    let violations = 0
    const before = { ...counts }
    livenessTesting.tableauOnly = true
    try {
      fc.assert(
        fc.property(
          fc.oneof(specCase, movingSpecCase, movingSpecCase.map((s) => ({ ...s, folded: true }))).chain((s) => fc.tuple(fc.constant(s), fc.oneof(formula(s.n, s.actions.length), nested(s.n, s.actions.length, 2)))),
          ([s, f]) => {
            const r = check(s, f)
            if (r !== null && agrees(s, f, r) === "violation") violations++
          },
        ),
        { numRuns: 500, seed: 20261129 },
      )
    } finally {
      livenessTesting.tableauOnly = false
    }
    expect(violations).toBeGreaterThan(40)
    expect(counts.unsupported - before.unsupported).toBe(0)
    // (properties without temporal parts are invariants or initial conditions)
    expect(counts.tableau - before.tableau).toBeGreaterThan(200)
  }, 240_000)
})
