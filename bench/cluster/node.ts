// A storage node of `npm run bench:cluster`, run as its own process (bundled with esbuild
// like bin/pollen, so its memory is what a `pollen server` node's would be): listens for RPC,
// reports its address, then hosts the table and block layers once the driver has sent every
// node's address, and answers memory queries until told to stop.
// Environment: BENCH_NODE_DIR (data directory), BENCH_SECRET (RPC secret, hex);
// BENCH_HEAPSNAPSHOT_DIR: write a heap snapshot there after the driver's full GC.
import { join } from "node:path"
import { fixedPlacement } from "../../src/node/cluster/interfaces.ts"
import type { PeerAddress } from "../../src/node/table/static-cluster-rpc.ts"
import { host, listen, type Hosted } from "./host.ts"
import { procMemory, type FromNode, type ToNode } from "./protocol.ts"

const dir = process.env.BENCH_NODE_DIR!
const secret = Buffer.from(process.env.BENCH_SECRET!, "hex")
const send = (m: FromNode) => process.send!(m)
const lines: string[] = []
const log = (line: string) => {
  lines.push(line)
  if (lines.length > 50) lines.shift()
  if (process.env.BENCH_VERBOSE === "1") console.error(`[node ${dir.slice(-6)}] ${line}`)
}

const l = await listen(dir, secret, log)
let hosted: Hosted | undefined
process.on("message", (m: ToNode) => {
  void (async () => {
    switch (m.type) {
      case "peers": {
        const addresses = new Map<string, PeerAddress>(m.addresses.map(([id, port]) => [id, { host: "127.0.0.1", port }]))
        hosted = await host(dir, l, addresses, fixedPlacement(m.storage, 3, 256), log)
        send({ type: "hosted" })
        break
      }
      case "memory": {
        if (m.gc) (globalThis as { gc?: () => void }).gc?.()
        if (m.gc && process.env.BENCH_HEAPSNAPSHOT_DIR !== undefined) {
          const { writeHeapSnapshot } = await import("node:v8")
          console.error(`heap snapshot: ${writeHeapSnapshot(join(process.env.BENCH_HEAPSNAPSHOT_DIR, `node-${process.pid}.heapsnapshot`))}`)
        }
        const u = process.memoryUsage()
        const p = await procMemory("self")
        send({
          type: "memory",
          memory: { vmRss: p?.rss ?? u.rss, rssAnon: p?.anon ?? NaN, rssFile: p?.file ?? NaN, vmHwm: p?.hwm ?? NaN, heapTotal: u.heapTotal, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers },
        })
        break
      }
      case "stop":
        await hosted?.close()
        send({ type: "stopped" })
        process.disconnect()
        break
    }
  })().catch((error: unknown) => {
    console.error(`bench node ${dir}: ${error instanceof Error ? error.stack : String(error)}\nlast log lines:\n${lines.join("\n")}`)
    process.exit(1)
  })
})
send({ type: "listening", id: l.identity.id, port: l.port })
