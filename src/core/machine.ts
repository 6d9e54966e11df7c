// The reducer contract (DESIGN §3). A protocol is a pure `Machine`: the model checker,
// the fast-check schedules, the simulator and the real node all drive the same `step`.
// Time enters only as `Tick{now}` data; randomness only from a seeded PRNG in the state.
import { Schema } from "effect"

export type NodeId = string

/** A persisted record under a key; the disk of a node is a map from key to record. */
export interface Persisted<Rec> {
  readonly key: string
  readonly record: Rec
}

export type Input<Msg, Op, Rec> =
  | { readonly _tag: "Recv"; readonly from: NodeId; readonly msg: Msg }
  | { readonly _tag: "Timer"; readonly id: string }
  | { readonly _tag: "Request"; readonly id: string; readonly op: Op }
  | { readonly _tag: "Tick"; readonly now: number }
  /** Delivered once after a restart, with every record the node persisted, sorted by key. */
  | { readonly _tag: "Recover"; readonly persisted: ReadonlyArray<Persisted<Rec>> }

export type Output<Msg, Res, Rec> =
  | { readonly _tag: "Send"; readonly to: NodeId; readonly msg: Msg }
  | { readonly _tag: "Reply"; readonly id: string; readonly result: Res }
  | { readonly _tag: "SetTimer"; readonly id: string; readonly afterMs: number }
  | { readonly _tag: "CancelTimer"; readonly id: string }
  /** Overwrites the record under `key`. Durable before any Send or Reply of the same step. */
  | { readonly _tag: "Persist"; readonly key: string; readonly record: Rec }
  /** Removes a persisted record, in the same durable write as the step's Persists and after them. */
  | { readonly _tag: "Forget"; readonly key: string }

export interface Step<State, Msg, Res, Rec> {
  readonly state: State
  readonly out: ReadonlyArray<Output<Msg, Res, Rec>>
}

/** Type parameters of a protocol, bundled so that signatures stay short. */
export interface Protocol {
  readonly State: unknown
  readonly Msg: unknown
  readonly Op: unknown
  readonly Res: unknown
  readonly Rec: unknown
  readonly Params: unknown
}

export interface Machine<P extends Protocol> {
  readonly name: string
  /** The state of a node that has just started with an empty disk. */
  init(self: NodeId, params: P["Params"]): P["State"]
  /** Pure: must not mutate `state` or `input`, read a clock, draw randomness or do I/O. */
  step(state: P["State"], input: Input<P["Msg"], P["Op"], P["Rec"]>): Step<P["State"], P["Msg"], P["Res"], P["Rec"]>
  /** Schemas of everything that crosses a node boundary: the wire and the disk. */
  readonly schemas: {
    readonly msg: Schema.Codec<P["Msg"], unknown>
    readonly rec: Schema.Codec<P["Rec"], unknown>
    readonly op: Schema.Codec<P["Op"], unknown>
    readonly res: Schema.Codec<P["Res"], unknown>
  }
}

// Output constructors, so reducers read like the spec's actions.
export const send = <Msg>(to: NodeId, msg: Msg) => ({ _tag: "Send", to, msg }) as const
export const reply = <Res>(id: string, result: Res) => ({ _tag: "Reply", id, result }) as const
export const setTimer = (id: string, afterMs: number) => ({ _tag: "SetTimer", id, afterMs }) as const
export const cancelTimer = (id: string) => ({ _tag: "CancelTimer", id }) as const
export const persist = <Rec>(key: string, record: Rec) => ({ _tag: "Persist", key, record }) as const
export const forget = (key: string) => ({ _tag: "Forget", key }) as const

/** The Schema of a node's inputs, built from the protocol's message, op and record schemas. */
export const inputSchema = <Msg, Op, Rec>(
  msg: Schema.Codec<Msg, unknown>,
  op: Schema.Codec<Op, unknown>,
  rec: Schema.Codec<Rec, unknown>,
) =>
  Schema.Union([
    Schema.TaggedStruct("Recv", { from: Schema.String, msg }),
    Schema.TaggedStruct("Timer", { id: Schema.String }),
    Schema.TaggedStruct("Request", { id: Schema.String, op }),
    Schema.TaggedStruct("Tick", { now: Schema.Number }),
    Schema.TaggedStruct("Recover", {
      persisted: Schema.Array(Schema.Struct({ key: Schema.String, record: rec })),
    }),
  ])

/** The Schema of a node's outputs (used to validate and log a node's reducer trace). */
export const outputSchema = <Msg, Res, Rec>(
  msg: Schema.Codec<Msg, unknown>,
  res: Schema.Codec<Res, unknown>,
  rec: Schema.Codec<Rec, unknown>,
) =>
  Schema.Union([
    Schema.TaggedStruct("Send", { to: Schema.String, msg }),
    Schema.TaggedStruct("Reply", { id: Schema.String, result: res }),
    Schema.TaggedStruct("SetTimer", { id: Schema.String, afterMs: Schema.Number }),
    Schema.TaggedStruct("CancelTimer", { id: Schema.String }),
    Schema.TaggedStruct("Persist", { key: Schema.String, record: rec }),
    Schema.TaggedStruct("Forget", { key: Schema.String }),
  ])

/** Decodes untrusted input (a peer's message, a disk record): a value, or a located error. */
export const decodeUntrusted = <A>(schema: Schema.Codec<A, unknown>) => {
  const decode = Schema.decodeUnknownExit(schema)
  return (input: unknown): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string } => {
    const exit = decode(input)
    if (exit._tag === "Success") return { ok: true, value: exit.value }
    return { ok: false, error: String(exit.cause) }
  }
}
