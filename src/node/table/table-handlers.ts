// The table RPC endpoints a node serves: every request is decoded with its Schema before
// use (peer input is untrusted), and names a table this node knows.
import { Schema } from "effect"
import {
  compareSortKeys,
  DeleteIfEqualReq,
  Endpoint,
  MerkleReq,
  RangeReq,
  ReadReq,
  RootsReq,
  UpdateReq,
} from "../../core/table/index.ts"
import type { TableStore } from "./table-store.ts"

type Handler = (payload: unknown) => Promise<unknown>

/** Row bytes one range answer carries at most (the frame limit is 16 MiB by default). */
export const MAX_RANGE_BYTES = 4 << 20

/** How many of the sorted rows fit in MAX_RANGE_BYTES, never splitting one sort key (at least one key). */
const byteCut = (rows: ReadonlyArray<{ readonly sortKey: string; readonly row: Uint8Array }>): number => {
  let bytes = 0
  for (let i = 0; i < rows.length; i++) {
    bytes += rows[i]!.row.length
    if (bytes > MAX_RANGE_BYTES && i > 0 && rows[i]!.sortKey !== rows[i - 1]!.sortKey) return i
  }
  return rows.length
}

const decoder = <A>(schema: Schema.Codec<A, unknown>, what: string) => {
  const decode = Schema.decodeUnknownExit(schema)
  return (payload: unknown): A => {
    const exit = decode(payload)
    if (exit._tag === "Failure") throw new Error(`malformed ${what} request: ${String(exit.cause).slice(0, 300)}`)
    return exit.value
  }
}

export const tableHandlers = (storeOf: (name: string) => TableStore<unknown>): ReadonlyMap<string, Handler> => {
  const update = decoder(UpdateReq, Endpoint.update)
  const read = decoder(ReadReq, Endpoint.read)
  const range = decoder(RangeReq, Endpoint.range)
  const roots = decoder(RootsReq, Endpoint.roots)
  const merkle = decoder(MerkleReq, Endpoint.merkle)
  const deleteIfEqual = decoder(DeleteIfEqualReq, Endpoint.deleteIfEqual)
  return new Map<string, Handler>([
    [
      Endpoint.update,
      async (payload) => {
        const req = update(payload)
        return { changed: await storeOf(req.table).mergeEncoded(req.rows) }
      },
    ],
    [
      Endpoint.read,
      async (payload) => {
        const req = read(payload)
        // The stored bytes are the row's canonical encoding: sent as they are.
        return { row: storeOf(req.table).getEncoded(req.pk, req.sk) ?? null }
      },
    ],
    [
      Endpoint.range,
      async (payload) => {
        const req = range(payload)
        const store = storeOf(req.table)
        let complete = true
        const rows = req.partitions.flatMap((p) => {
          const part = store.range(p, req.pk, req.start, req.end ?? undefined, req.limit)
          if (part.length >= req.limit) complete = false
          return part.map((r) => ({ partition: p, sortKey: r.sortKey, row: r.row }))
        })
        rows.sort((x, y) => compareSortKeys(x.sortKey, y.sortKey) || x.partition - y.partition)
        if (rows.length > req.limit) complete = false
        const answer = rows.slice(0, req.limit)
        // Large rows (inline objects up to 64 KiB) could make `limit` rows exceed the RPC
        // frame: the answer stops after MAX_RANGE_BYTES, between two sort keys, and says it is
        // not complete — exact up to its last row, which is all the coordinator assumes.
        const cut = byteCut(answer)
        return cut < answer.length ? { rows: answer.slice(0, cut), complete: false } : { rows: answer, complete }
      },
    ],
    [
      Endpoint.roots,
      async (payload) => {
        const req = roots(payload)
        const store = storeOf(req.table)
        return { roots: req.partitions.map((p) => store.rootHash(p)) }
      },
    ],
    [
      Endpoint.merkle,
      async (payload) => {
        const req = merkle(payload)
        return { node: storeOf(req.table).merkleNode(req.partition, req.prefix) ?? null }
      },
    ],
    [
      Endpoint.deleteIfEqual,
      async (payload) => {
        const req = deleteIfEqual(payload)
        return { deleted: await storeOf(req.table).deleteIfEqual(req.items) }
      },
    ],
  ])
}
