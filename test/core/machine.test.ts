// The reducer contract's Schemas: peer input is decoded, malformed input gets a precise
// error and never reaches a reducer; generated values always decode; and the reducer is
// pure (it never mutates its state or input).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MsgSchema, OpSchema, RecSchema } from "../../src/core/anti-entropy/messages.ts"
import { replica } from "../../src/core/anti-entropy/replica.ts"
import { decodeUntrusted, inputSchema, type Input } from "../../src/core/machine.ts"
import { arbitraryOf } from "../../src/core/schema-arbitrary.ts"
import type { AntiEntropy } from "../../src/core/anti-entropy/replica.ts"

const decodeMsg = decodeUntrusted(MsgSchema)

describe("wire decoding", () => {
  it("accepts a well-formed message", () => {
    const msg = { _tag: "SyncReq", entries: { x: { ts: { l: 1, c: 0 }, value: "a" } } }
    expect(decodeMsg(msg)).toEqual({ ok: true, value: msg })
  })

  it.each([
    ["not an object", 42],
    ["unknown tag", { _tag: "Gossip", entries: {} }],
    ["missing entries", { _tag: "SyncReq" }],
    ["negative timestamp", { _tag: "SyncReq", entries: { x: { ts: { l: -1, c: 0 }, value: "a" } } }],
    ["fractional counter", { _tag: "SyncResp", entries: { x: { ts: { l: 1, c: 0.5 }, value: "a" } } }],
    ["value not a string", { _tag: "SyncReq", entries: { x: { ts: { l: 1, c: 0 }, value: 7 } } }],
  ])("rejects %s with a located error", (_, input) => {
    const result = decodeMsg(input)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.length).toBeGreaterThan(10)
  })

  it("rejects arbitrary junk without throwing", () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const r = decodeMsg(junk)
        return r.ok === false || (typeof junk === "object" && junk !== null)
      }),
    )
  })
})

describe("Schema-derived arbitraries", () => {
  it.each([
    ["messages", MsgSchema],
    ["ops", OpSchema],
    ["records", RecSchema],
  ] as const)("generate %s that decode", (_, schema) => {
    const decode = decodeUntrusted(schema as never)
    fc.assert(fc.property(arbitraryOf(schema as never), (v) => decode(v).ok))
  })

  it("generate whole reducer inputs that decode", () => {
    const schema = inputSchema(MsgSchema, OpSchema, RecSchema)
    const decode = decodeUntrusted(schema)
    fc.assert(fc.property(arbitraryOf(schema), (v) => decode(v).ok), { numRuns: 200 })
  })
})

const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === "object") {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}

describe("the anti-entropy reducer is pure", () => {
  it("never mutates its state or input, and the same input gives the same step", () => {
    const inputs = fc.array(arbitraryOf(inputSchema(MsgSchema, OpSchema, RecSchema)), { maxLength: 30 })
    fc.assert(
      fc.property(inputs, (seq) => {
        let state = replica.init("n0", { peers: ["n0", "n1", "n2"], syncEveryMs: 1000 })
        for (const raw of seq) {
          const input = deepFreeze(structuredClone(raw)) as Input<AntiEntropy["Msg"], AntiEntropy["Op"], AntiEntropy["Rec"]>
          deepFreeze(state)
          const a = replica.step(state, input)
          const b = replica.step(state, input)
          expect(b).toEqual(a)
          state = a.state
        }
      }),
      { numRuns: 200 },
    )
  })
})
