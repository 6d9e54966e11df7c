// A node process killed with SIGKILL in the middle of a write burst loses no acknowledged
// write: every write it acknowledged is on a write quorum of disks (its own included,
// whose LMDB transactions must have committed before the ack), and reads through the
// other two nodes after its restart find every one.
import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { createInterface } from "node:readline"
import { afterEach, describe, expect, it } from "vitest"
import { fixedPlacement } from "../../src/node/cluster/interfaces.ts"
import { loadOrCreateIdentity } from "../../src/node/identity.ts"
import type { PeerAddress } from "../../src/node/table/static-cluster-rpc.ts"
import { newNodeDir, startTableNode, type TableNode } from "./cluster-helpers.ts"
import { testTable, type TestEntry } from "./test-tables.ts"

const P = 16
const running: TableNode[] = []
const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL")
  await Promise.all(running.splice(0).map((n) => n.stop()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe("SIGKILL during a write burst", () => {
  it("loses no acknowledged write", async () => {
    const secret = randomBytes(32)
    const nodeDirs = [newNodeDir(), newNodeDir(), newNodeDir()]
    dirs.push(...nodeDirs)
    const ids = nodeDirs.map((d) => loadOrCreateIdentity(d).id)
    const placement = fixedPlacement(ids, 3, P)
    const addresses = new Map<string, PeerAddress>()
    const schemas = [testTable("test")]
    const start = async (i: number) => {
      const n = await startTableNode({ dir: nodeDirs[i]!, secret, placement, addresses, schemas })
      running.push(n)
      return n
    }
    const a = await start(0)
    const b = await start(1)

    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./fixtures/burst-node.ts", import.meta.url))], {
      env: {
        ...process.env,
        POLLEN_DIR: nodeDirs[2]!,
        POLLEN_SECRET: secret.toString("hex"),
        POLLEN_IDS: JSON.stringify(ids),
        POLLEN_PEERS: JSON.stringify(Object.fromEntries(addresses)),
        POLLEN_PARTITIONS: String(P),
        POLLEN_WRITERS: "8",
      },
      stdio: ["pipe", "pipe", "inherit"],
    })
    children.push(child)
    const acked: string[] = []
    let failed = 0
    const target = 300
    const killed = new Promise<void>((resolve, reject) => {
      child.once("exit", () => resolve())
      child.once("error", reject)
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const [word, arg] = line.split(" ")
        if (word === "ready") {
          addresses.set(ids[2]!, { host: "127.0.0.1", port: Number(arg) })
          child.stdin!.write("go\n")
        } else if (word === "acked") {
          acked.push(arg!)
          if (acked.length === target) child.kill("SIGKILL")
        } else if (word === "failed") failed++
      })
    })
    await killed
    expect(child.signalCode).toBe("SIGKILL")
    expect(acked.length).toBeGreaterThanOrEqual(target)

    // The killed node's disk opens again, and every acknowledged write is on >= 2 disks.
    const c = await start(2)
    const stores = [a, b, c].map((n) => n.service.table<TestEntry>("test")!.store)
    const onDisks = (k: string) => stores.filter((s) => s.get(`pk-${k}`, k)?.reg.value === `v-${k}`).length
    const short = acked.filter((k) => onDisks(k) < 2)
    expect(short).toEqual([])
    // Reads through the two other nodes (a stopped) find every acknowledged write.
    running.splice(running.indexOf(a), 1)
    await a.stop()
    const viaB = b.service.table<TestEntry>("test")!
    const missing: string[] = []
    for (const k of acked) if ((await viaB.get(`pk-${k}`, k))?.reg.value !== `v-${k}`) missing.push(k)
    expect(missing).toEqual([])
    expect(failed).toBe(0)
  })
})
