// Configurations of N Pollen nodes on 127.0.0.1 that bootstrap from each other (shared RPC
// secret, ids made ahead so each config can name its peers, fast pings, no fsync), for the
// tests that start real nodes with startNode in one process.
import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { configFrom, type Config } from "../../src/node/config.ts"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"
import { freePort } from "../support/net.ts"

export interface NodeConfigs {
  readonly ids: readonly string[]
  readonly configs: readonly Config[]
}

/** Node i keeps its data in `<dir>/n<i>`; `extra` adds or overrides top-level TOML fields. */
export const nodeConfigs = async (dir: string, n: number, extra: Record<string, unknown> = {}): Promise<NodeConfigs> => {
  const secret = randomBytes(32).toString("hex")
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()))
  const ids = ports.map((_, i) => {
    mkdirSync(join(dir, `n${i}`, "meta"), { recursive: true })
    return loadOrCreateIdentity(join(dir, `n${i}`, "meta")).id
  })
  const configs = ids.map((_, i) =>
    configFrom(
      "test",
      {
        data_dir: join(dir, `n${i}`),
        metadata_fsync: false,
        data_fsync: false,
        rpc_bind_addr: `127.0.0.1:${ports[i]}`,
        rpc_secret: secret,
        bootstrap_peers: ids.flatMap((id, j) => (j === i ? [] : [`${id}@127.0.0.1:${ports[j]}`])),
        replication_factor: 3,
        ping_interval_msecs: 200,
        node_down_after_msecs: 1500,
        s3_api: { api_bind_addr: "127.0.0.1:0" },
        admin: { api_bind_addr: "127.0.0.1:0", admin_token: "t" },
        ...extra,
      },
      join(dir, `n${i}`),
    ),
  )
  return { ids, configs }
}
