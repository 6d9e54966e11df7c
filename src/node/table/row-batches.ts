// Rows sent to a peer in one request: at most `maxRows` and, after the first row, at most
// `maxBytes` of row bytes, so a batch of large rows (inline objects up to 64 KiB) stays well
// under the RPC frame limit (16 MiB by default).
export const ROWS_PER_BATCH = 256
export const BYTES_PER_BATCH = 4 << 20

export function* rowBatches(rows: ReadonlyArray<Uint8Array>, maxRows = ROWS_PER_BATCH, maxBytes = BYTES_PER_BATCH): Generator<Uint8Array[]> {
  let batch: Uint8Array[] = []
  let bytes = 0
  for (const row of rows) {
    if (batch.length > 0 && (batch.length >= maxRows || bytes + row.length > maxBytes)) {
      yield batch
      batch = []
      bytes = 0
    }
    batch.push(row)
    bytes += row.length
  }
  if (batch.length > 0) yield batch
}
