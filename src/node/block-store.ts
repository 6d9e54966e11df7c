// Content-addressed block files under <data>/blocks/<aa>/<bb>/<sha256>: written to a
// temporary name, fsynced, then renamed, so a block file is either absent or complete.
import { createHash, randomBytes } from "node:crypto"
import { createReadStream } from "node:fs"
import { mkdir, open, rename, rm, stat, unlink } from "node:fs/promises"
import { join } from "node:path"

export class BlockStore {
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

  /** Stores a block unless a file with its hash already exists (deduplication). */
  async write(hash: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(hash)
    if (await exists(path)) return
    const tmp = join(this.dir, "tmp", `${hash}.${randomBytes(6).toString("hex")}`)
    const fh = await open(tmp, "w")
    try {
      await fh.writeFile(data)
      if (this.fsync) await fh.sync()
    } finally {
      await fh.close()
    }
    await mkdir(join(this.dir, hash.slice(0, 2), hash.slice(2, 4)), { recursive: true })
    await rename(tmp, path)
  }

  /** Bytes [start, end) of a block. */
  read(hash: string, start: number, end: number): AsyncIterable<Buffer> {
    return createReadStream(this.pathOf(hash), { start, end: end - 1, highWaterMark: 256 * 1024 })
  }

  async remove(hash: string): Promise<void> {
    await unlink(this.pathOf(hash)).catch(() => undefined)
  }
}

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
