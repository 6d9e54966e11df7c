import { checkSpec } from "../src/tla/api.ts"
const ex = "/work/shared/tla-examples/MultiPaxos-SMR/"
const stop = Number(process.env.STOP ?? "0") || undefined
const cpu0 = process.cpuUsage()
const r = checkSpec(ex + "MultiPaxos_MC.tla", { config: ex + "MultiPaxos_MC_small.cfg", stopAfterDistinct: stop })
const c = process.cpuUsage(cpu0)
console.log(r.outcome.kind, r.generated, r.distinct, r.depth, "cpu", ((c.user + c.system) / 1e6).toFixed(1))
