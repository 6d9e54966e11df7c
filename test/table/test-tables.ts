// A small CRDT table for tests: an LWW register per (pk, sk), a tombstone being an LWW
// write of null. Optional cascade: writing a value "cascade:<x>" queues an insert of row
// (pk="cascaded", sk=x) into table "test2".
import { Schema } from "effect"
import { mergeLww, type Lww } from "../../src/core/crdt/index.ts"
import { defineTable, type ShardBy, type TableSchema } from "../../src/core/table/index.ts"

const Hlc = Schema.Struct({ l: Schema.Int, c: Schema.Int })
export const TestEntry = Schema.Struct({
  pk: Schema.String,
  sk: Schema.String,
  reg: Schema.Struct({ ts: Hlc, value: Schema.NullOr(Schema.String) }),
})
export type TestEntry = typeof TestEntry.Type

export const testEntry = (pk: string, sk: string, l: number, value: string | null, c = 0): TestEntry => ({
  pk,
  sk,
  reg: { ts: { l, c }, value },
})

export const testTable = (name = "test", shardBy: ShardBy = "partitionKey"): TableSchema<TestEntry> =>
  defineTable({
    name,
    replication: "sharded",
    shardBy,
    entry: TestEntry,
    partitionKey: (e) => e.pk,
    sortKey: (e) => e.sk,
    merge: (a, b) => {
      const reg = mergeLww(a.reg as Lww<string | null>, b.reg as Lww<string | null>)
      return reg === a.reg ? a : reg === b.reg ? b : { ...a, reg }
    },
    isTombstone: (e) => e.reg.value === null,
    cascade: (old, next) =>
      next.reg.value?.startsWith("cascade:") && old?.reg.value !== next.reg.value
        ? [{ table: "test2", entry: testEntry("cascaded", next.reg.value.slice(8), next.reg.ts.l, next.pk) }]
        : [],
  })
