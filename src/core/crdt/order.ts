// A total, canonical order over JSON-like values. CRDT merges use it to break ties
// deterministically: two replicas that see the same pair of values must pick the same
// winner whatever the order the values arrived in, so the order may depend only on the
// values themselves (never on arrival, identity or object key insertion order).

/** JSON-like data: what reducer states and wire messages are made of. */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [key: string]: Json }

// Rank of each kind; values of different kinds compare by rank.
// null < false < true < numbers < strings < arrays < objects.
const rank = (v: unknown): number => {
  if (v === null) return 0
  switch (typeof v) {
    case "boolean":
      return 1
    case "number":
      return 2
    case "string":
      return 3
    case "object":
      return Array.isArray(v) ? 4 : 5
    default:
      // undefined, bigint, symbol, function: not JSON. Schema decoding keeps these out of
      // reducer state, so meeting one is a programming error, not bad peer input.
      throw new TypeError(`compareValues: not a JSON-like value (${typeof v})`)
  }
}

const sign = (x: number): -1 | 0 | 1 => (x < 0 ? -1 : x > 0 ? 1 : 0)

// Numbers: -0 equals 0 (JSON cannot tell them apart); NaN (not JSON, but a number at
// runtime) equals itself and sorts below every other number so the order stays total.
const compareNumbers = (a: number, b: number): -1 | 0 | 1 => {
  const an = Number.isNaN(a)
  const bn = Number.isNaN(b)
  if (an || bn) return an && bn ? 0 : an ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

// Strings compare by UTF-16 code units (JS `<`): cheap and the same on every node.
const compareStrings = (a: string, b: string): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Total order over JSON-like values: -1 if a < b, 0 if equal, 1 if a > b.
 * Arrays compare lexicographically (a proper prefix is smaller). Plain objects compare
 * as their lists of [key, value] pairs sorted by key, lexicographically, so key
 * insertion order never matters. `compareValues(a, b) === 0` iff a and b are the same
 * JSON document up to key order (and -0/0).
 */
export const compareValues = (a: Json, b: Json): -1 | 0 | 1 => {
  if (a === b) return 0
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return sign(ra - rb)
  switch (ra) {
    case 0:
      return 0
    case 1:
      return a === b ? 0 : a === false ? -1 : 1
    case 2:
      return compareNumbers(a as number, b as number)
    case 3:
      return compareStrings(a as string, b as string)
    case 4: {
      const xs = a as readonly Json[]
      const ys = b as readonly Json[]
      const n = Math.min(xs.length, ys.length)
      for (let i = 0; i < n; i++) {
        const c = compareValues(xs[i] as Json, ys[i] as Json)
        if (c !== 0) return c
      }
      return sign(xs.length - ys.length)
    }
    default: {
      const xo = a as { readonly [key: string]: Json }
      const yo = b as { readonly [key: string]: Json }
      const xk = Object.keys(xo).sort(compareStrings)
      const yk = Object.keys(yo).sort(compareStrings)
      const n = Math.min(xk.length, yk.length)
      for (let i = 0; i < n; i++) {
        const kx = xk[i] as string
        const ky = yk[i] as string
        const ck = compareStrings(kx, ky)
        if (ck !== 0) return ck
        const cv = compareValues(xo[kx] as Json, yo[ky] as Json)
        if (cv !== 0) return cv
      }
      return sign(xk.length - yk.length)
    }
  }
}

/** Sorted copy of `keys`: the order in which every map here builds its objects. */
export const sortedKeys = (keys: Iterable<string>): string[] => Array.from(keys).sort(compareStrings)
