// Three cluster services in one process on loopback (real sockets, LMDB): they find each
// other from bootstrap peers, a layout applied on one node reaches all of them with its
// trackers, placement follows it, and a stopped node is seen down and then up again.
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { current, readVersion, trackerOf } from "../../src/core/layout/history.ts"
import { ClusterService } from "../../src/node/cluster/cluster-service.ts"
import { generateIdentity, type NodeIdentity } from "../../src/node/identity.ts"
import { freePort } from "../support/net.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-cluster-service-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))


const until = async (check: () => boolean, what: string, ms = 15_000) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe("cluster service", () => {
  it("forms a cluster from bootstrap peers, applies a layout everywhere, detects a node down and back", async () => {
    const secret = randomBytes(32)
    const identities: NodeIdentity[] = [0, 1, 2].map(() => generateIdentity())
    const ports = await Promise.all(identities.map(() => freePort()))
    const logs: string[] = []
    const start = (i: number, bootstrap: boolean | number[] = true) =>
      ClusterService.start({
        identity: identities[i]!,
        secret,
        bind: { host: "127.0.0.1", port: ports[i]! },
        publicAddr: undefined,
        bootstrap: identities
          .map((id, j) => ({ id: id.id, addr: `127.0.0.1:${ports[j]}` }))
          .filter((_, j) => j !== i && (bootstrap === true || (Array.isArray(bootstrap) && bootstrap.includes(j)))),
        replicationFactor: 3,
        pingIntervalMs: 100,
        downAfterMs: 600,
        commitTimeoutMs: 1_500,
        dir: join(dir, `n${i}`),
        log: (l) => logs.push(`n${i}: ${l}`),
      })
    const nodes = await Promise.all([0, 1, 2].map((i) => start(i)))
    try {
      await until(() => nodes.every((n) => n.peers().length === 2 && n.peers().every((p) => p.isUp)), "all peers up")
      for (const [i, n] of identities.entries()) nodes[0]!.layout.stageRole(n.id, { zone: `dc${i}`, capacity: 1e9, tags: [] })
      // Staging is gossiped, so another node can apply what node 0 staged.
      await until(() => Object.keys(nodes[1]!.layout.state.staging.roles).length === 3, "staging reaches node 1")
      const v = await nodes[1]!.layout.apply(1)
      expect(v.version).toBe(1)
      await until(() => nodes.every((n) => current(n.layout.state.history) === 1 && n.layout.state.history.versions.length === 1), "version 1 everywhere, version 0 retired")
      expect(new Set(nodes.map((n) => n.layout.digest)).size).toBe(1)
      const p = nodes[2]!.placement
      expect(p.readSet(7)).toHaveLength(3)
      expect(p.writeSets(7)).toEqual([p.readSet(7)])
      expect([...p.allNodes()].sort()).toEqual(identities.map((i) => i.id).sort())
      // Applying the same version number again is refused: it is taken.
      nodes[0]!.layout.stageRole(identities[0]!.id, { zone: "dc0", capacity: 2e9, tags: [] })
      await expect(nodes[0]!.layout.apply(1)).rejects.toThrow(/next layout version is 2/)

      // Node 2 stops: the others see it down. A layout applied meanwhile reaches it when it
      // comes back, even without bootstrap peers (it kept its peer list).
      await nodes[2]!.close()
      await until(() => nodes[0]!.peers().find((x) => x.id === identities[2]!.id)?.isUp === false, "node 2 down")
      // A write in flight on node 0, planned on version 1, holds node 0's ack at 1 (ack lock).
      const write = nodes[0]!.placement.lockWrite()
      expect(write.version).toBe(1)
      await nodes[0]!.layout.apply(2)
      const h = () => nodes[0]!.layout.state.history
      expect(current(h())).toBe(2)
      expect(trackerOf(h(), "ack", identities[0]!.id)).toBe(1)
      // Both versions are active: writes go to both sets, reads stay on version 1.
      expect(nodes[0]!.placement.writeSets(5)).toHaveLength(2)
      expect(readVersion(h())).toBe(1)
      write.release()
      expect(trackerOf(h(), "ack", identities[0]!.id)).toBe(2)
      nodes[2] = await start(2, false)
      await until(() => current(nodes[2]!.layout.state.history) === 2, "node 2 learns version 2")
      await until(() => nodes[0]!.peers().every((x) => x.isUp), "node 2 up again")
      await until(() => nodes.every((n) => n.layout.state.history.versions.length === 1), "version 1 retired everywhere")

      // Without a majority of the voters, apply fails with 503 and commits nothing; once a
      // majority is back, the next apply succeeds (the failed proposal does not block it).
      await nodes[1]!.close()
      await nodes[2]!.close()
      nodes[0]!.layout.stageRole(identities[1]!.id, { zone: "dc1", capacity: 3e9, tags: [] })
      await expect(nodes[0]!.layout.apply(3)).rejects.toMatchObject({ status: 503 })
      await expect(nodes[0]!.layout.apply(3)).rejects.toMatchObject({ status: 503 })
      expect(current(nodes[0]!.layout.state.history)).toBe(2)
      nodes[1] = await start(1)
      expect((await nodes[0]!.layout.apply(3)).version).toBe(3)
    } finally {
      await Promise.all(nodes.map((n) => n.close().catch(() => {})))
    }
  }, 60_000)

  it("nodes that found each other before the first layout all become layout voters", async () => {
    const secret = randomBytes(32)
    const identities: NodeIdentity[] = [0, 1].map(() => generateIdentity())
    const ports = await Promise.all(identities.map(() => freePort()))
    // Only node 0 knows node 1; node 1 starts with no bootstrap peers at all.
    const nodes = await Promise.all(
      [0, 1].map((i) =>
        ClusterService.start({
          identity: identities[i]!,
          secret,
          bind: { host: "127.0.0.1", port: ports[i]! },
          publicAddr: undefined,
          bootstrap: i === 0 ? [{ id: identities[1]!.id, addr: `127.0.0.1:${ports[1]}` }] : [],
          replicationFactor: 1,
          pingIntervalMs: 100,
          downAfterMs: 600,
          dir: join(dir, `voters${i}`),
          log: () => {},
        }),
      ),
    )
    try {
      const both = identities.map((i) => i.id).sort()
      await until(() => nodes.every((n) => n.layout.layoutVoters.join() === both.join()), "both nodes to vote")
      nodes[1]!.layout.stageRole(identities[1]!.id, { zone: "z", capacity: 1e9, tags: [] })
      expect((await nodes[1]!.layout.apply()).version).toBe(1)
      await until(() => nodes.every((n) => current(n.layout.state.history) === 1), "version 1 on both")
    } finally {
      await Promise.all(nodes.map((n) => n.close()))
    }
  }, 30_000)
})
