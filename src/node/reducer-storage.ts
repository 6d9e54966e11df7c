// The disk of a reducer: its `Persist{key, record}` outputs in LMDB, under the machine's
// name. A step's records are written in one synchronous LMDB transaction, which is
// durable when it returns, so the host can let the step's messages leave right after.
import { open, type RootDatabase } from "lmdb"
import type { Persisted } from "../core/machine.ts"

export class ReducerStorage {
  private readonly db: RootDatabase<unknown, string>

  constructor(
    path: string,
    private readonly prefix: string,
  ) {
    this.db = open<unknown, string>({ path, compression: false })
  }

  /** Every record the reducer persisted, sorted by key (the `Recover` input). */
  load(): Array<Persisted<unknown>> {
    const start = `${this.prefix}/`
    const out: Array<Persisted<unknown>> = []
    for (const { key, value } of this.db.getRange({ start, end: `${this.prefix}0` })) {
      out.push({ key: key.slice(start.length), record: value })
    }
    return out
  }

  /** Writes the records and removes the forgotten keys durably (one transaction, synced before it returns). */
  persist(records: ReadonlyArray<Persisted<unknown>>, forgotten: ReadonlyArray<string> = []): void {
    if (records.length === 0 && forgotten.length === 0) return
    this.db.transactionSync(() => {
      for (const r of records) this.db.putSync(`${this.prefix}/${r.key}`, r.record)
      for (const key of forgotten) this.db.removeSync(`${this.prefix}/${key}`)
    })
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}
