// Anti-entropy is push-based (each holder pushes what its peers lack), so a node that was
// down catches up only when the others sync. Rather than waiting for their periodic round:
// when a node sees a peer come up (including every peer just after its own start) it runs
// a round itself and asks that peer to run one too (`tables/sync-request`), which pushes
// the rows written while the two were apart. TableService coalesces concurrent requests.
import { Priority } from "./rpc/rpc-connection.ts"
import type { ClusterService } from "./cluster/cluster-service.ts"
import type { TableService } from "./table/table-service.ts"

export const SYNC_REQUEST_ENDPOINT = "tables/sync-request"

export const syncOnReconnect = (
  cluster: ClusterService,
  tables: TableService,
  log: (line: string) => void,
  onPeerUp: () => void = () => {},
  checkEveryMs = 500,
): (() => void) => {
  const round = (): void => {
    if (cluster.placement.currentVersion() === 0) return
    // A fresh round waits for a running one; calls made meanwhile share the next round.
    tables
      .syncAll({ fresh: true })
      .then((r) => r.failures > 0 && log(`tables: sync after a peer came up: ${r.failures} partition exchange(s) failed`))
      .catch((e: unknown) => log(`tables: sync after a peer came up failed: ${(e as Error).message}`))
  }
  cluster.rpc.handle(SYNC_REQUEST_ENDPOINT, async () => {
    round()
    return { accepted: true }
  })
  let up = new Set<string>()
  const timer = setInterval(() => {
    const now = new Set(cluster.peers().filter((p) => p.isUp).map((p) => p.id))
    const back = [...now].filter((id) => !up.has(id))
    up = now
    if (back.length === 0) return
    onPeerUp()
    round()
    for (const peer of back)
      cluster.rpc
        .call(peer, SYNC_REQUEST_ENDPOINT, null, { timeoutMs: 10_000, priority: Priority.normal })
        .catch((e: unknown) => log(`tables: sync request to ${peer.slice(0, 8)} failed: ${(e as Error).message}`))
  }, checkEveryMs)
  timer.unref()
  return () => clearInterval(timer)
}
