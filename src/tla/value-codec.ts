// Encodes values as plain structured-clone data for worker threads and back.
// Strings, numbers and booleans are themselves; composites are tagged arrays:
// [0, ...elements] set, [1, keys | null, values] function, [2, name] model value.
import type { Value } from "./values.ts"
import { FcnValue, LazyFcn, LazySet, ModelValue, SetValue, modelValue } from "./values.ts"

export type Encoded = number | string | boolean | Encoded[] | null

export const encodeValue = (v: Value): Encoded => {
  if (typeof v !== "object") return v
  if (v instanceof ModelValue) return [2, v.name]
  if (v instanceof SetValue || v instanceof LazySet) {
    const s = v instanceof SetValue ? v : v.toSet()
    const out: Encoded[] = [0]
    for (const x of s.elems) out.push(encodeValue(x))
    return out
  }
  const f = v instanceof LazyFcn ? v.materialize() : v
  return [1, f.keys === null ? null : f.keys.map(encodeValue), f.vals.map(encodeValue)]
}

class Unencodable {}

/** `encodeValue` for values that hold no lazy set or function; undefined if one does. */
export const encodePlain = (v: Value): Encoded | undefined => {
  try {
    return encodeStrict(v)
  } catch (e) {
    if (e instanceof Unencodable) return undefined
    throw e
  }
}

const encodeStrict = (v: Value): Encoded => {
  if (typeof v !== "object") return v
  if (v instanceof ModelValue) return [2, v.name]
  if (v instanceof SetValue) {
    const out: Encoded[] = [0]
    for (const x of v.elems) out.push(encodeStrict(x))
    return out
  }
  if (v instanceof FcnValue) return [1, v.keys === null ? null : v.keys.map(encodeStrict), v.vals.map(encodeStrict)]
  throw new Unencodable()
}

export const decodeValue = (x: Encoded): Value => {
  if (!Array.isArray(x)) return x as Value
  switch (x[0]) {
    case 0: {
      const elems = new Array<Value>(x.length - 1)
      for (let i = 1; i < x.length; i++) elems[i - 1] = decodeValue(x[i]!)
      return new SetValue(elems)
    }
    case 1: {
      const keys = x[1] as Encoded[] | null
      return new FcnValue(keys === null ? null : keys.map(decodeValue), (x[2] as Encoded[]).map(decodeValue))
    }
    default:
      return modelValue(x[1] as string)
  }
}
