// An explicit flow network with integer capacities and costs: Dinic's maximum flow and
// negative-cycle cancelling (Bellman-Ford with parent-graph cycle detection) to turn a
// maximum flow into a minimum-cost one. Garage's src/rpc/graph_algo.rs plays the same
// role. Deterministic: arcs are visited in insertion order, nothing is random.
//
// Arcs are stored in pairs: arc 2k is the forward arc of edge k, arc 2k+1 its reverse.
// `residual[a]` is the capacity left on arc a; the flow on edge k is residual[2k+1].

export class FlowGraph {
  readonly vertexCount: number
  private readonly head: Int32Array
  private next: number[] = []
  private target: number[] = []
  private residual: number[] = []
  private capacity: number[] = [] // per edge
  private cost: number[] = [] // per arc

  constructor(vertexCount: number) {
    this.vertexCount = vertexCount
    this.head = new Int32Array(vertexCount).fill(-1)
  }

  get edgeCount(): number {
    return this.capacity.length
  }

  /** Adds an edge and returns its id. Arcs leave a vertex in reverse insertion order. */
  addEdge(from: number, to: number, capacity: number, cost = 0): number {
    const edge = this.capacity.length
    this.capacity.push(capacity)
    this.pushArc(from, to, capacity, cost)
    this.pushArc(to, from, 0, -cost)
    return edge
  }

  private pushArc(from: number, to: number, residual: number, cost: number): void {
    const arc = this.target.length
    this.target.push(to)
    this.residual.push(residual)
    this.cost.push(cost)
    this.next.push(this.head[from]!)
    this.head[from] = arc
  }

  /** Sets an edge's capacity and clears its flow. */
  setCapacity(edge: number, capacity: number): void {
    this.capacity[edge] = capacity
    this.residual[2 * edge] = capacity
    this.residual[2 * edge + 1] = 0
  }

  /** Sets an edge's capacity, keeping its flow (which must not exceed the new capacity). */
  raiseCapacity(edge: number, capacity: number): void {
    const flow = this.flow(edge)
    if (flow > capacity) throw new Error(`FlowGraph: edge ${edge} carries ${flow} > ${capacity}`)
    this.capacity[edge] = capacity
    this.residual[2 * edge] = capacity - flow
  }

  flow(edge: number): number {
    return this.residual[2 * edge + 1]!
  }

  /** Removes all flow. */
  clearFlow(): void {
    for (let e = 0; e < this.capacity.length; e++) {
      this.residual[2 * e] = this.capacity[e]!
      this.residual[2 * e + 1] = 0
    }
  }

  /** Total cost of the current flow. */
  totalCost(): number {
    let total = 0
    for (let e = 0; e < this.capacity.length; e++) total += this.flow(e) * this.cost[2 * e]!
    return total
  }

  /**
   * Dinic's algorithm: augments the current flow to a maximum flow from source to sink
   * and returns the value added.
   */
  maxFlow(source: number, sink: number): number {
    const n = this.vertexCount
    const level = new Int32Array(n)
    const current = new Int32Array(n)
    const queue = new Int32Array(n)
    const pathArcs: number[] = []
    let added = 0
    for (;;) {
      // BFS: levels in the residual graph.
      level.fill(-1)
      level[source] = 0
      let qh = 0
      let qt = 0
      queue[qt++] = source
      while (qh < qt) {
        const u = queue[qh++]!
        for (let a = this.head[u]!; a !== -1; a = this.next[a]!) {
          const v = this.target[a]!
          if (this.residual[a]! > 0 && level[v] === -1) {
            level[v] = level[u]! + 1
            queue[qt++] = v
          }
        }
      }
      if (level[sink] === -1) return added
      current.set(this.head)
      // Blocking flow by iterative DFS along the level graph.
      pathArcs.length = 0
      let u = source
      for (;;) {
        if (u === sink) {
          let bottleneck = Infinity
          for (const a of pathArcs) bottleneck = Math.min(bottleneck, this.residual[a]!)
          let firstSaturated = -1
          for (let i = 0; i < pathArcs.length; i++) {
            const a = pathArcs[i]!
            this.residual[a] = this.residual[a]! - bottleneck
            this.residual[a ^ 1] = this.residual[a ^ 1]! + bottleneck
            if (firstSaturated === -1 && this.residual[a] === 0) firstSaturated = i
          }
          added += bottleneck
          // Retreat to the tail of the first saturated arc.
          pathArcs.length = firstSaturated
          u = firstSaturated === 0 ? source : this.target[pathArcs[firstSaturated - 1]!]!
          continue
        }
        let a = current[u]!
        while (a !== -1) {
          const v = this.target[a]!
          if (this.residual[a]! > 0 && level[v] === level[u]! + 1) break
          a = this.next[a]!
        }
        current[u] = a
        if (a !== -1) {
          pathArcs.push(a)
          u = this.target[a]!
          continue
        }
        // Dead end: prune u, step back and skip the arc that led here.
        level[u] = -1
        const back = pathArcs.pop()
        if (back === undefined) break
        u = this.target[back ^ 1]!
        current[u] = this.next[current[u]!]!
      }
    }
  }

  /**
   * Cancels negative-cost cycles in the residual graph until none is left; the flow value
   * is unchanged and its cost becomes minimal among flows of that value. Returns the
   * number of cycles cancelled.
   *
   * Each pass runs Bellman-Ford from a virtual source (all distances 0). After every
   * round the parent graph is searched for a cycle; any cycle there has negative cost.
   * All vertex-disjoint parent cycles are cancelled at once, then a new pass starts. A
   * round without relaxation proves there is no negative cycle.
   */
  cancelNegativeCycles(): number {
    const n = this.vertexCount
    const arcCount = this.target.length
    const tail = new Int32Array(arcCount)
    for (let a = 0; a < arcCount; a++) tail[a] = this.target[a ^ 1]!
    // Only arcs with a cost or touching costed vertices matter, but all arcs can carry a
    // cycle, so relax every arc.
    const dist = new Float64Array(n)
    const parent = new Int32Array(n)
    const mark = new Int32Array(n)
    let cancelled = 0
    for (;;) {
      dist.fill(0)
      parent.fill(-1)
      let cycles: number[][] = []
      for (let round = 0; round <= n; round++) {
        let relaxed = false
        for (let a = 0; a < arcCount; a++) {
          if (this.residual[a]! <= 0) continue
          const v = this.target[a]!
          const d = dist[tail[a]!]! + this.cost[a]!
          if (d < dist[v]!) {
            dist[v] = d
            parent[v] = a
            relaxed = true
          }
        }
        if (!relaxed) return cancelled
        cycles = this.parentCycles(parent, tail, mark)
        if (cycles.length > 0) break
      }
      if (cycles.length === 0) {
        throw new Error("FlowGraph: Bellman-Ford did not converge and found no cycle")
      }
      for (const cycle of cycles) {
        let cycleCost = 0
        let bottleneck = Infinity
        for (const a of cycle) {
          cycleCost += this.cost[a]!
          bottleneck = Math.min(bottleneck, this.residual[a]!)
        }
        if (cycleCost >= 0) throw new Error("FlowGraph: parent-graph cycle is not negative")
        if (bottleneck <= 0) continue
        for (const a of cycle) {
          this.residual[a] = this.residual[a]! - bottleneck
          this.residual[a ^ 1] = this.residual[a ^ 1]! + bottleneck
        }
        cancelled++
      }
    }
  }

  /** Vertex-disjoint cycles of the parent graph, each as its list of arcs. */
  private parentCycles(parent: Int32Array, tail: Int32Array, mark: Int32Array): number[][] {
    const n = this.vertexCount
    mark.fill(0)
    const cycles: number[][] = []
    for (let start = 0; start < n; start++) {
      if (mark[start] !== 0) continue
      // Walk parents, stamping vertices with start + 1; meeting our own stamp is a cycle.
      const stamp = start + 1
      let v = start
      while (v !== -1 && mark[v] === 0) {
        mark[v] = stamp
        const a = parent[v]!
        v = a === -1 ? -1 : tail[a]!
      }
      if (v !== -1 && mark[v] === stamp) {
        const cycle: number[] = []
        let w = v
        do {
          const a = parent[w]!
          cycle.push(a)
          w = tail[a]!
        } while (w !== v)
        cycles.push(cycle)
      }
    }
    return cycles
  }
}
