// The RPC layer on loopback: authenticated request/response, refusal of a peer without the
// cluster secret before any of its requests is decoded, malformed and oversized frames
// closing only their own connection with one log line, timeouts, cancellation,
// priorities, and the batching of several messages per sealed frame.
import { randomBytes } from "node:crypto"
import { connect } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { Packr } from "msgpackr"
import { generateIdentity } from "../../src/node/identity.ts"
import { encodeFrame, FrameDecoder, FrameError, frameHead, joinFrame } from "../../src/node/rpc/frames.ts"
import { type Hello, makeProof, PROTOCOL_VERSION, sessionKeys } from "../../src/node/rpc/handshake.ts"
import { Priority, type RpcOptions } from "../../src/node/rpc/rpc-connection.ts"
import { RpcNode } from "../../src/node/rpc/rpc-node.ts"
import { Sealer } from "../../src/node/rpc/sealed-channel.ts"

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
      expect(out.map((f) => joinFrame(f).toString("hex"))).toEqual(payloads.map((b) => b.toString("hex")))
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

const packr = new Packr({ useRecords: false, moreTypes: false })

/** `[length u32 BE][bytes]` for each message: the plaintext of a batch frame. */
const batchOf = (...messages: Buffer[]) =>
  Buffer.concat(
    messages.flatMap((m) => {
      const length = Buffer.alloc(4)
      length.writeUInt32BE(m.length)
      return [length, m]
    }),
  )

/**
 * A hand-driven initiator: completes the real handshake with the cluster secret, then seals
 * whatever batch plaintext a test gives it, optionally flipping one byte of the frame.
 */
const rawPeer = async (port: number) => {
  const identity = generateIdentity()
  const socket = connect({ host: "127.0.0.1", port })
  socket.on("error", () => {})
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
  const decoder = new FrameDecoder(1 << 20)
  const frames: Buffer[] = []
  socket.on("data", (chunk: Buffer) => frames.push(...decoder.push(chunk).map(joinFrame)))
  const nextFrame = async () => {
    await until(() => frames.length > 0, "a handshake frame")
    return frames.shift()!
  }
  const me: Hello = { magic: "pollen-rpc", version: PROTOCOL_VERSION, nodeId: identity.id, nonce: randomBytes(32) }
  socket.write(encodeFrame(packr.pack(me)))
  const peer = packr.unpack(await nextFrame()) as Hello
  socket.write(encodeFrame(packr.pack(makeProof(secret, identity, "initiator", me, peer))))
  await nextFrame() // the server's proof
  const sealer = new Sealer(sessionKeys(secret, "initiator", me, peer).send)
  const sendSealed = (plain: Buffer, flipByte?: number) => {
    const frame = sealer.begin()
    frame.add(plain)
    const { pieces, length } = frame.finish()
    const bytes = Buffer.concat([frameHead(length), ...pieces])
    if (flipByte !== undefined) bytes[flipByte]! ^= 1
    socket.write(bytes)
  }
  return { sendSealed, closed }
}

describe("rpc batches", () => {
  it("answers many calls queued in one tick, delivered in order", async () => {
    const a = makeNode()
    const seen: number[] = []
    a.node.handle("seq", async (body) => (seen.push(body as number), (body as number) * 2))
    const conn = await makeNode().node.connect("127.0.0.1", await a.node.listen(0))
    const n = 3000
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => conn.call("seq", i)))
    expect(answers).toEqual(Array.from({ length: n }, (_, i) => i * 2))
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i))
  })

  it("puts consensus first in a batch of mixed priorities", async () => {
    const a = makeNode()
    const order: number[] = []
    a.node.handle("p", async (body) => (order.push(body as number), null))
    const conn = await makeNode().node.connect("127.0.0.1", await a.node.listen(0))
    const priorities = [Priority.background, Priority.normal, Priority.layout, Priority.consensus]
    const calls = [1, 2, 3].flatMap(() => priorities.map((priority) => conn.call("p", priority, { priority })))
    await Promise.all(calls)
    expect(order).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
  })

  it("drops a call cancelled before its batch leaves, so the peer never serves it", async () => {
    const a = makeNode()
    let served = 0
    a.node.handle("count", async () => ++served)
    const conn = await makeNode().node.connect("127.0.0.1", await a.node.listen(0))
    const controller = new AbortController()
    const cancelled = conn.call("count", null, { signal: controller.signal })
    controller.abort()
    await expect(cancelled).rejects.toThrow(/cancelled/)
    expect(await conn.call("count", null)).toBe(1)
  })

  it("round-trips messages around the batch limit and a 4 MiB message intact", async () => {
    const a = makeNode({ maxFrameBytes: 8 << 20 })
    a.node.handle("echo", async (body) => body)
    const conn = await makeNode({ maxFrameBytes: 8 << 20 }).node.connect("127.0.0.1", await a.node.listen(0))
    const bodies = [(256 << 10) - 64, (256 << 10) - 30, 256 << 10, (256 << 10) + 64, 4 << 20, 10].map((n) => randomBytes(n))
    const small = Array.from({ length: 50 }, (_, i) => conn.call("echo", `small ${i}`))
    const echoed = (await Promise.all(bodies.map((b) => conn.call("echo", b)))) as Uint8Array[]
    expect(echoed.map((e, i) => Buffer.from(e).equals(bodies[i]!))).toEqual(bodies.map(() => true))
    expect(await Promise.all(small)).toEqual(Array.from({ length: 50 }, (_, i) => `small ${i}`))
  })

  it("fails a request or response too large for any frame locally, keeping the connection", async () => {
    const a = makeNode({ maxFrameBytes: 64 << 10 })
    a.node.handle("echo", async (body) => body)
    a.node.handle("big", async () => randomBytes(100 << 10))
    const conn = await makeNode({ maxFrameBytes: 64 << 10 }).node.connect("127.0.0.1", await a.node.listen(0))
    await expect(conn.call("echo", randomBytes(100 << 10))).rejects.toThrow(/echo request is \d+ bytes, above the frame limit/)
    await expect(conn.call("big", null)).rejects.toThrow(/response is \d+ bytes, above the frame limit/)
    expect(await conn.call("echo", "still here")).toBe("still here")
    expect(a.logs).toEqual([])
  })

  it("closes the connection, logging once, on a tampered batch frame", async () => {
    const a = makeNode()
    const seen: unknown[] = []
    a.node.handle("note", async (body) => (seen.push(body), null))
    const peer = await rawPeer(await a.node.listen(0))
    peer.sendSealed(batchOf(packr.pack([0, 1, Priority.normal, "note", "genuine"])))
    await until(() => seen.length === 1, "the genuine request")
    peer.sendSealed(batchOf(packr.pack([0, 2, Priority.normal, "note", "forged"])), 10)
    await peer.closed
    await until(() => a.logs.length > 0, "a log line")
    expect(a.logs).toHaveLength(1)
    expect(a.logs[0]).toMatch(/malformed frame/)
    expect(seen).toEqual(["genuine"])
  })

  it("closes the connection, logging once, on an inner length prefix that overruns its frame", async () => {
    const a = makeNode()
    const seen: unknown[] = []
    a.node.handle("note", async (body) => (seen.push(body), null))
    const peer = await rawPeer(await a.node.listen(0))
    const overrun = Buffer.alloc(8)
    overrun.writeUInt32BE(1000) // but only 4 bytes follow
    peer.sendSealed(Buffer.concat([batchOf(packr.pack([0, 1, Priority.normal, "note", "first"])), overrun]))
    await peer.closed
    await until(() => a.logs.length > 0, "a log line")
    expect(a.logs).toHaveLength(1)
    expect(a.logs[0]).toMatch(/malformed frame: message of 1000 bytes overruns its batch/)
    // The batch is checked whole before any of its messages is handled.
    expect(seen).toEqual([])
  })

  it("refuses a peer speaking the previous protocol version", async () => {
    const a = makeNode()
    const port = await a.node.listen(0)
    const old = PROTOCOL_VERSION - 1
    const s = connect({ host: "127.0.0.1", port }, () =>
      s.write(encodeFrame(packr.pack({ magic: "pollen-rpc", version: old, nodeId: "ab".repeat(32), nonce: randomBytes(32) }))),
    )
    s.resume()
    s.on("error", () => {})
    await new Promise((resolve) => s.on("close", resolve))
    expect(a.logs).toEqual([expect.stringContaining(`refused: protocol version ${old} (this node speaks ${PROTOCOL_VERSION})`)])
  })
})
