// The RPC layer on loopback: authenticated request/response, refusal of a peer without the
// cluster secret before any of its requests is decoded, malformed and oversized frames
// closing only their own connection with one log line, timeouts, cancellation, and
// priorities.
import { randomBytes } from "node:crypto"
import { connect } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { Packr } from "msgpackr"
import { generateIdentity } from "../../src/node/identity.ts"
import { encodeFrame, FrameDecoder, FrameError } from "../../src/node/rpc/frames.ts"
import { Priority, type RpcOptions } from "../../src/node/rpc/rpc-connection.ts"
import { RpcNode } from "../../src/node/rpc/rpc-node.ts"

const secret = randomBytes(32)
const nodes: RpcNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()))
})

const makeNode = (overrides: Partial<RpcOptions> = {}) => {
  const logs: string[] = []
  const node = new RpcNode({
    identity: generateIdentity(),
    secret,
    maxFrameBytes: 1 << 20,
    handshakeTimeoutMs: 2_000,
    log: (line) => logs.push(line),
    ...overrides,
  })
  nodes.push(node)
  return { node, logs }
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!check()) throw new Error(`timed out waiting for ${what}`)
}

describe("frames", () => {
  it("reassembles frames split at any byte", () => {
    const payloads = [Buffer.from("a"), Buffer.alloc(0), randomBytes(1000)]
    const wire = Buffer.concat(payloads.map(encodeFrame))
    for (let cut = 0; cut <= wire.length; cut += 37) {
      const d = new FrameDecoder(4096)
      const out = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))]
      expect(out.map((b) => b.toString("hex"))).toEqual(payloads.map((b) => b.toString("hex")))
    }
  })

  it("refuses an oversized frame from its header alone", () => {
    const head = Buffer.alloc(4)
    head.writeUInt32BE(1 << 30)
    expect(() => new FrameDecoder(1 << 20).push(head)).toThrow(FrameError)
  })
})

describe("rpc", () => {
  it("serves requests between two authenticated nodes", async () => {
    const a = makeNode()
    const b = makeNode()
    let seenFrom = ""
    a.node.handle("echo", async (body, from) => {
      seenFrom = from
      return { echoed: body }
    })
    const port = await a.node.listen(0)
    const conn = await b.node.connect("127.0.0.1", port)
    expect(await conn.call("echo", { x: [1, "two", true] })).toEqual({ echoed: { x: [1, "two", true] } })
    expect(seenFrom).toMatch(/^[0-9a-f]{64}$/)
    await expect(conn.call("nope", null)).rejects.toThrow(/unknown endpoint nope/)
  })

  it("refuses a peer without the cluster secret before decoding any request", async () => {
    const a = makeNode()
    const intruder = makeNode({ secret: randomBytes(32) })
    let called = false
    a.node.handle("echo", async () => {
      called = true
      return null
    })
    const port = await a.node.listen(0)
    await expect(intruder.node.connect("127.0.0.1", port)).rejects.toThrow(/cluster secret|closed/)
    await until(() => a.logs.length > 0, "a log line")
    expect(a.logs.filter((l) => l.includes("does not know the cluster secret"))).toHaveLength(1)
    expect(called).toBe(false)
  })

  it("closes only the connection that sends a malformed or oversized frame, logging once", async () => {
    const a = makeNode({ maxFrameBytes: 4096 })
    a.node.handle("echo", async (body) => body)
    const port = await a.node.listen(0)
    const good = await makeNode().node.connect("127.0.0.1", port)

    const send = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const s = connect({ host: "127.0.0.1", port }, () => s.write(bytes))
        s.resume() // read (and drop) the server's Hello so that its close is seen
        s.on("close", () => resolve())
        s.on("error", () => {})
      })
    const junkHello = encodeFrame(new Packr().pack({ magic: "nope" }))
    const huge = Buffer.alloc(4)
    huge.writeUInt32BE(10_000_000)
    await send(junkHello)
    await send(huge)
    await send(encodeFrame(Buffer.from([0xc1, 0xc1, 0xc1]))) // not MessagePack
    await until(() => a.logs.length >= 3, "three log lines")
    expect(a.logs.some((l) => l.includes("not a Pollen RPC peer"))).toBe(true)
    expect(a.logs.some((l) => l.includes("exceeds the limit"))).toBe(true)
    expect(a.logs.some((l) => l.includes("malformed frame"))).toBe(true)
    expect(a.logs).toHaveLength(3)
    // The authenticated connection is unaffected.
    expect(await good.call("echo", "still here")).toBe("still here")
  })

  it("times out, and cancels at the server when the caller aborts", async () => {
    const a = makeNode()
    let aborted = false
    a.node.handle("slow", (_, __, signal) => new Promise((resolve) => signal.addEventListener("abort", () => ((aborted = true), resolve(null)))))
    const port = await a.node.listen(0)
    const conn = await makeNode().node.connect("127.0.0.1", port)
    await expect(conn.call("slow", null, { timeoutMs: 50 })).rejects.toThrow(/timed out/)
    await until(() => aborted, "the server-side abort after a timeout")
    aborted = false
    const controller = new AbortController()
    const call = conn.call("slow", null, { signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    await expect(call).rejects.toThrow(/cancelled/)
    await until(() => aborted, "the server-side abort after cancellation")
  })

  it("sends consensus traffic ahead of queued block transfers", async () => {
    const a = makeNode({ maxFrameBytes: 8 << 20 })
    const order: string[] = []
    a.node.handle("block", async () => (order.push("block"), null))
    a.node.handle("vote", async () => (order.push("vote"), null))
    const port = await a.node.listen(0)
    const conn = await makeNode({ maxFrameBytes: 8 << 20 }).node.connect("127.0.0.1", port)
    const block = randomBytes(4 << 20)
    const calls = [1, 2, 3, 4].map(() => conn.call("block", block, { priority: Priority.background }))
    calls.push(conn.call("vote", 1, { priority: Priority.consensus }))
    await Promise.all(calls)
    // The first block was already on the wire; the vote overtakes the blocks still queued.
    expect(order.indexOf("vote")).toBeLessThan(3)
  })
})
