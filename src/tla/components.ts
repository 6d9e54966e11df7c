// Tarjan's strongly connected components on subgraphs of one graph of n nodes, for the
// liveness searches (the behaviour graph's patterns in liveness.ts, the tableau product in
// tableau-search.ts). Iterative, with the depth-first path in two typed stacks (an object per
// frame is heavy at millions of nodes), and its arrays allocated once and reset after each
// call: a search allocating per call was quadratic on a long chain of one-node components.

/** A graph whose edges are numbered: node v's are edgeStart(v) .. edgeEnd(v) - 1. */
export interface EdgeIndexedGraph {
  edgeStart(v: number): number
  edgeEnd(v: number): number
  target(e: number): number
}

export class ComponentSearch {
  private readonly index: Int32Array
  private readonly low: Int32Array
  private readonly onStack: Uint8Array
  private readonly workV: Int32Array
  private readonly workE: Int32Array
  // Set membership by stamp: `stamp[v] === g` for the set stamped `g`.
  private readonly stamp: Int32Array
  private gen = 0

  constructor(
    private readonly g: EdgeIndexedGraph,
    n: number,
  ) {
    this.index = new Int32Array(n).fill(-1)
    this.low = new Int32Array(n)
    this.onStack = new Uint8Array(n)
    this.workV = new Int32Array(n)
    this.workE = new Int32Array(n)
    this.stamp = new Int32Array(n)
  }

  /** Membership in `vs`, valid until the next call (one array of stamps for every set). */
  stamped(vs: readonly number[]): (w: number) => boolean {
    const g = ++this.gen
    const stamp = this.stamp
    for (const v of vs) stamp[v] = g
    return (w) => stamp[w] === g
  }

  /** The components of the subgraph on `members` whose edges are those `keep` keeps. */
  components(members: readonly number[], keep: (v: number, e: number, w: number) => boolean): number[][] {
    const { index, low, onStack, workV, workE, g } = this
    const touched: number[] = []
    const stack: number[] = []
    const out: number[][] = []
    let counter = 0
    const visit = (v: number): void => {
      index[v] = counter
      low[v] = counter++
      stack.push(v)
      onStack[v] = 1
      touched.push(v)
    }
    for (const root of members) {
      if (index[root] !== -1) continue
      let top = 0
      workV[0] = root
      workE[0] = g.edgeStart(root)
      visit(root)
      while (top >= 0) {
        const v = workV[top]!
        if (workE[top]! < g.edgeEnd(v)) {
          const e = workE[top]!++
          const w = g.target(e)
          if (!keep(v, e, w)) continue
          if (index[w] === -1) {
            visit(w)
            top++
            workV[top] = w
            workE[top] = g.edgeStart(w)
          } else if (onStack[w] === 1) low[v] = Math.min(low[v]!, index[w]!)
          continue
        }
        top--
        if (top >= 0) {
          const u = workV[top]!
          low[u] = Math.min(low[u]!, low[v]!)
        }
        if (low[v] === index[v]) {
          const comp: number[] = []
          let w: number
          do {
            w = stack.pop()!
            onStack[w] = 0
            comp.push(w)
          } while (w !== v)
          out.push(comp)
        }
      }
    }
    for (const v of touched) index[v] = -1
    return out
  }
}
