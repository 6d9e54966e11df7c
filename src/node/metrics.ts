// Request counters and durations per API endpoint, rendered in Prometheus text format.
interface Series {
  count: number
  errors: number
  seconds: number
}

export class RequestMetrics {
  private readonly series = new Map<string, Series>()
  private readonly buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
  private readonly histogram = new Map<string, number[]>()

  observe(api: string, endpoint: string, status: number, seconds: number): void {
    const id = `${api}\u0000${endpoint}`
    const s = this.series.get(id) ?? { count: 0, errors: 0, seconds: 0 }
    s.count++
    if (status >= 400) s.errors++
    s.seconds += seconds
    this.series.set(id, s)
    const h = this.histogram.get(id) ?? this.buckets.map(() => 0)
    this.buckets.forEach((b, i) => {
      if (seconds <= b) h[i]!++
    })
    this.histogram.set(id, h)
  }

  render(extra: readonly string[] = []): string {
    const lines: string[] = []
    const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    const entries = [...this.series.entries()].map(([id, s]) => {
      const [api, endpoint] = id.split("\u0000") as [string, string]
      return { api, endpoint, s, h: this.histogram.get(id)! }
    })
    for (const api of new Set(entries.map((e) => e.api))) {
      const mine = entries.filter((e) => e.api === api)
      lines.push(`# HELP ${api}_request_counter Requests per endpoint.`, `# TYPE ${api}_request_counter counter`)
      for (const e of mine) lines.push(`${api}_request_counter{api_endpoint="${label(e.endpoint)}"} ${e.s.count}`)
      lines.push(`# HELP ${api}_error_counter Requests answered with a 4xx or 5xx status.`, `# TYPE ${api}_error_counter counter`)
      for (const e of mine) lines.push(`${api}_error_counter{api_endpoint="${label(e.endpoint)}"} ${e.s.errors}`)
      lines.push(`# HELP ${api}_request_duration Request duration in seconds.`, `# TYPE ${api}_request_duration histogram`)
      for (const e of mine) {
        const l = `api_endpoint="${label(e.endpoint)}"`
        this.buckets.forEach((b, i) => lines.push(`${api}_request_duration_bucket{${l},le="${b}"} ${e.h[i]}`))
        lines.push(`${api}_request_duration_bucket{${l},le="+Inf"} ${e.s.count}`)
        lines.push(`${api}_request_duration_sum{${l}} ${e.s.seconds}`)
        lines.push(`${api}_request_duration_count{${l}} ${e.s.count}`)
      }
    }
    return [...lines, ...extra].join("\n") + "\n"
  }
}
