// The block layer's RPC messages. Everything a peer sends is decoded with these Schemas
// before use; a block's bytes are checked against its hash by whoever receives them.
import { createHash } from "node:crypto"
import { Schema } from "effect"
import { decodeUntrusted } from "../../core/machine.ts"
import { partitionOf } from "../cluster/interfaces.ts"

export const BlockHash = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))

export const Endpoint = { put: "block/put", get: "block/get", need: "block/need" } as const

/** Stores a block durably (fsynced before the answer). */
export const PutRequest = Schema.Struct({ hash: BlockHash, data: Schema.Uint8Array })
export const PutReply = Schema.Struct({ stored: Schema.Literal(true) })

export const GetRequest = Schema.Struct({ hash: BlockHash })
export const GetReply = Schema.Union([Schema.Struct({ data: Schema.Uint8Array }), Schema.Struct({ missing: Schema.Literal(true) })])

/** At most this many hashes per need query. */
export const MAX_NEED_BATCH = 1024
export const NeedRequest = Schema.Struct({ hashes: Schema.Array(BlockHash).check(Schema.isMaxLength(MAX_NEED_BATCH)) })
/**
 * Per hash: the peer has it; holds its partition and lacks it; deleted it as unreferenced
 * (its count has been 0 for the delay: sending it again would only resurrect garbage); or
 * does not hold its partition.
 */
export const NeedAnswer = Schema.Literals(["have", "need", "unwanted", "not-mine"])
export type NeedAnswer = typeof NeedAnswer.Type
export const NeedReply = Schema.Struct({ answers: Schema.Array(NeedAnswer) })

export const decodePutRequest = decodeUntrusted(PutRequest)
export const decodePutReply = decodeUntrusted(PutReply)
export const decodeGetRequest = decodeUntrusted(GetRequest)
export const decodeGetReply = decodeUntrusted(GetReply)
export const decodeNeedRequest = decodeUntrusted(NeedRequest)
export const decodeNeedReply = decodeUntrusted(NeedReply)

export const sha256Hex = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex")

export const isBlockHash = (s: string): boolean => /^[0-9a-f]{64}$/.test(s)

/**
 * The partition of a block: of its hash's bytes (not of the hex text). The block-reference
 * table must partition its rows by this too, so that the nodes that count a block's
 * references are the nodes that hold the block.
 */
export const blockPartitionOf = (hash: string, partitionCount: number): number => partitionOf(Buffer.from(hash, "hex"), partitionCount)
