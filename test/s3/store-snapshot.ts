// A comparable picture of everything a node stores: buckets (names, CORS, tags, lifecycle rules, website), every object's
// metadata (tags included) and a SHA-256 of its bytes read back through the store, open uploads and parts.
// Fuzz tests take one before and after and require them equal.
import { createHash } from "node:crypto"
import type { ObjectStore } from "../../src/node/object-store.ts"

export const storeSnapshot = async (store: ObjectStore, bucketNames: readonly string[]): Promise<unknown> => {
  const out: Record<string, unknown> = {}
  for (const name of bucketNames) {
    const bucket = await store.bucketByName(name)
    if (bucket === undefined) {
      out[name] = "missing"
      continue
    }
    const objects: unknown[] = []
    for await (const meta of store.listObjects(bucket.id, { prefix: "" })) {
      const h = createHash("sha256")
      for await (const chunk of store.readData(meta.data, 0, meta.size)) h.update(chunk)
      const { data: _data, ...rest } = meta
      objects.push({ ...rest, sha256: h.digest("hex") })
    }
    const uploads: unknown[] = []
    for (const u of await store.listUploads(bucket.id))
      uploads.push({ ...u, parts: (await store.listParts(u.uploadId)).map(({ data: _d, ...p }) => p) })
    out[name] = { id: bucket.id, aliases: bucket.aliases, cors: bucket.cors, tags: bucket.tags, lifecycle: bucket.lifecycle, website: bucket.website, objects, uploads }
  }
  return out
}
