// The Pollen table declarations: their merges are join-semilattices (on normalised rows),
// rows round-trip through their Schemas, and deleting an object version cascades
// through the insert queue to version and block-reference rows.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { open } from "lmdb"
import { afterAll, describe, expect, it } from "vitest"
import { packCanonical, rowCodec, toHex } from "../../src/core/table/index.ts"
import { cancelingSome, cancelingUnset, lww } from "../../src/core/crdt/index.ts"
import {
  blockKey,
  bucketTable,
  currentVersion,
  mergeObjectRow,
  multipartUploadTable,
  objectTable,
  partKey,
  pollenTables,
  versionTable,
  type BucketParams,
  type BucketRow,
  type LifecycleRule,
  type WebsiteConfigRow,
  type MultipartUploadRow,
  type UploadInfo,
  type ObjectRow,
  type ObjectVersion,
  type VersionRow,
} from "../../src/core/table/pollen/index.ts"
import { InsertQueue } from "../../src/node/table/insert-queue-store.ts"
import { TableStore } from "../../src/node/table/table-store.ts"
import { checkSemilatticeLaws } from "../crdt/laws.ts"

const bytesEq = <T>(a: T, b: T) => toHex(packCanonical(a)) === toHex(packCanonical(b))

const meta = { size: 3, etag: '"e"', contentType: "text/plain", headers: {}, userMeta: {}, checksum: null, partSizes: null }
// A version's tags, rewritten in place by PutObjectTagging: none, or a set stamped 1 or 2.
const metaArb = fc.constantFrom<typeof meta & { tags?: { ts: { l: number; c: number }; value: { key: string; value: string }[] } }>(
  meta,
  { ...meta, tags: { ts: { l: 1, c: 0 }, value: [{ key: "a", value: "1" }] } },
  { ...meta, tags: { ts: { l: 1, c: 0 }, value: [{ key: "a", value: "2" }] } },
  { ...meta, tags: { ts: { l: 2, c: 0 }, value: [] } },
)
const stateArb: fc.Arbitrary<ObjectVersion["state"]> = fc.oneof(
  fc.boolean().map((multipart) => ({ _tag: "Uploading" as const, multipart })),
  fc.constant({ _tag: "Complete" as const, data: { _tag: "DeleteMarker" as const } }),
  fc.tuple(fc.constantFrom(1, 2), metaArb).map(([b, meta]) => ({ _tag: "Complete" as const, data: { _tag: "Inline" as const, meta, bytes: new Uint8Array([b]) } })),
  metaArb.map((meta) => ({ _tag: "Complete" as const, data: { _tag: "Blocks" as const, meta } })),
  fc.constant({ _tag: "Aborted" as const }),
)
// A version's uuid fixes its timestamp, as a correct writer does.
const versionArb: fc.Arbitrary<ObjectVersion> = fc
  .tuple(fc.integer({ min: 0, max: 4 }), stateArb)
  .map(([i, state]) => ({ uuid: `u${i}`, ts: { l: i % 3, c: 0 }, state }))
const emptyObject: ObjectRow = { bucketId: "b", key: "k", versions: [] }
const objectArb = fc
  .uniqueArray(versionArb, { selector: (v) => v.uuid, maxLength: 4 })
  .map((versions) => mergeObjectRow(emptyObject, { ...emptyObject, versions }))

const versionRowArb: fc.Arbitrary<VersionRow> = fc
  .tuple(fc.boolean(), fc.dictionary(fc.constantFrom(blockKey(1, 0), blockKey(1, 100), blockKey(2, 0)), fc.constantFrom("h1", "h2").map((hash) => ({ hash, size: 1 })), { maxKeys: 3 }))
  .map(([deleted, blocks]) => ({ id: "v", deleted, blocks: deleted ? {} : Object.fromEntries(Object.entries(blocks).sort(([x], [y]) => (x < y ? -1 : 1))), backlink: { _tag: "Upload" as const, uploadId: "u" } }))

const uploadArb: fc.Arbitrary<MultipartUploadRow> = fc
  .tuple(
    fc.boolean(),
    fc.dictionary(
      fc.constantFrom(partKey(1, 5), partKey(2, 5)),
      fc.record({ versionId: fc.constantFrom("v1", "v2"), etag: fc.constantFrom(null, "a", "b"), size: fc.constantFrom(null, 1), checksum: fc.constant(null) }),
      { maxKeys: 2 },
    ),
    fc.constantFrom<UploadInfo | null>(null, { initiated: 1, contentType: "a", headers: {}, userMeta: {}, checksumAlgorithm: null }, { initiated: 2, contentType: "b", headers: { x: "y" }, userMeta: {}, checksumAlgorithm: "CRC32" }),
  )
  .map(([deleted, parts, info]) => ({ id: "m", bucketId: "b", key: "k", deleted, info, parts: deleted ? {} : Object.fromEntries(Object.entries(parts).sort(([x], [y]) => (x < y ? -1 : 1))) }))

const objectLeq = (a: ObjectRow, b: ObjectRow) => bytesEq(mergeObjectRow(a, b), b)

describe("Pollen tables", () => {
  checkSemilatticeLaws("object row", objectArb, objectTable.merge, objectLeq, bytesEq)
  checkSemilatticeLaws("version row", versionRowArb, versionTable.merge, (a, b) => bytesEq(versionTable.merge(a, b), b), bytesEq)
  checkSemilatticeLaws("multipart upload row", uploadArb, multipartUploadTable.merge, (a, b) => bytesEq(multipartUploadTable.merge(a, b), b), bytesEq)

  it("object rows round-trip through their Schema and keep only what follows the last Complete", () => {
    const codec = rowCodec(objectTable)
    fc.assert(
      fc.property(objectArb, (row) => {
        const back = codec.decode(codec.encode(row))
        expect(back.ok && bytesEq(back.value, row)).toBe(true)
        const firstComplete = row.versions.findIndex((v) => v.state._tag === "Complete")
        expect(row.versions.filter((v) => v.state._tag === "Complete").length).toBeLessThanOrEqual(1)
        if (firstComplete >= 0) expect(firstComplete).toBe(0)
      }),
    )
  })

  it("keeps the newer tags of a version whatever the order, and never lets a tag change revive a replaced version", () => {
    const tagged = (uuid: string, l: number, tags: { ts: { l: number; c: number }; value: { key: string; value: string }[] } | undefined): ObjectVersion => ({
      uuid, ts: { l, c: 0 }, state: { _tag: "Complete", data: { _tag: "Blocks", meta: tags === undefined ? meta : { ...meta, tags } } },
    })
    const row = (...versions: ObjectVersion[]): ObjectRow => ({ bucketId: "b", key: "k", versions })
    const tagsOf = (r: ObjectRow) => {
      const s = currentVersion(r)?.state
      return s?._tag === "Complete" && s.data._tag === "Blocks" ? [currentVersion(r)!.uuid, s.data.meta.tags?.value] : undefined
    }
    const untagged = row(tagged("v1", 1, undefined))
    // The older set has the larger counter: an order of the encodings (which put c before l) would keep it.
    const first = row(tagged("v1", 1, { ts: { l: 5, c: 1 }, value: [{ key: "a", value: "1" }] }))
    const second = row(tagged("v1", 1, { ts: { l: 6, c: 0 }, value: [] }))
    for (const [x, y, z] of [[untagged, first, second], [second, first, untagged], [first, second, untagged], [second, untagged, first]] as const)
      expect(tagsOf(objectTable.merge(objectTable.merge(x, y), z))).toEqual(["v1", []])
    // A newer version of the key (an overwrite through another node) wins over a tag change of the old one.
    const overwrite = row(tagged("v2", 2, undefined))
    expect(tagsOf(objectTable.merge(overwrite, first))).toEqual(["v2", undefined])
    expect(tagsOf(objectTable.merge(first, overwrite))).toEqual(["v2", undefined])
  })

  it("keeps a bucket's newer lifecycle rules whatever the order; rows without the field merge below them", () => {
    const rule = (days: number): LifecycleRule => ({
      id: "r", enabled: true, filterForm: "filter", prefix: "logs/", sizeGreaterThan: null, sizeLessThan: null,
      expirationDays: days, expirationDate: null, abortIncompleteUploadDays: null,
    })
    const params = { createdAt: 1, authorizedKeys: {}, aliases: {}, localAliases: {}, cors: lww({ l: 1, c: 0 }, cancelingUnset), quotas: lww({ l: 1, c: 0 }, { maxSize: null, maxObjects: null }) }
    const row = (lifecycle?: NonNullable<BucketParams["lifecycle"]>): BucketRow =>
      ({ id: "b", state: { _tag: "Present", value: lifecycle === undefined ? params : { ...params, lifecycle } } })
    const lifecycleOf = (r: BucketRow) => (r.state._tag === "Present" ? r.state.value.lifecycle : "deleted")
    const none = row()
    const put = row(lww({ l: 2, c: 0 }, cancelingSome([rule(30)])))
    const replaced = row(lww({ l: 3, c: 0 }, cancelingSome([rule(7)])))
    const removed = row(lww({ l: 4, c: 0 }, cancelingUnset))
    expect(lifecycleOf(bucketTable.merge(none, put))).toEqual(lifecycleOf(put))
    expect(lifecycleOf(bucketTable.merge(put, none))).toEqual(lifecycleOf(put))
    for (const [x, y, z] of [[none, put, replaced], [replaced, put, none], [put, replaced, none], [replaced, none, put]] as const)
      expect(lifecycleOf(bucketTable.merge(bucketTable.merge(x, y), z))).toEqual(lifecycleOf(replaced))
    expect(lifecycleOf(bucketTable.merge(removed, bucketTable.merge(replaced, put)))).toEqual(lifecycleOf(removed))
    // Rows with and without the field round-trip through the row codec.
    const codec = rowCodec(bucketTable)
    for (const r of [none, put, removed]) {
      const back = codec.decode(codec.encode(r))
      expect(back.ok && bytesEq(back.value, r)).toBe(true)
    }
  })

  it("keeps a bucket's newer website configuration whatever the order; rows without the field merge below it", () => {
    const config = (suffix: string): WebsiteConfigRow => ({ indexSuffix: suffix, errorKey: "error.html", redirectHost: null, redirectProtocol: null })
    const params = { createdAt: 1, authorizedKeys: {}, aliases: {}, localAliases: {}, cors: lww({ l: 1, c: 0 }, cancelingUnset), quotas: lww({ l: 1, c: 0 }, { maxSize: null, maxObjects: null }) }
    const row = (website?: NonNullable<BucketParams["website"]>): BucketRow =>
      ({ id: "b", state: { _tag: "Present", value: website === undefined ? params : { ...params, website } } })
    const websiteOf = (r: BucketRow) => (r.state._tag === "Present" ? r.state.value.website : "deleted")
    const none = row()
    const put = row(lww({ l: 2, c: 0 }, cancelingSome(config("index.html"))))
    const routed = { keyPrefixEquals: "docs/", httpErrorCodeReturnedEquals: 404, hostName: null, protocol: null, replaceKeyPrefixWith: "documents/", replaceKeyWith: null, httpRedirectCode: 302 }
    const replaced = row(lww({ l: 3, c: 0 }, cancelingSome({ indexSuffix: "i.html", errorKey: null, redirectHost: null, redirectProtocol: null, routingRules: [routed] })))
    const removed = row(lww({ l: 4, c: 0 }, cancelingUnset))
    expect(websiteOf(bucketTable.merge(none, put))).toEqual(websiteOf(put))
    expect(websiteOf(bucketTable.merge(put, none))).toEqual(websiteOf(put))
    for (const [x, y, z] of [[none, put, replaced], [replaced, put, none], [put, replaced, none], [replaced, none, put]] as const)
      expect(websiteOf(bucketTable.merge(bucketTable.merge(x, y), z))).toEqual(websiteOf(replaced))
    // routing rules survive the row's encoding
    const back = rowCodec(bucketTable).decode(rowCodec(bucketTable).encode(replaced))
    expect(back.ok && bytesEq(back.value, replaced)).toBe(true)
    expect(websiteOf(bucketTable.merge(removed, bucketTable.merge(replaced, put)))).toEqual(websiteOf(removed))
    const codec = rowCodec(bucketTable)
    for (const r of [none, put, replaced, removed]) {
      const back = codec.decode(codec.encode(r))
      expect(back.ok && bytesEq(back.value, r)).toBe(true)
    }
  })

  it("declares each table once with a distinct name", () => {
    expect(new Set(pollenTables.map((t) => t.name)).size).toBe(pollenTables.length)
  })

  describe("cascades", () => {
    const dir = mkdtempSync(join(tmpdir(), "pollen-ptables-"))
    const root = open({ path: dir, compression: false, maxDbs: 64 })
    afterAll(async () => {
      await root.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const queue = new InsertQueue(root)
    const objects = new TableStore(root, objectTable, 16, queue)
    const versions = new TableStore(root, versionTable, 16, queue)

    it("an overwritten object version queues its version row's deletion, which queues block-reference deletions", async () => {
      const v1: ObjectVersion = { uuid: "v1", ts: { l: 1, c: 0 }, state: { _tag: "Complete", data: { _tag: "Blocks", meta } } }
      const v2: ObjectVersion = { uuid: "v2", ts: { l: 2, c: 0 }, state: { _tag: "Complete", data: { _tag: "DeleteMarker" } } }
      await objects.merge([{ bucketId: "b", key: "photo", versions: [v1] }])
      expect(queue.size()).toBe(0)
      await objects.merge([{ bucketId: "b", key: "photo", versions: [v2] }])
      expect(objects.get("b", "photo")?.versions.map((v) => v.uuid)).toEqual(["v2"])
      expect(objects.gcTodos()).toHaveLength(1) // a lone delete marker is a tombstone
      const [queued] = queue.peek(10)
      expect(queued?.table).toBe("version")
      expect((queued!.entry as VersionRow).id).toBe("v1")
      await queue.remove([queued!.key])

      await versions.merge([{ id: "v1", deleted: false, blocks: { [blockKey(1, 0)]: { hash: "h1", size: 1 }, [blockKey(1, 1)]: { hash: "h2", size: 1 } }, backlink: { _tag: "Object", bucketId: "b", key: "photo" } }])
      await versions.merge([queued!.entry as VersionRow])
      expect(versions.get("v1", "")?.blocks).toEqual({})
      expect(queue.peek(10).map((i) => [i.table, (i.entry as { block: string }).block])).toEqual([
        ["block_ref", "h1"],
        ["block_ref", "h2"],
      ])
      expect(currentVersion(objects.get("b", "photo")!)).toBeUndefined()
    })
  })
})
