// Rows on disk and on the wire: the Schema-encoded entry, with object keys sorted, packed
// with MessagePack. Sorting makes the bytes a function of the value alone, so two replicas
// holding equal entries hold equal bytes, hence equal Merkle leaves.
import { Packr } from "msgpackr"
import { decodeUntrusted } from "../machine.ts"
import { sha256 } from "./keys.ts"
import type { TableSchema } from "./schema.ts"

const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true })

const canonical = (v: unknown): unknown => {
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return v
  if (Array.isArray(v)) return v.map(canonical)
  const o = v as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = canonical(o[k])
  return out
}

export const packCanonical = (v: unknown): Uint8Array => {
  const b = packr.pack(canonical(v))
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

export const unpack = (bytes: Uint8Array): unknown => packr.unpack(bytes)

export interface RowCodec<E> {
  encode(e: E): Uint8Array
  /** Decodes bytes from a peer or from disk; a precise error, never a throw. */
  decode(bytes: Uint8Array): { readonly ok: true; readonly value: E } | { readonly ok: false; readonly error: string }
}

export const rowCodec = <E>(schema: TableSchema<E>): RowCodec<E> => {
  const check = decodeUntrusted(schema.entry)
  return {
    encode: (e) => packCanonical(e),
    decode: (bytes) => {
      let raw: unknown
      try {
        raw = packr.unpack(bytes)
      } catch (e) {
        return { ok: false, error: `${schema.name}: not MessagePack: ${(e as Error).message}` }
      }
      const r = check(raw)
      return r.ok ? r : { ok: false, error: `${schema.name}: ${r.error}` }
    },
  }
}

export const valueHash = (bytes: Uint8Array): Uint8Array => sha256(bytes)
