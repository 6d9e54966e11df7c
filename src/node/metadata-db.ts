// The node's LMDB environment under <metadata_dir>, with one named database per table.
import { open, type Database, type RootDatabase } from "lmdb"

export interface MetadataDb {
  readonly root: RootDatabase
  readonly table: <V>(name: string) => Database<V, string>
  close(): Promise<void>
}

export const openMetadataDb = (path: string, fsync: boolean): MetadataDb => {
  // maxDbs: the clustered tables use three named databases each (src/node/table).
  const root = open({ path, compression: false, noSync: !fsync, maxDbs: 128 })
  const tables = new Map<string, Database<unknown, string>>()
  return {
    root,
    table: <V>(name: string) => {
      let db = tables.get(name)
      if (db === undefined) {
        db = root.openDB<unknown, string>({ name })
        tables.set(name, db)
      }
      return db as Database<V, string>
    },
    close: async () => {
      await root.flushed
      await root.close()
    },
  }
}
