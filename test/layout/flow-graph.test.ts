// FlowGraph (src/core/layout/flow-graph.ts) on small random networks: Dinic's flow is a
// valid flow whose value equals the minimum cut found by enumerating all cuts, and
// negative-cycle cancelling keeps the value while leaving no negative cycle in the
// residual graph (checked with Floyd-Warshall).

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { FlowGraph } from "../../src/core/layout/flow-graph.ts"

interface Edge {
  readonly from: number
  readonly to: number
  readonly capacity: number
  readonly cost: number
}

const networkArb = fc.integer({ min: 2, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.record({
        from: fc.integer({ min: 0, max: n - 1 }),
        to: fc.integer({ min: 0, max: n - 1 }),
        capacity: fc.integer({ min: 0, max: 4 }),
        cost: fc.integer({ min: -2, max: 2 }),
      }),
      { maxLength: 18 },
    ),
  }),
)

const SOURCE = 0
const SINK = 1

function build(n: number, edges: readonly Edge[]): { graph: FlowGraph; ids: number[] } {
  const graph = new FlowGraph(n)
  const ids = edges.map((e) => graph.addEdge(e.from, e.to, e.capacity, e.cost))
  return { graph, ids }
}

function minCut(n: number, edges: readonly Edge[]): number {
  let best = Infinity
  // Every subset of the other vertices joins the source side.
  for (let mask = 0; mask < 1 << (n - 2); mask++) {
    const sourceSide = (v: number) => v === SOURCE || (v >= 2 && ((mask >> (v - 2)) & 1) === 1)
    let cut = 0
    for (const e of edges) if (sourceSide(e.from) && !sourceSide(e.to)) cut += e.capacity
    best = Math.min(best, cut)
  }
  return best
}

function expectValidFlow(n: number, edges: readonly Edge[], flows: readonly number[]): number {
  const balance = new Array<number>(n).fill(0)
  edges.forEach((e, i) => {
    const f = flows[i]!
    expect(f).toBeGreaterThanOrEqual(0)
    expect(f).toBeLessThanOrEqual(e.capacity)
    balance[e.from]! -= f
    balance[e.to]! += f
  })
  for (let v = 2; v < n; v++) expect(balance[v]).toBe(0)
  return balance[SINK]!
}

describe("FlowGraph", () => {
  it("Dinic's max flow is a valid flow equal to the minimum cut", () => {
    fc.assert(
      fc.property(networkArb, ({ n, edges }) => {
        const { graph, ids } = build(n, edges)
        const value = graph.maxFlow(SOURCE, SINK)
        const flows = ids.map((id) => graph.flow(id))
        expect(expectValidFlow(n, edges, flows)).toBe(value)
        expect(value).toBe(minCut(n, edges))
        // Augmenting an already maximum flow adds nothing.
        expect(graph.maxFlow(SOURCE, SINK)).toBe(0)
      }),
      { numRuns: 2000 },
    )
  })

  it("cancelling negative cycles keeps the flow value and leaves no negative residual cycle", () => {
    fc.assert(
      fc.property(networkArb, ({ n, edges }) => {
        const { graph, ids } = build(n, edges)
        const value = graph.maxFlow(SOURCE, SINK)
        const before = graph.totalCost()
        graph.cancelNegativeCycles()
        const flows = ids.map((id) => graph.flow(id))
        expect(expectValidFlow(n, edges, flows)).toBe(value)
        expect(graph.totalCost()).toBeLessThanOrEqual(before)
        // Floyd-Warshall on the residual graph: no vertex reaches itself at negative cost.
        const d = Array.from({ length: n }, (_, i) =>
          Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)),
        )
        edges.forEach((e, i) => {
          const f = flows[i]!
          if (f < e.capacity) d[e.from]![e.to] = Math.min(d[e.from]![e.to]!, e.cost)
          if (f > 0) d[e.to]![e.from] = Math.min(d[e.to]![e.from]!, -e.cost)
        })
        for (let k = 0; k < n; k++)
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              const via = d[i]![k]! + d[k]![j]!
              if (via < d[i]![j]!) d[i]![j] = via
            }
        for (let v = 0; v < n; v++) expect(d[v]![v]).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 2000 },
    )
  })

  it("setCapacity clears an edge's flow and raiseCapacity keeps it", () => {
    const graph = new FlowGraph(3)
    const a = graph.addEdge(0, 2, 5)
    const b = graph.addEdge(2, 1, 5)
    expect(graph.maxFlow(0, 1)).toBe(5)
    graph.raiseCapacity(b, 7)
    expect(graph.flow(b)).toBe(5)
    expect(() => graph.raiseCapacity(a, 4)).toThrow()
    graph.setCapacity(a, 2)
    expect(graph.flow(a)).toBe(0)
  })
})
