// A reducer's disk in LMDB: a step's Persist and Forget outputs land in one durable write,
// and what was forgotten is not handed back by the next Recover.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ReducerStorage } from "../../src/node/reducer-storage.ts"

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("reducer storage", () => {
  it("removes forgotten records and keeps the others across a reopen, per machine prefix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pollen-reducer-disk-"))
    dirs.push(dir)
    let disk = new ReducerStorage(dir, "names")
    const other = new ReducerStorage(dir, "layout")
    disk.persist([
      { key: "intent/r1", record: { n: 1 } },
      { key: "intent/r2", record: { n: 2 } },
      { key: "round", record: { n: 3 } },
    ])
    other.persist([{ key: "intent/r1", record: "elsewhere" }])
    disk.persist([{ key: "intent/r3", record: { n: 4 } }], ["intent/r1", "intent/absent"])
    await disk.close()
    await other.close()
    disk = new ReducerStorage(dir, "names")
    expect(disk.load().map((p) => p.key)).toEqual(["intent/r2", "intent/r3", "round"])
    expect(new ReducerStorage(dir, "layout").load()).toEqual([{ key: "intent/r1", record: "elsewhere" }])
    await disk.close()
  })
})
