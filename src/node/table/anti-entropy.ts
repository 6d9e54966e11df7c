// Anti-entropy for one table (Garage's table/sync.rs): each holder of a partition pushes
// to the other holders what they lack, found by comparing Merkle tries top-down; and a
// node that no longer holds a partition offloads its rows to the holders, then deletes
// them with compare-and-delete. Because the trie is written in the row's transaction, a
// sync that starts after a write was acknowledged here always sees that write.
import { Schema } from "effect"
import type { NodeId } from "../../core/machine.ts"
import {
  compareNodes,
  DeleteIfEqualRes,
  Endpoint,
  equalBytes,
  MerkleRes,
  RootsRes,
  unionOfSets,
  UpdateRes,
  valueHash,
} from "../../core/table/index.ts"
import { rowBatches } from "./row-batches.ts"
import type { Table, TableNet } from "./table.ts"

const decodeRoots = Schema.decodeUnknownSync(RootsRes)
const decodeMerkle = Schema.decodeUnknownSync(MerkleRes)
const decodeUpdate = Schema.decodeUnknownSync(UpdateRes)
const decodeDelete = Schema.decodeUnknownSync(DeleteIfEqualRes)

const PARALLEL_PARTITIONS = 8

export interface SyncReport {
  /** Partitions compared with at least one peer. */
  partitions: number
  /** Rows pushed to peers. */
  rowsSent: number
  /** Partitions offloaded and deleted here. */
  offloaded: number
  /** Peer exchanges that failed (retried at the next round). */
  failures: number
}

const pushRows = async (net: TableNet, table: Table<unknown>, to: NodeId, rows: Uint8Array[]): Promise<void> => {
  for (const batch of rowBatches(rows)) decodeUpdate(await net.call(to, Endpoint.update, { table: table.name, rows: batch }))
}

/** Pushes to `peer` every row of partition p it lacks or holds with other bytes. */
const pushPartition = async (net: TableNet, table: Table<unknown>, peer: NodeId, p: number): Promise<number> => {
  const store = table.store
  const toSend: Uint8Array[] = []
  let frontier: Uint8Array[] = [new Uint8Array(0)]
  while (frontier.length > 0) {
    const next: Uint8Array[] = []
    for (const prefix of frontier) {
      const theirs = decodeMerkle(await net.call(peer, Endpoint.merkle, { table: table.name, partition: p, prefix })).node
      const step = compareNodes(prefix, store.merkleNode(p, prefix), theirs ?? undefined)
      for (const s of step.send) {
        for (const leaf of store.leavesUnder(p, s)) {
          const row = store.getBytes(leaf.key)
          if (row !== undefined) toSend.push(row)
        }
      }
      next.push(...step.descend)
    }
    frontier = next
  }
  await pushRows(net, table, peer, toSend)
  return toSend.length
}

export const syncTable = async (net: TableNet, table: Table<unknown>, partitionCount: number): Promise<SyncReport> => {
  const report: SyncReport = { partitions: 0, rowsSent: 0, offloaded: 0, failures: 0 }
  const store = table.store
  // Push: the partitions this node holds, grouped by peer, roots compared in one call.
  const perPeer = new Map<NodeId, number[]>()
  for (let p = 0; p < partitionCount; p++) {
    const holders = unionOfSets(table.writeSets(p))
    if (!holders.includes(net.self)) continue
    if (!store.hasRows(p)) continue // nothing to push
    for (const peer of holders) if (peer !== net.self) perPeer.set(peer, [...(perPeer.get(peer) ?? []), p])
  }
  await Promise.all(
    [...perPeer].map(async ([peer, partitions]) => {
      try {
        const { roots } = decodeRoots(await net.call(peer, Endpoint.roots, { table: table.name, partitions }))
        report.partitions += partitions.length
        const differing = partitions.filter((p, i) => roots[i] === undefined || !equalBytes(roots[i]!, store.rootHash(p)))
        // A few partitions at a time: each walk is a chain of round trips.
        let next = 0
        await Promise.all(
          Array.from({ length: Math.min(PARALLEL_PARTITIONS, differing.length) }, async () => {
            while (next < differing.length) {
              const sent = await pushPartition(net, table, peer, differing[next++]!)
              report.rowsSent += sent // not `+= await`: that would read rowsSent before the await
            }
          }),
        )
      } catch {
        report.failures++
      }
    }),
  )
  // Offload: partitions with rows here that this node no longer holds.
  for (const p of store.partitionsWithRows()) {
    const holders = unionOfSets(table.writeSets(p))
    if (holders.includes(net.self) || holders.length === 0) continue
    try {
      const rows = [...store.partitionRows(p)]
      const all = rows.map((r) => r.row)
      // Every holder must have the rows before they go from here.
      await Promise.all(holders.map((h) => pushRows(net, table, h, all)))
      await store.deleteIfEqual(rows.map((r) => ({ key: r.key, hash: valueHash(r.row) })))
      report.rowsSent += all.length * holders.length
      report.offloaded++
    } catch {
      report.failures++
    }
  }
  return report
}

/**
 * Tombstone GC (Garage's table/gc.rs): a tombstone older than `delayMs` is pushed to every
 * holder of every active version (all must acknowledge), then each deletes it only if its
 * row still has the tombstone's bytes (a newer write survives and flows back), then this
 * node does the same. Only the first holder of a partition drives its GC.
 */
export const collectTombstones = async (
  net: TableNet,
  table: Table<unknown>,
  now: number,
  delayMs: number,
): Promise<{ collected: number; failures: number }> => {
  const store = table.store
  const groups = new Map<string, { holders: NodeId[]; items: Array<{ key: Uint8Array; hash: Uint8Array; row: Uint8Array }> }>()
  for (const todo of store.gcTodos()) {
    if (todo.at + delayMs > now) continue
    const row = store.getBytes(todo.key)
    if (row === undefined || !equalBytes(valueHash(row), todo.hash)) {
      await store.dropGcTodo(todo)
      continue
    }
    const p = (todo.key[0]! << 8) | todo.key[1]!
    const holders = unionOfSets(table.writeSets(p))
    if (holders[0] !== net.self) continue
    const id = holders.join(",")
    const g = groups.get(id) ?? { holders, items: [] }
    g.items.push({ key: todo.key, hash: todo.hash, row })
    groups.set(id, g)
  }
  let collected = 0
  let failures = 0
  for (const { holders, items } of groups.values()) {
    const peers = holders.filter((h) => h !== net.self)
    try {
      await Promise.all(peers.map((h) => pushRows(net, table, h, items.map((i) => i.row))))
      const cad = { table: table.name, items: items.map(({ key, hash }) => ({ key, hash })) }
      await Promise.all(peers.map(async (h) => decodeDelete(await net.call(h, Endpoint.deleteIfEqual, cad))))
      collected += await store.deleteIfEqual(cad.items)
    } catch {
      failures++
    }
  }
  return { collected, failures }
}
