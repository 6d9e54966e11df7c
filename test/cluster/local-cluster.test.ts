// `pollen start --nodes N` configurations: node i on the base ports + 10·i, node 0 in the
// base data directory, one shared RPC secret, and every other node as a bootstrap peer.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { localClusterConfigs } from "../../src/cli/commands/local-cluster.ts"
import { configFrom } from "../../src/node/config.ts"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"

const dir = mkdtempSync(join(tmpdir(), "pollen-local-cluster-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("pollen start --nodes N", () => {
  it("derives one configuration per node", async () => {
    const base = configFrom("test", { data_dir: dir }, dir)
    const configs = await localClusterConfigs(base, 3)
    expect(configs.map((c) => [c.s3.bindAddr, c.cluster.rpcBindAddr, c.admin.bindAddr])).toEqual([
      ["127.0.0.1:3900", "127.0.0.1:3901", "127.0.0.1:3903"],
      ["127.0.0.1:3910", "127.0.0.1:3911", "127.0.0.1:3913"],
      ["127.0.0.1:3920", "127.0.0.1:3921", "127.0.0.1:3923"],
    ])
    expect(configs.map((c) => c.dataDir)).toEqual([dir, join(dir, "node1"), join(dir, "node2")])
    const ids = configs.map((c) => loadOrCreateIdentity(c.metadataDir).id)
    expect(new Set(ids).size).toBe(3)
    expect(new Set(configs.map((c) => c.cluster.rpcSecret)).size).toBe(1)
    expect(configs[0]!.cluster.rpcSecret).toMatch(/^[0-9a-f]{64}$/)
    for (const [i, c] of configs.entries()) {
      expect(c.cluster.bootstrapPeers.map((p) => p.id).sort()).toEqual(ids.filter((_, j) => j !== i).sort())
      expect(c.cluster.replicationFactor).toBe(3)
    }
    // No [s3_web], no website endpoint; with one, node i serves websites on its port + 10·i.
    expect(configs.map((c) => c.web)).toEqual([undefined, undefined, undefined])
    const withWeb = await localClusterConfigs(configFrom("test", { data_dir: dir, s3_web: { root_domain: "web.test" } }, dir), 3)
    expect(withWeb.map((c) => [c.web?.bindAddr, c.web?.rootDomain])).toEqual([["127.0.0.1:3902", "web.test"], ["127.0.0.1:3912", "web.test"], ["127.0.0.1:3922", "web.test"]])
    // The same directories give the same node ids on the next start.
    expect((await localClusterConfigs(base, 3)).map((c) => c.cluster.bootstrapPeers[0]!.id)).toEqual(configs.map((c) => c.cluster.bootstrapPeers[0]!.id))
  })

  it("rejects malformed cluster settings with the field's name", () => {
    expect(() => configFrom("p.toml", { bootstrap_peers: ["nope"] }, dir)).toThrow(/p\.toml: field 'bootstrap_peers' entries must look like/)
    expect(() => configFrom("p.toml", { rpc_secret: "abc" }, dir)).toThrow(/field 'rpc_secret' must be 64 hex digits/)
    expect(() => configFrom("p.toml", { bootstrap_peers: "x" }, dir)).toThrow(/field 'bootstrap_peers' must be an array of strings/)
    expect(() => configFrom("p.toml", { replication_factor: 0 }, dir)).toThrow(/replication_factor/)
    expect(() => configFrom("p.toml", { ping_interval_msecs: 1000, node_down_after_msecs: 500 }, dir)).toThrow(/node_down_after_msecs/)
  })
})
