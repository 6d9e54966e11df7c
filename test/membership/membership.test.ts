// The membership reducer on its own: bootstrap peers are learned and persisted, pings carry
// the status and peer list, any message marks its sender alive, silence marks it down, and
// a restart recovers the peer list from disk.
import { describe, expect, it } from "vitest"
import type { Output } from "../../src/core/machine.ts"
import { isUp, membership, PING_TIMER, type MembershipState } from "../../src/core/membership/membership.ts"
import type { MembershipMsg, MembershipRec, MembershipRes, NodeStatus } from "../../src/core/membership/messages.ts"

const id = (c: string) => c.repeat(64)
const [A, B, C, D] = ["a", "b", "c", "d"].map(id) as [string, string, string, string]
const status = (addr: string, digest = "0"): NodeStatus => ({ addr, hostname: "h", layoutDigest: digest, layoutVersion: 0 })
type Out = Output<MembershipMsg, MembershipRes, MembershipRec>

const params = { initialStatus: status("127.0.0.1:1"), bootstrap: [{ id: B, addr: "127.0.0.1:2" }], pingIntervalMs: 100, downAfterMs: 500 }

const boot = (persisted: { key: string; record: MembershipRec }[] = []) => membership.step(membership.init(A, params), { _tag: "Recover", persisted })

const sends = (out: readonly Out[]) => out.flatMap((o) => (o._tag === "Send" ? [[o.to, o.msg._tag] as const] : []))

describe("membership reducer", () => {
  it("learns and persists its bootstrap peers and arms the ping timer", () => {
    const { state, out } = boot()
    expect(Object.keys(state.peers)).toEqual([B])
    expect(out).toContainEqual({ _tag: "Persist", key: `peer/${B}`, record: { _tag: "Peer", addr: "127.0.0.1:2" } })
    expect(out).toContainEqual({ _tag: "SetTimer", id: PING_TIMER, afterMs: 100 })
    expect(sends(membership.step(state, { _tag: "Timer", id: PING_TIMER }).out)).toEqual([[B, "Ping"]])
  })

  it("marks a peer up on its message, learns the peers it names, answers a ping, and marks it down after silence", () => {
    let s: MembershipState = boot().state
    s = membership.step(s, { _tag: "Tick", now: 1_000 }).state
    const r = membership.step(s, { _tag: "Recv", from: B, msg: { _tag: "Ping", status: status("127.0.0.1:22", "x"), peers: [{ id: C, addr: "127.0.0.1:3" }, { id: A, addr: "bogus" }] } })
    s = r.state
    expect(s.peers[B]).toEqual({ addr: "127.0.0.1:22", lastSeen: 1_000, status: status("127.0.0.1:22", "x") })
    expect(s.peers[C]).toEqual({ addr: "127.0.0.1:3", lastSeen: null, status: null })
    expect(s.peers[A]).toBeUndefined() // itself, named by a peer: ignored
    expect(sends(r.out)).toEqual([[B, "Pong"]])
    expect(r.out.filter((o) => o._tag === "Persist").map((o) => (o as { key: string }).key).sort()).toEqual([`peer/${B}`, `peer/${C}`])
    expect(isUp(s.peers[B]!, 1_400, 500)).toBe(true)
    expect(isUp(s.peers[B]!, 1_600, 500)).toBe(false)
    expect(isUp(s.peers[C]!, 1_000, 500)).toBe(false)
    // Every known peer gets the next round's ping.
    expect(sends(membership.step(s, { _tag: "Timer", id: PING_TIMER }).out).sort()).toEqual([[B, "Ping"], [C, "Ping"]])
  })

  it("a restarted node recovers its peer list without bootstrap peers, and SetStatus can broadcast", () => {
    const r = membership.step(membership.init(A, { ...params, bootstrap: [] }), { _tag: "Recover", persisted: [{ key: `peer/${D}`, record: { _tag: "Peer", addr: "127.0.0.1:4" } }] })
    expect(Object.keys(r.state.peers)).toEqual([D])
    expect(r.out.filter((o) => o._tag === "Persist")).toEqual([])
    const set = membership.step(r.state, { _tag: "Request", id: "q", op: { _tag: "SetStatus", status: status("127.0.0.1:1", "new"), broadcast: true } })
    expect(set.state.status.layoutDigest).toBe("new")
    expect(sends(set.out)).toEqual([[D, "Ping"]])
    expect(set.out).toContainEqual({ _tag: "Reply", id: "q", result: { _tag: "Done" } })
  })
})
