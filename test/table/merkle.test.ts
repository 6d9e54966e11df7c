// The Merkle trie: root hashes equal iff contents equal, whatever the update history; the
// shape is the canonical one; a push sync driven by compareNodes transfers exactly what
// the peer needs to converge.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  compareNodes,
  equalBytes,
  leavesUnder,
  memoryMerkleStore,
  merkleUpdate,
  rootHash,
  sha256,
  toHex,
  type MerkleStore,
} from "../../src/core/table/index.ts"

const enc = new TextEncoder()
// Few keys so that updates collide; values include "delete".
const opArb = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }))
const historyArb = fc.array(opArb, { maxLength: 60 })

type Contents = Map<string, string>

const apply = (store: MerkleStore, contents: Contents, history: ReadonlyArray<readonly [number, number | undefined]>) => {
  for (const [k, v] of history) {
    const key = enc.encode(`key-${k}`)
    if (v === undefined) {
      merkleUpdate(store, key, undefined)
      contents.delete(`key-${k}`)
    } else {
      const vh = sha256(`value-${v}`)
      merkleUpdate(store, key, vh)
      contents.set(`key-${k}`, toHex(vh))
    }
  }
}

const build = (history: ReadonlyArray<readonly [number, number | undefined]>) => {
  const store = memoryMerkleStore()
  const contents: Contents = new Map()
  apply(store, contents, history)
  return { store, contents }
}

const sameContents = (a: Contents, b: Contents) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)

const fromContents = (contents: Contents) => {
  const store = memoryMerkleStore()
  for (const [k, v] of [...contents].sort()) merkleUpdate(store, enc.encode(k), Buffer.from(v, "hex"))
  return store
}

describe("merkle trie", () => {
  it("root hashes are equal iff contents are equal", () => {
    fc.assert(
      fc.property(historyArb, historyArb, (h1, h2) => {
        const a = build(h1)
        const b = build(h2)
        expect(equalBytes(rootHash(a.store), rootHash(b.store))).toBe(sameContents(a.contents, b.contents))
      }),
      { numRuns: 400 },
    )
  })

  it("a history and its shuffled final contents give the same root and the same number of nodes", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const a = build(h)
        const canonical = fromContents(a.contents)
        expect(toHex(rootHash(a.store))).toBe(toHex(rootHash(canonical)))
        expect(a.store.size()).toBe(canonical.size())
      }),
      { numRuns: 300 },
    )
  })

  it("the leaves are exactly the contents", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { store, contents } = build(h)
        const leaves = leavesUnder(store, new Uint8Array(0))
        const seen = new Map(leaves.map((l) => [new TextDecoder().decode(l.key), toHex(l.valueHash)]))
        expect(sameContents(seen, contents)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it("deleting everything leaves an empty store", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { store, contents } = build(h)
        for (const k of contents.keys()) merkleUpdate(store, enc.encode(k), undefined)
        expect(store.size()).toBe(0)
      }),
    )
  })

  it("a push sync by compareNodes brings the peer every differing row", () => {
    fc.assert(
      fc.property(historyArb, historyArb, (h1, h2) => {
        const a = build(h1)
        const b = build(h2)
        // Walk as the shell does: compare node by node, send whole local subtrees.
        const sent: string[] = []
        let frontier: Uint8Array[] = [new Uint8Array(0)]
        while (frontier.length > 0) {
          const next: Uint8Array[] = []
          for (const p of frontier) {
            const step = compareNodes(p, a.store.get(p), b.store.get(p))
            for (const s of step.send) for (const l of leavesUnder(a.store, s)) sent.push(new TextDecoder().decode(l.key))
            next.push(...step.descend)
          }
          frontier = next
        }
        // Every row of a that b lacks or holds with another value was sent.
        for (const [k, v] of a.contents) if (b.contents.get(k) !== v) expect(sent).toContain(k)
        // Nothing is sent when the tries are equal.
        if (sameContents(a.contents, b.contents)) expect(sent).toEqual([])
      }),
      { numRuns: 300 },
    )
  })
})
