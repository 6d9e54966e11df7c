// The RPC envelope: [0, id, priority, endpoint, body] a request, [1, id, ok, value] a
// response, [2, id] a cancel. `Envelope` is the Schema (the reference); `parseEnvelope` is
// the same check written out by hand, because it runs on every message and the Schema
// decode of a union of tuples was a visible share of a small call's CPU. A property test
// (test/node/envelope.test.ts) holds the two to the same answers.
import { Schema } from "effect"

export const Envelope = Schema.Union([
  Schema.Tuple([Schema.Literal(0), Schema.Int, Schema.Int, Schema.String, Schema.Unknown]), // request
  Schema.Tuple([Schema.Literal(1), Schema.Int, Schema.Boolean, Schema.Unknown]), // response
  Schema.Tuple([Schema.Literal(2), Schema.Int]), // cancel
])
export type Message = typeof Envelope.Type

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v)

/** The message, or undefined when `raw` is not an envelope. */
export const parseEnvelope = (raw: unknown): Message | undefined => {
  if (!Array.isArray(raw) || !isInt(raw[1])) return undefined
  switch (raw[0]) {
    case 0:
      return raw.length === 5 && isInt(raw[2]) && typeof raw[3] === "string" ? (raw as unknown as Message) : undefined
    case 1:
      return raw.length === 4 && typeof raw[2] === "boolean" ? (raw as unknown as Message) : undefined
    case 2:
      return raw.length === 2 ? (raw as unknown as Message) : undefined
    default:
      return undefined
  }
}
