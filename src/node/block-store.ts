// Content-addressed block files under <data>/blocks/<aa>/<bb>/<sha256>: written to a
// temporary name, fsynced, then renamed, so a block file is either absent or complete.
import { createHash } from "node:crypto"
import { closeSync, createReadStream, existsSync, fsync, mkdirSync, openSync, renameSync, writeSync } from "node:fs"
import { promisify } from "node:util"
import { mkdir, opendir, readFile, rename, rm, unlink } from "node:fs/promises"
import { join } from "node:path"
import { randomHex } from "./random-hex.ts"

const fsyncAsync = promisify(fsync)

export class BlockStore {
  /** Block directories known to exist (at most 65,536): no mkdir per write. Nothing removes them. */
  private readonly madeDirs = new Set<string>()
  /** Per-block queue: a write and a removal of the same block never interleave. */
  private readonly locks = new Map<string, Promise<unknown>>()

  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
  ) {}

  pathOf(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash.slice(2, 4), hash)
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    // Leftover temporary files from an interrupted write are never referenced.
    await rm(join(this.dir, "tmp"), { recursive: true, force: true })
    await mkdir(join(this.dir, "tmp"), { recursive: true })
  }

  static hash(data: Uint8Array): string {
    return createHash("sha256").update(data).digest("hex")
  }

  private withLock<T>(hash: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(hash) ?? Promise.resolve()
    const next = previous.then(fn, fn)
    const settled = next.catch(() => undefined)
    this.locks.set(hash, settled)
    void settled.then(() => {
      if (this.locks.get(hash) === settled) this.locks.delete(hash)
    })
    return next
  }

  /** Stores a block unless a file with its hash already exists (deduplication). */
  write(hash: string, data: Uint8Array): Promise<void> {
    return this.withLock(hash, () => this.writeUnlocked(hash, data))
  }

  /**
   * Metadata calls and the copy into the page cache are synchronous; only the fsyncs go to
   * the thread pool. Each asynchronous fs call is a hand-off to a pool thread and back, which
   * cost more main-thread CPU (about 0.2 ms here, on a VM) than the call itself: the fully
   * asynchronous version made ~9 of them per block, this one 2 with data_fsync and 0 without.
   */
  private async writeUnlocked(hash: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(hash)
    if (existsSync(path)) return
    const tmp = join(this.dir, "tmp", `${hash}.${randomHex(6)}`)
    const fd = openSync(tmp, "w")
    try {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at)
      if (this.fsync) await fsyncAsync(fd)
    } finally {
      closeSync(fd)
    }
    const dir = join(this.dir, hash.slice(0, 2), hash.slice(2, 4))
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true })
      this.madeDirs.add(dir)
    }
    try {
      renameSync(tmp, path)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
      mkdirSync(dir, { recursive: true }) // removed behind our back: make it again
      renameSync(tmp, path)
    }
    if (this.fsync) {
      // The rename is durable only once the directory entry is (as Garage does with data_fsync).
      const d = openSync(dir, "r")
      try {
        await fsyncAsync(d)
      } finally {
        closeSync(d)
      }
    }
  }

  /** Bytes [start, end) of a block. */
  read(hash: string, start: number, end: number): AsyncIterable<Buffer> {
    return createReadStream(this.pathOf(hash), { start, end: end - 1, highWaterMark: 256 * 1024 })
  }

  /** Whether a file for this block is on disk (its content is not checked). */
  has(hash: string): Promise<boolean> {
    return Promise.resolve(existsSync(this.pathOf(hash)))
  }

  /** The whole block file, or undefined if there is none. */
  async readAll(hash: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(hash))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
      throw e
    }
  }

  /** The hashes of the block files on disk, directory by directory. */
  async *list(): AsyncIterable<string> {
    for (const a of await subdirs(this.dir)) {
      for (const b of await subdirs(join(this.dir, a))) {
        for (const name of await subdirs(join(this.dir, a, b), false)) {
          if (/^[0-9a-f]{64}$/.test(name) && name.startsWith(a + b)) yield name
        }
      }
    }
  }

  /** Moves a block file aside to <dir>/corrupted/<hash>.<time> (kept for inspection, never read again). */
  quarantine(hash: string): Promise<string | undefined> {
    return this.withLock(hash, async () => {
      await mkdir(join(this.dir, "corrupted"), { recursive: true })
      const target = join(this.dir, "corrupted", `${hash}.${Date.now()}`)
      try {
        await rename(this.pathOf(hash), target)
        return target
      } catch {
        return undefined
      }
    })
  }

  /** Removes a block if `stillUnused()` holds once no write of it is in progress. */
  removeIf(hash: string, stillUnused: () => boolean): Promise<boolean> {
    return this.withLock(hash, async () => {
      if (!stillUnused()) return false
      await unlink(this.pathOf(hash)).catch(() => undefined)
      return true
    })
  }
}

/** Names in a directory: two-hex-digit subdirectories, or (dirs = false) the files. */
const subdirs = async (dir: string, dirs = true): Promise<string[]> => {
  const out: string[] = []
  try {
    for await (const e of await opendir(dir)) {
      if (dirs ? e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name) : e.isFile()) out.push(e.name)
    }
  } catch {
    // A directory removed while listing holds no blocks.
  }
  return out.sort()
}
