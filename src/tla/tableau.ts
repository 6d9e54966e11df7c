// The tableau of an LTL formula (ltl.ts) as a generalized Büchi automaton, by the on-the-fly
// expansion of Gerth, Peled, Vardi and Wolper ("Simple on-the-fly automatic verification of
// linear temporal logic", 1995). A node stands for a position of the behaviour: the
// literals it holds must be true there, what it promises for the next position is the
// formulas its successors start from. A run visits nodes along the behaviour; it is
// accepting when every until-formula `a U b` is fulfilled infinitely often (not pending, or
// b holding), which rules out eventualities postponed for ever.
import type { Ltl } from "./ltl.ts"
import { Unsupported } from "./temporal.ts"

export interface Lit {
  readonly atom: number
  readonly pos: boolean
}

export interface TableauNode {
  /** The literals true at this position. */
  readonly lits: readonly Lit[]
  /** The nodes the next position may be at. */
  readonly succ: readonly number[]
}

export interface Automaton {
  readonly nodes: readonly TableauNode[]
  readonly initial: readonly number[]
  /** Per until-formula, the nodes fulfilling it (1); a run must visit each set infinitely often. */
  readonly accept: readonly Uint8Array[]
}

/** Formulas interned by id, so node sets compare as sorted id lists. */
class Forms {
  readonly list: Ltl<number>[] = []
  readonly left: number[] = []
  readonly right: number[] = []
  private readonly ids = new Map<string, number>()

  id(f: Ltl<number>): number {
    let a = -1
    let b = -1
    let key: string
    if (f.k === "lit") key = `${f.pos ? "+" : "-"}${f.atom}`
    else if (f.k === "true" || f.k === "false") key = f.k
    else {
      a = this.id(f.a)
      b = this.id(f.b)
      key = `${f.k}${a},${b}`
    }
    let id = this.ids.get(key)
    if (id === undefined) {
      id = this.list.length
      this.list.push(f)
      this.left.push(a)
      this.right.push(b)
      this.ids.set(key, id)
    }
    return id
  }

  /** The id of the complementary literal, or -1 (not interned yet: it cannot be held). */
  negation(lit: Extract<Ltl<number>, { k: "lit" }>): number {
    return this.ids.get(`${lit.pos ? "-" : "+"}${lit.atom}`) ?? -1
  }
}

interface Pending {
  readonly incoming: Set<number> // -1: the initial position
  readonly todo: number[]
  readonly old: Set<number>
  readonly next: Set<number>
}

const INIT = -1

/** The automaton of `f` (to be checked for an accepting run); more than `limit` nodes is Unsupported. */
export const buildAutomaton = (f: Ltl<number>, limit = 50_000): Automaton => {
  const forms = new Forms()
  const root = forms.id(f)
  const stored: { incoming: Set<number>; old: Set<number> }[] = []
  const byKey = new Map<string, number>()
  const work: Pending[] = [{ incoming: new Set([INIT]), todo: [root], old: new Set(), next: new Set() }]
  const sorted = (s: Set<number>): string => [...s].sort((x, y) => x - y).join(",")
  const literalsAndPending = (old: Set<number>): string => {
    const kept: number[] = []
    for (const x of old) {
      const k = forms.list[x]!.k
      if (k === "lit" || (k === "U" && !old.has(forms.right[x]!))) kept.push(x)
    }
    return kept.sort((x, y) => x - y).join(",")
  }
  const fork = (n: Pending, add: readonly number[], next: readonly number[]): Pending => {
    const old = new Set(n.old)
    const todo = [...n.todo]
    for (const x of add) if (!old.has(x) && !todo.includes(x)) todo.push(x)
    return { incoming: new Set(n.incoming), todo, old, next: new Set([...n.next, ...next]) }
  }
  while (work.length > 0) {
    const n = work.pop()!
    const eta = n.todo.pop()
    if (eta === undefined) {
      // fully expanded. Nodes with the same literals, promises and unfulfilled untils accept
      // the same behaviours (GPVW compares all of Old): one of them gains the predecessors
      const key = `${literalsAndPending(n.old)}|${sorted(n.next)}`
      const known = byKey.get(key)
      if (known !== undefined) {
        for (const i of n.incoming) stored[known]!.incoming.add(i)
        continue
      }
      const id = stored.length
      if (id >= limit) throw new Unsupported(`a tableau of more than ${limit} nodes`)
      byKey.set(key, id)
      stored.push({ incoming: n.incoming, old: n.old })
      work.push({ incoming: new Set([id]), todo: [...n.next], old: new Set(), next: new Set() })
      continue
    }
    if (n.old.has(eta)) {
      work.push(n)
      continue
    }
    const g = forms.list[eta]!
    const a = forms.left[eta]!
    const b = forms.right[eta]!
    switch (g.k) {
      case "false":
        break // contradiction: the node is dropped
      case "true":
        n.old.add(eta)
        work.push(n)
        break
      case "lit":
        if (n.old.has(forms.negation(g))) break
        n.old.add(eta)
        work.push(n)
        break
      case "and":
        n.old.add(eta)
        work.push(fork(n, [a, b], []))
        break
      case "or":
        n.old.add(eta)
        work.push(fork(n, [b], []), fork(n, [a], []))
        break
      case "U":
        // a U b: b now, or a now and a U b next
        n.old.add(eta)
        work.push(fork(n, [b], []), fork(n, [a], [eta]))
        break
      case "R":
        // a R b: a and b now, or b now and a R b next
        n.old.add(eta)
        work.push(fork(n, [a, b], []), fork(n, [b], [eta]))
        break
    }
  }
  const succ: number[][] = stored.map(() => [])
  const initial: number[] = []
  stored.forEach((s, id) => {
    for (const i of s.incoming) if (i === INIT) initial.push(id)
    else succ[i]!.push(id)
  })
  const nodes: TableauNode[] = stored.map((s, id) => ({
    lits: [...s.old].flatMap((x) => {
      const l = forms.list[x]!
      return l.k === "lit" ? [{ atom: l.atom, pos: l.pos }] : []
    }),
    succ: succ[id]!.sort((x, y) => x - y),
  }))
  const accept: Uint8Array[] = []
  forms.list.forEach((u, id) => {
    if (u.k !== "U") return
    const goal = forms.right[id]!
    const set = new Uint8Array(stored.length)
    let all = true
    stored.forEach((s, i) => {
      set[i] = !s.old.has(id) || s.old.has(goal) ? 1 : 0
      all &&= set[i] === 1
    })
    if (!all) accept.push(set)
  })
  return { nodes, initial: initial.sort((x, y) => x - y), accept }
}
