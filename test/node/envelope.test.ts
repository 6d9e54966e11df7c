// The hand-written envelope check answers exactly as the Schema does.
import fc from "fast-check"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Envelope, parseEnvelope } from "../../src/node/rpc/envelope.ts"

const bySchema = Schema.decodeUnknownExit(Envelope)
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 1, 2, -0, 2 ** 53, 2 ** 53 - 1, Number.NaN, Infinity))
const element = fc.oneof(anyNumber, fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer(), { maxLength: 2 }))
const candidate = fc.oneof(
  fc.tuple(fc.constantFrom(0, 1, 2, 3, "0"), element, element, element, element).map((t) => t.slice(0, 5)),
  fc.tuple(fc.constantFrom(0, 1, 2), anyNumber, element, element, element).chain((t) => fc.integer({ min: 0, max: 6 }).map((n) => t.slice(0, n))),
  fc.tuple(fc.constant(0), fc.integer(), fc.integer(), fc.string(), element),
  fc.tuple(fc.constant(1), fc.integer(), fc.boolean(), element),
  fc.tuple(fc.constant(2), fc.integer()),
  element,
  fc.object(),
)

describe("RPC envelope", () => {
  it("parseEnvelope accepts exactly what the Schema accepts", () => {
    fc.assert(
      fc.property(candidate, (raw) => {
        expect(parseEnvelope(raw) !== undefined).toBe(bySchema(raw)._tag === "Success")
      }),
      { numRuns: 5000 },
    )
  })
})
