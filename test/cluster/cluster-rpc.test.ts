// ClusterRpc over the authenticated RPC layer: calls by node id through a connection pool,
// calls to self in process, a peer that is not who the address book says is refused, a
// restarted peer is dialled again, and a node without the secret cannot call.
import { randomBytes } from "node:crypto"
import { afterEach, describe, expect, it } from "vitest"
import { NodeRpc, parseAddress } from "../../src/node/cluster/cluster-rpc.ts"
import { generateIdentity, type NodeIdentity } from "../../src/node/identity.ts"

const secret = randomBytes(32)
const open: NodeRpc[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()))
})

const book = new Map<string, string>()
const make = async (identity: NodeIdentity = generateIdentity(), key: Uint8Array = secret, port = 0) => {
  const n = new NodeRpc({ identity, secret: key, addressOf: (id) => book.get(id), log: () => {}, handshakeTimeoutMs: 2_000 })
  open.push(n)
  const p = await n.listen(port, "127.0.0.1")
  book.set(identity.id, `127.0.0.1:${p}`)
  n.handle("echo", async (from, payload) => ({ from, payload }))
  return { n, port: p, identity }
}

describe("ClusterRpc", () => {
  it("parses addresses", () => {
    expect(parseAddress("127.0.0.1:3901")).toEqual({ host: "127.0.0.1", port: 3901 })
    expect(parseAddress("[::1]:3901")).toEqual({ host: "::1", port: 3901 })
    expect(parseAddress("nope")).toBeUndefined()
    expect(parseAddress("h:70000")).toBeUndefined()
  })

  it("calls peers by id, itself in process, and reconnects to a restarted peer", async () => {
    const a = await make()
    const b = await make()
    expect(await a.n.call(b.identity.id, "echo", [1, "x"])).toEqual({ from: a.identity.id, payload: [1, "x"] })
    expect(await a.n.call(a.identity.id, "echo", "me")).toEqual({ from: a.identity.id, payload: "me" })
    await expect(a.n.call(b.identity.id, "missing", null)).rejects.toThrow(/unknown endpoint missing/)
    await expect(a.n.call("f".repeat(64), "echo", null)).rejects.toThrow(/no address known/)
    await b.n.close()
    await expect(a.n.call(b.identity.id, "echo", 1)).rejects.toThrow()
    await make(b.identity, secret, b.port)
    expect(await a.n.call(b.identity.id, "echo", 2)).toEqual({ from: a.identity.id, payload: 2 })
  })

  it("refuses a node at the address that is not the expected one, and a node without the secret", async () => {
    const a = await make()
    const b = await make()
    const impostor = generateIdentity().id
    book.set(impostor, book.get(b.identity.id)!)
    await expect(a.n.call(impostor, "echo", 1)).rejects.toThrow(/not/)
    const outsider = await make(generateIdentity(), randomBytes(32))
    await expect(outsider.n.call(a.identity.id, "echo", 1)).rejects.toThrow()
  })
})
