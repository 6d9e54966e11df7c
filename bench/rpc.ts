// RPC connection cost on loopback: two RpcNodes in this one process over 127.0.0.1.
// (a) 20,000 small request/response calls, 64 in flight: calls/s;
// (b) 64 calls each carrying a 1 MiB Buffer, 4 in flight: MiB/s (median of 5 rounds: one
//     round is under half a second, so a single one is at the mercy of the machine's load).
// The CPU time and minor page faults of the process are reported too: they depend less on
// the machine's load than throughput does, and page faults count fresh buffers touched.
// Usage: npm run bench:rpc
import { randomBytes } from "node:crypto"
import { generateIdentity } from "../src/node/identity.ts"
import type { RpcConnection } from "../src/node/rpc/rpc-connection.ts"
import { RpcNode } from "../src/node/rpc/rpc-node.ts"

const MiB = 1 << 20
const secret = randomBytes(32)
const makeNode = () =>
  new RpcNode({ identity: generateIdentity(), secret, maxFrameBytes: 16 << 20, handshakeTimeoutMs: 5_000, log: () => {} })

interface Run {
  readonly perSecond: number
  readonly cpuMsEach: number
  readonly faultsEach: number
}

/** Runs `n` calls with `inFlight` outstanding at a time. */
const run = async (n: number, inFlight: number, call: (i: number) => Promise<unknown>): Promise<Run> => {
  let next = 0
  const cpu = process.cpuUsage()
  const faults = process.resourceUsage().minorPageFault
  const start = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await call(next++)
    }),
  )
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  return {
    perSecond: (n / wallMs) * 1000,
    cpuMsEach: (used.user + used.system) / 1000 / n,
    faultsEach: (process.resourceUsage().minorPageFault - faults) / n,
  }
}

const median = (runs: Run[], key: keyof Run) => runs.map((r) => r[key]).sort((a, b) => a - b)[runs.length >> 1]!

const small = (conn: RpcConnection, n: number) =>
  run(n, 64, (i) => conn.call("small", { bucket: "photos", key: `2024/06/img-${i}.jpg`, version: i }))

const large = (conn: RpcConnection, n: number, block: Buffer) => run(n, 4, () => conn.call("block", block))

const main = async () => {
  const server = makeNode()
  const client = makeNode()
  server.handle("small", async (body) => ({ ok: true, etag: "d41d8cd98f00b204e9800998ecf8427e", body }))
  server.handle("block", async (body) => (body as Uint8Array).length)
  const conn = await client.connect("127.0.0.1", await server.listen(0))
  const block = randomBytes(MiB)

  await small(conn, 2_000) // warm-up: JIT, socket buffers
  await large(conn, 8, block)

  const a = await small(conn, 20_000)
  console.log(`(a) 20000 small calls, 64 in flight: ${a.perSecond.toFixed(0)} calls/s, CPU ${(a.cpuMsEach * 1000).toFixed(1)} µs/call`)
  const rounds: Run[] = []
  for (let i = 0; i < 5; i++) rounds.push(await large(conn, 64, block))
  console.log(
    `(b) 64 x 1 MiB calls, 4 in flight:   ${median(rounds, "perSecond").toFixed(0)} MiB/s ` +
      `(rounds ${rounds.map((r) => r.perSecond.toFixed(0)).join(" ")}), ` +
      `CPU ${median(rounds, "cpuMsEach").toFixed(1)} ms/MiB, ${median(rounds, "faultsEach").toFixed(0)} page faults/MiB`,
  )
  await Promise.all([client.close(), server.close()])
}

await main()
