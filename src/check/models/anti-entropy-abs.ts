// The refinement mapping of the anti-entropy reducer onto spec/AntiEntropy.tla: `abs`
// turns a cluster state of the reducer's model into a record of the spec's variables.
// Nodes and keys become the spec's model values; a value becomes its rank among the
// values clients write (so the spec's numeric tie-break is the reducer's string order).
import type { Op, Res } from "../../core/anti-entropy/messages.ts"
import type { AntiEntropy, Entries } from "../../core/anti-entropy/replica.ts"
import { modelValue } from "../../tla/api.ts"
import type { ClusterView } from "../cluster-model.ts"
import type { ClientScript } from "../cluster-model.ts"
import type { Synced } from "./anti-entropy.ts"

export const antiEntropyAbs = (clients: ReadonlyArray<ClientScript<Op>>, keys: ReadonlyArray<string>) => {
  const puts = clients.flatMap((c) => c.ops.flatMap((op) => (op._tag === "Put" ? [{ node: c.node, key: op.key, value: op.value }] : [])))
  const ranks = [...new Set(puts.map((p) => p.value))].sort()
  const rank = (v: string): number => {
    const r = ranks.indexOf(v)
    if (r < 0) throw new Error(`abs: value ${v} was written by no client`)
    return r + 1
  }
  const none = [0, 0]
  const reg = (e: { ts: { c: number }; value: string } | undefined) => (e === undefined ? none : [e.ts.c, rank(e.value)])
  const map = (entries: Entries | undefined) => new Map(keys.map((k) => [modelValue(k), reg(entries?.[k])]))
  const byNode = <T>(view: ClusterView<AntiEntropy, Synced>, f: (n: ClusterView<AntiEntropy, Synced>["nodes"][number]) => T) =>
    new Map(view.nodes.map((n) => [modelValue(n.id), f(n)]))

  /** The spec's variables in the reducer's cluster state. */
  return (view: ClusterView<AntiEntropy, Synced>): Record<string, unknown> => {
    const issued = new Set<string>()
    const lastRead = new Map<string, number[]>()
    for (const e of view.history) {
      if (e.kind === "invoke" && e.op._tag === "Put") issued.add(`${e.node}/${e.op.key}/${e.op.value}`)
      if (e.kind === "ok" && e.op._tag === "Get") {
        const r = e.result as Res & { _tag: "Value" }
        lastRead.set(`${e.node}/${e.op.key}`, r.value === null ? none : [r.ts!.c, rank(r.value)])
      }
    }
    return {
      entries: byNode(view, (n) => map(n.state?.entries)),
      disk: byNode(view, (n) => map(Object.fromEntries(n.disk.map((d) => [d.key.slice(3), d.record])))),
      clock: byNode(view, (n) => n.state?.clock.c ?? 0),
      up: byNode(view, (n) => n.up),
      net: new Set(
        view.network.map((m) => ({ type: m.msg._tag, from: modelValue(m.from), to: modelValue(m.to), entries: map(m.msg.entries) })),
      ),
      todo: new Set(
        puts.filter((p) => !issued.has(`${p.node}/${p.key}/${p.value}`)).map((p) => [modelValue(p.node), modelValue(p.key), rank(p.value)]),
      ),
      lastRead: byNode(view, (n) => new Map(keys.map((k) => [modelValue(k), lastRead.get(`${n.id}/${k}`) ?? none]))),
      crashes: view.faultsUsed.crashes,
    }
  }
}
