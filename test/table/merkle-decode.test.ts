// The hand-written Merkle node check answers exactly as the Schema does, value included.
import fc from "fast-check"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeMerkleNode, MerkleNodeSchema } from "../../src/core/table/merkle.ts"

const bySchema = Schema.decodeUnknownExit(MerkleNodeSchema)
const bytes = fc.uint8Array({ maxLength: 4 })
const anything = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), bytes, fc.array(fc.integer(), { maxLength: 2 }))
const child = fc.oneof(
  fc.tuple(fc.integer({ min: -1, max: 300 }), bytes),
  fc.tuple(fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(2 ** 53), fc.constant(-0), fc.string()), bytes),
  fc.tuple(fc.integer({ min: 0, max: 255 }), anything),
  fc.tuple(fc.integer({ min: 0, max: 255 }), bytes, anything),
  fc.tuple(fc.integer({ min: 0, max: 255 })),
  anything,
)
const candidate = fc.oneof(
  fc.record({ _tag: fc.constant("Leaf"), key: bytes, keyHash: bytes, valueHash: bytes }),
  fc.record({ _tag: fc.constant("Intermediate"), children: fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), bytes), { maxLength: 3 }) }),
  fc.record({ _tag: fc.constant("Leaf"), key: fc.oneof(bytes, anything), keyHash: fc.oneof(bytes, anything), valueHash: fc.oneof(bytes, anything) }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("Leaf"), key: bytes, keyHash: bytes, valueHash: bytes, extra: anything }),
  fc.record({ _tag: fc.constant("Intermediate"), children: fc.oneof(fc.array(child, { maxLength: 3 }), anything) }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constantFrom("Leaf", "Intermediate", "Other", 1) }),
  fc.array(anything, { maxLength: 3 }),
  anything,
)

const tryHand = (raw: unknown): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: decodeMerkleNode(raw) }
  } catch {
    return { ok: false }
  }
}

describe("Merkle node decoding", () => {
  it("decodeMerkleNode accepts exactly what the Schema accepts, with the same value", () => {
    fc.assert(
      fc.property(candidate, (raw) => {
        const schema = bySchema(raw)
        const hand = tryHand(raw)
        expect(hand.ok).toBe(schema._tag === "Success")
        if (hand.ok && schema._tag === "Success") expect(hand.value).toEqual(schema.value)
      }),
      { numRuns: 5000 },
    )
  })
})
