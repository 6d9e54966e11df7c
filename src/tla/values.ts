// Canonical immutable TLA+ values with TLC's semantics.
//
// int -> JS number (32-bit range checked by the arithmetic), string -> JS string,
// boolean -> JS boolean, model value -> ModelValue, finite set -> SetValue (elements sorted by
// `compare` and deduplicated, so equal sets have one representation), function / record /
// tuple / sequence -> FcnValue (a tuple is a function with domain 1..n, stored with keys=null;
// a record is a function from strings). Sets TLC does not enumerate eagerly (intervals, Nat,
// SUBSET S, S \X T, [S -> T], record sets, Seq(S), lazy unions/differences) are LazySet
// subclasses that answer membership and enumerate on demand.
import { evalError } from "./errors.ts"

export type Value = number | string | boolean | ModelValue | SetValue | FcnValue | LazySet | LazyFcn

let modelValueCount = 0
export class ModelValue {
  readonly index: number
  readonly h1: number
  readonly h2: number
  constructor(readonly name: string) {
    this.index = modelValueCount++
    this.h1 = strHash(name, 0x51ed270b) ^ 0x2a
    this.h2 = strHash(name, 0x1b873593) ^ 0x5c
  }
}
const modelValues = new Map<string, ModelValue>()
/** The model value called `name` (one object per name, so `===` is equality). */
export const modelValue = (name: string): ModelValue => {
  let m = modelValues.get(name)
  if (m === undefined) {
    m = new ModelValue(name)
    modelValues.set(name, m)
  }
  return m
}

export class SetValue {
  h1 = 0
  h2 = 0
  hashed = false
  /** Hashes of the images under a symmetry group's permutations (see symmetry.ts). */
  ph: Int32Array | undefined = undefined
  phGroup = -1
  /** `elems` must already be sorted by `compare` and free of duplicates. */
  constructor(readonly elems: readonly Value[]) {}
  get size(): number {
    return this.elems.length
  }
}

export class FcnValue {
  h1 = 0
  h2 = 0
  hashed = false
  /** Hashes of the images under a symmetry group's permutations (see symmetry.ts). */
  ph: Int32Array | undefined = undefined
  phGroup = -1
  /** One-entry memo of membership in a lazy set (values are immutable, e.g. TypeOK checks). */
  memoSet: LazySet | SetValue | undefined = undefined
  memoIn = false
  /** keys === null means the domain is 1..vals.length (a tuple / sequence). */
  constructor(
    readonly keys: readonly Value[] | null,
    readonly vals: readonly Value[],
  ) {}
  get size(): number {
    return this.vals.length
  }
  keyAt(i: number): Value {
    return this.keys === null ? i + 1 : this.keys[i]!
  }
  /** Index of key `k` in the domain, or -1. */
  indexOf(k: Value): number {
    const keys = this.keys
    if (keys === null) {
      return typeof k === "number" && Number.isInteger(k) && k >= 1 && k <= this.vals.length ? k - 1 : -1
    }
    if (typeof k === "string" && keys.length <= 8) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === k) return i
      return -1
    }
    let lo = 0
    let hi = keys.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const c = compare(keys[mid]!, k)
      if (c === 0) return mid
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }
}

/** A function defined recursively (`f[x \in S] == ... f[..] ...`), evaluated on demand. */
export class LazyFcn {
  private readonly cache = new Map<string, Value>()
  private full: FcnValue | undefined
  constructor(
    readonly domain: Value,
    readonly compute: (x: Value) => Value,
  ) {}
  apply(x: Value): Value {
    const key = printValue(x)
    let v = this.cache.get(key)
    if (v === undefined) {
      if (!isMember(x, this.domain)) throw evalError(`function applied to ${printValue(x)}, which is not in its domain`)
      v = this.compute(x)
      this.cache.set(key, v)
    }
    return v
  }
  materialize(): FcnValue {
    if (this.full === undefined) {
      const dom = enumerate(this.domain)
      this.full = mkFcn(dom.elems, dom.elems.map((x) => this.apply(x)))
    }
    return this.full
  }
}

export abstract class LazySet {
  private cached: SetValue | undefined
  abstract member(v: Value): boolean
  /** Elements in sorted order, or throws if the set is not enumerable. */
  protected abstract build(): SetValue
  abstract describe(): string
  enumerable(): boolean {
    return true
  }
  toSet(): SetValue {
    this.cached ??= this.build()
    return this.cached
  }
}

/** Shared element arrays of small intervals (intervals are rebuilt often, e.g. 1..Len(s)). */
const smallIntervals = new Map<number, SetValue>()

export class IntervalSet extends LazySet {
  constructor(
    readonly lo: number,
    readonly hi: number,
  ) {
    super()
  }
  member(v: Value): boolean {
    if (typeof v !== "number") {
      if (v instanceof ModelValue) return false
      throw evalError(`attempted to check whether ${printValue(v)} is in the integer interval ${this.describe()}`)
    }
    return v >= this.lo && v <= this.hi
  }
  get size(): number {
    return Math.max(0, this.hi - this.lo + 1)
  }
  protected build(): SetValue {
    const small = this.lo >= -64 && this.lo <= 64 && this.hi >= -64 && this.hi <= 1024
    const key = (this.lo + 64) * 2048 + (this.hi + 64)
    if (small) {
      const hit = smallIntervals.get(key)
      if (hit !== undefined) return hit
    }
    const out: number[] = []
    for (let i = this.lo; i <= this.hi; i++) out.push(i)
    const set = new SetValue(out)
    if (small) smallIntervals.set(key, set)
    return set
  }
  describe(): string {
    return `${this.lo}..${this.hi}`
  }
}

export class InfiniteSet extends LazySet {
  constructor(
    readonly name: "Nat" | "Int" | "STRING",
  ) {
    super()
  }
  member(v: Value): boolean {
    if (this.name === "STRING") return typeof v === "string"
    if (typeof v !== "number") {
      if (v instanceof ModelValue) return false
      throw evalError(`attempted to check whether ${printValue(v)} is in ${this.name}`)
    }
    return this.name === "Int" || v >= 0
  }
  override enumerable(): boolean {
    return false
  }
  protected build(): SetValue {
    throw evalError(`TLC cannot enumerate the infinite set ${this.name}`)
  }
  describe(): string {
    return this.name
  }
}

export class SubsetSet extends LazySet {
  constructor(readonly base: Value) {
    super()
  }
  member(v: Value): boolean {
    if (!isSetValue(v)) return false
    const s = enumerate(v)
    for (const x of s.elems) if (!isMember(x, this.base)) return false
    return true
  }
  override enumerable(): boolean {
    return isEnumerable(this.base)
  }
  protected build(): SetValue {
    const base = enumerate(this.base).elems
    if (base.length > 24) throw evalError(`SUBSET of a set with ${base.length} elements is too large to enumerate`)
    const out: Value[] = []
    const n = base.length
    for (let mask = 0; mask < 1 << n; mask++) {
      const sub: Value[] = []
      for (let i = 0; i < n; i++) if (mask & (1 << i)) sub.push(base[i]!)
      out.push(new SetValue(sub))
    }
    return mkSet(out)
  }
  describe(): string {
    return `SUBSET ${printValue(this.base)}`
  }
}

export class ProductSet extends LazySet {
  constructor(readonly sets: readonly Value[]) {
    super()
  }
  member(v: Value): boolean {
    if (!(v instanceof FcnValue) || v.keys !== null || v.vals.length !== this.sets.length) return false
    for (let i = 0; i < this.sets.length; i++) if (!isMember(v.vals[i]!, this.sets[i]!)) return false
    return true
  }
  override enumerable(): boolean {
    return this.sets.every(isEnumerable)
  }
  protected build(): SetValue {
    const parts = this.sets.map((s) => enumerate(s).elems)
    const out: Value[] = []
    const cur: Value[] = []
    const go = (i: number): void => {
      if (i === parts.length) {
        out.push(new FcnValue(null, cur.slice()))
        return
      }
      for (const x of parts[i]!) {
        cur[i] = x
        go(i + 1)
      }
    }
    go(0)
    return mkSet(out)
  }
  describe(): string {
    return this.sets.map(printValue).join(" \\X ")
  }
}

export class FcnSet extends LazySet {
  constructor(
    readonly dom: Value,
    readonly rng: Value,
  ) {
    super()
  }
  member(v: Value): boolean {
    const f = v instanceof LazyFcn ? v.materialize() : v
    if (!(f instanceof FcnValue)) return false
    const dom = enumerate(this.dom)
    if (dom.elems.length !== f.size) return false
    for (let i = 0; i < f.size; i++) {
      if (compare(f.keyAt(i), dom.elems[i]!) !== 0) return false
      if (!isMember(f.vals[i]!, this.rng)) return false
    }
    return true
  }
  override enumerable(): boolean {
    return isEnumerable(this.dom) && isEnumerable(this.rng)
  }
  protected build(): SetValue {
    const dom = enumerate(this.dom).elems
    const rng = enumerate(this.rng).elems
    const total = Math.pow(rng.length, dom.length)
    if (total > 5_000_000) throw evalError(`function set with ${total} elements is too large to enumerate`)
    const out: Value[] = []
    const cur: Value[] = new Array<Value>(dom.length)
    const go = (i: number): void => {
      if (i === dom.length) {
        out.push(mkFcn(dom, cur.slice()))
        return
      }
      for (const y of rng) {
        cur[i] = y
        go(i + 1)
      }
    }
    go(0)
    return mkSet(out)
  }
  describe(): string {
    return `[${printValue(this.dom)} -> ${printValue(this.rng)}]`
  }
}

export class RecordSet extends LazySet {
  /** `names` sorted. */
  constructor(
    readonly names: readonly string[],
    readonly sets: readonly Value[],
  ) {
    super()
  }
  member(v: Value): boolean {
    if (!(v instanceof FcnValue) || v.keys === null || v.keys.length !== this.names.length) return false
    for (let i = 0; i < this.names.length; i++) {
      if (v.keys[i] !== this.names[i]) return false
      if (!isMember(v.vals[i]!, this.sets[i]!)) return false
    }
    return true
  }
  override enumerable(): boolean {
    return this.sets.every(isEnumerable)
  }
  protected build(): SetValue {
    const parts = this.sets.map((s) => enumerate(s).elems)
    const out: Value[] = []
    const cur: Value[] = new Array<Value>(parts.length)
    const go = (i: number): void => {
      if (i === parts.length) {
        out.push(new FcnValue(this.names, cur.slice()))
        return
      }
      for (const x of parts[i]!) {
        cur[i] = x
        go(i + 1)
      }
    }
    go(0)
    return mkSet(out)
  }
  describe(): string {
    return `[${this.names.map((n, i) => `${n} : ${printValue(this.sets[i]!)}`).join(", ")}]`
  }
}

export class SeqSet extends LazySet {
  constructor(readonly base: Value) {
    super()
  }
  member(v: Value): boolean {
    if (typeof v === "string") return [...v].every((ch) => isMember(ch, this.base))
    if (!(v instanceof FcnValue) || v.keys !== null) return false
    for (const x of v.vals) if (!isMember(x, this.base)) return false
    return true
  }
  override enumerable(): boolean {
    return false
  }
  protected build(): SetValue {
    throw evalError(`TLC cannot enumerate the infinite set Seq(${printValue(this.base)})`)
  }
  describe(): string {
    return `Seq(${printValue(this.base)})`
  }
}

export class CombinedSet extends LazySet {
  constructor(
    readonly op: "\\cup" | "\\cap" | "\\",
    readonly a: Value,
    readonly b: Value,
  ) {
    super()
  }
  member(v: Value): boolean {
    if (this.op === "\\cup") return isMember(v, this.a) || isMember(v, this.b)
    if (this.op === "\\cap") return isMember(v, this.a) && isMember(v, this.b)
    return isMember(v, this.a) && !isMember(v, this.b)
  }
  override enumerable(): boolean {
    if (this.op === "\\cup") return isEnumerable(this.a) && isEnumerable(this.b)
    return isEnumerable(this.a)
  }
  protected build(): SetValue {
    const a = enumerate(this.a).elems
    if (this.op === "\\cup") return mkSet([...a, ...enumerate(this.b).elems])
    return new SetValue(a.filter((x) => this.member(x)))
  }
  describe(): string {
    return `${printValue(this.a)} ${this.op} ${printValue(this.b)}`
  }
}

/**
 * `UNION S` when some element of `S` is itself lazy (`UNION {[D -> SUBSET R]}`): kept lazy as TLC's
 * UnionValue, so membership asks each element set and nothing is enumerated unless the union
 * itself is.
 */
export class UnionSet extends LazySet {
  constructor(readonly sets: readonly Value[]) {
    super()
  }
  member(v: Value): boolean {
    for (const s of this.sets) if (isMember(v, s)) return true
    return false
  }
  override enumerable(): boolean {
    return this.sets.every(isEnumerable)
  }
  protected build(): SetValue {
    const all: Value[] = []
    for (const s of this.sets) for (const x of enumerate(s).elems) all.push(x)
    return mkSet(all)
  }
  describe(): string {
    return `UNION {${this.sets.map(printValue).join(", ")}}`
  }
}

// ---------------------------------------------------------------- kinds

export const isSetValue = (v: Value): v is SetValue | LazySet => v instanceof SetValue || v instanceof LazySet
export const isEnumerable = (v: Value): boolean => v instanceof SetValue || (v instanceof LazySet && v.enumerable())

export function kindName(v: Value): string {
  switch (typeof v) {
    case "number":
      return "integer"
    case "string":
      return "string"
    case "boolean":
      return "boolean"
  }
  if (v instanceof ModelValue) return "model value"
  if (isSetValue(v)) return "set"
  if (v instanceof FcnValue) return v.keys === null ? "sequence" : typeof v.keys[0] === "string" ? "record" : "function"
  return "function"
}

/** The finite set `v` in normal form; throws for non-sets and non-enumerable sets. */
export function enumerate(v: Value): SetValue {
  if (v instanceof SetValue) return v
  if (v instanceof LazySet) return v.toSet()
  throw evalError(`expected a set but found ${kindName(v)} ${printValue(v)}`)
}

export function asFcn(v: Value): FcnValue {
  if (v instanceof FcnValue) return v
  if (v instanceof LazyFcn) return v.materialize()
  throw evalError(`expected a function but found ${kindName(v)} ${printValue(v)}`)
}

export function isMember(x: Value, s: Value): boolean {
  if (s instanceof SetValue) {
    const el = s.elems
    if (el.length <= 8) {
      for (let i = 0; i < el.length; i++) if (compare(el[i]!, x) === 0) return true
      return false
    }
    // large sets are usually type sets (e.g. an enumerated set of message records): memoise
    if (el.length > 32 && x instanceof FcnValue) {
      if (x.memoSet === s) return x.memoIn
      const r = binarySearch(el, x)
      x.memoSet = s
      x.memoIn = r
      return r
    }
    return binarySearch(el, x)
  }
  if (s instanceof LazySet) {
    if (x instanceof FcnValue) {
      if (x.memoSet === s) return x.memoIn
      const r = s.member(x)
      x.memoSet = s
      x.memoIn = r
      return r
    }
    return s.member(x)
  }
  throw evalError(`attempted to check membership in ${kindName(s)} ${printValue(s)}, which is not a set`)
}

function binarySearch(el: readonly Value[], x: Value): boolean {
  let lo = 0
  let hi = el.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const c = compare(el[mid]!, x)
    if (c === 0) return true
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

// ---------------------------------------------------------------- order

function rank(v: Value): number {
  switch (typeof v) {
    case "boolean":
      return 1
    case "number":
      return 2
    case "string":
      return 3
  }
  if (v instanceof ModelValue) return 0
  if (v instanceof SetValue || v instanceof LazySet) return 4
  return 5
}

/** A total order over values: equal values compare 0; used to normalise sets. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0
  const ta = typeof a
  if (ta === typeof b) {
    if (ta === "number") return (a as number) - (b as number)
    if (ta === "string") return (a as string) < (b as string) ? -1 : 1
    if (ta === "boolean") return a ? 1 : -1
    if (a instanceof FcnValue && b instanceof FcnValue) return compareFcn(a, b)
    if (a instanceof SetValue && b instanceof SetValue) return compareElems(a.elems, b.elems)
    if (a instanceof ModelValue && b instanceof ModelValue) return a.index - b.index
  }
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (ra === 0) return (a as ModelValue).index - (b as ModelValue).index
  if (ra === 4) return compareElems(enumerate(a).elems, enumerate(b).elems)
  return compareFcn(asFcn(a), asFcn(b))
}

function compareElems(x: readonly Value[], y: readonly Value[]): number {
  if (x.length !== y.length) return x.length - y.length
  for (let i = 0; i < x.length; i++) {
    const c = compare(x[i]!, y[i]!)
    if (c !== 0) return c
  }
  return 0
}

function compareFcn(f: FcnValue, g: FcnValue): number {
  const n = f.vals.length
  if (n !== g.vals.length) return n - g.vals.length
  const fk = f.keys
  const gk = g.keys
  if (fk !== gk) {
    if (fk === null || gk === null) {
      for (let i = 0; i < n; i++) {
        const c = compare(f.keyAt(i), g.keyAt(i))
        if (c !== 0) return c
      }
    } else {
      for (let i = 0; i < n; i++) {
        const x = fk[i]!
        const y = gk[i]!
        if (x !== y) {
          const c = compare(x, y)
          if (c !== 0) return c
        }
      }
    }
  }
  const fv = f.vals
  const gv = g.vals
  for (let i = 0; i < n; i++) {
    const x = fv[i]!
    const y = gv[i]!
    if (x !== y) {
      const c = compare(x, y)
      if (c !== 0) return c
    }
  }
  return 0
}

const sizeOf = (x: SetValue | FcnValue): number => (x instanceof SetValue ? x.elems.length : x.vals.length)

/** TLA+ `=`: like TLC, comparing values of different kinds (other than model values) is an error. */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true
  const ta = typeof a
  const tb = typeof b
  if (ta === tb && ta !== "object") return false
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) {
    if (ra === 0 || rb === 0) return false
    // a string equals the sequence of its one-character strings (TLC's CharacterTest: <<"a", "a">> = "aa")
    if (typeof a === "string" && b instanceof FcnValue && (b.keys === null || b.size === 0)) return stringIsTuple(a, b)
    if (typeof b === "string" && a instanceof FcnValue && (a.keys === null || a.size === 0)) return stringIsTuple(b, a)
    throw evalError(`attempted to check equality of ${kindName(a)} ${printValue(a)} with ${kindName(b)} ${printValue(b)}`)
  }
  if (ra === 0) return false
  if (ra >= 4 && !(a instanceof LazySet) && !(b instanceof LazySet) && !(a instanceof LazyFcn) && !(b instanceof LazyFcn)) {
    // sizes first: `S = {}` on a fresh set should not hash all of S
    if (sizeOf(a as SetValue | FcnValue) !== sizeOf(b as SetValue | FcnValue)) return false
    hashValue(a)
    hashValue(b)
    const x = a as SetValue | FcnValue
    const y = b as SetValue | FcnValue
    if (x.h1 !== y.h1 || x.h2 !== y.h2 || x.constructor !== y.constructor) return false
  }
  return compare(a, b) === 0
}

const stringIsTuple = (s: string, t: FcnValue): boolean => {
  const chars = [...s]
  return t.size === chars.length && t.vals.every((v, i) => v === chars[i])
}

// ---------------------------------------------------------------- constructors

function sortUnique(arr: Value[]): Value[] {
  const n = arr.length
  if (n <= 1) return arr
  if (n <= 16) {
    for (let i = 1; i < n; i++) {
      const x = arr[i]!
      let j = i - 1
      while (j >= 0 && compare(arr[j]!, x) > 0) {
        arr[j + 1] = arr[j]!
        j--
      }
      arr[j + 1] = x
    }
  } else arr.sort(compare)
  let w = 1
  for (let i = 1; i < n; i++) if (compare(arr[w - 1]!, arr[i]!) !== 0) arr[w++] = arr[i]!
  arr.length = w
  return arr
}

/** A set from elements in any order (the array may be reused). */
export const mkSet = (elems: Value[]): SetValue => new SetValue(sortUnique(elems))

export const emptySet = new SetValue([])

/** A function from a sorted, duplicate-free key list; normalises 1..n domains to tuples. */
export function mkFcn(keys: readonly Value[], vals: readonly Value[]): FcnValue {
  let seq = true
  for (let i = 0; i < keys.length; i++)
    if (keys[i] !== i + 1) {
      seq = false
      break
    }
  return new FcnValue(seq ? null : keys, vals)
}

export const mkTuple = (vals: readonly Value[]): FcnValue => new FcnValue(null, vals)

/** A record from (name, value) pairs in any order. */
export function mkRecord(pairs: readonly (readonly [string, Value])[]): FcnValue {
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return new FcnValue(
    sorted.map((p) => p[0]),
    sorted.map((p) => p[1]),
  )
}

/** A function from unsorted (key, value) pairs (later duplicates are ignored). */
export function mkFcnFromPairs(pairs: (readonly [Value, Value])[]): FcnValue {
  pairs.sort((a, b) => compare(a[0], b[0]))
  const keys: Value[] = []
  const vals: Value[] = []
  for (const [k, v] of pairs) {
    if (keys.length > 0 && compare(keys[keys.length - 1]!, k) === 0) continue
    keys.push(k)
    vals.push(v)
  }
  return mkFcn(keys, vals)
}

// ---------------------------------------------------------------- hashing (64-bit as two 32-bit lanes)

function strHash(s: string, seed: number): number {
  let h = seed | 0
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return fmix(h ^ s.length)
}

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}

const stringHashes = new Map<string, readonly [number, number]>()

/** Second lane of the last hashValue call. */
export let hashLo = 0

// Sets and functions hash as order-independent sums of their elements' (key-value pairs')
// mixed hashes, so the hash of a value's image under a symmetry permutation can be computed
// from the elements' image hashes without building and re-sorting the image (symmetry.ts).

/** Contribution of an element with hash lanes (h, l) to a set's lanes. */
export const setElemA = (h: number): number => fmix((h + 0x6b43a9b5) | 0)
export const setElemB = (l: number): number => fmix((l ^ 0x1f83d9ab) + 0x2545f491)
/** Contribution of a (key, value) pair to a function's lanes. */
export const pairA = (hk: number, hv: number): number => fmix((Math.imul(hk ^ 0x85ebca6b, 0x9e3779b1) + hv) | 0)
export const pairB = (lk: number, lv: number): number => fmix((Math.imul(lk ^ 0x27d4eb2d, 0x5bd1e995) + lv) ^ 0x165667b1)
export const finishSetA = (sum: number, n: number): number => fmix(sum ^ Math.imul(n, 0x01000193) ^ 0x5e7)
export const finishSetB = (sum: number, n: number): number => fmix((sum + Math.imul(n, 0x3c6ef373)) ^ 0x9a3)
export const finishFcnA = (sum: number, n: number): number => fmix(sum ^ Math.imul(n, 0x01000193) ^ 0xf0c)
export const finishFcnB = (sum: number, n: number): number => fmix((sum + Math.imul(n, 0x3c6ef373)) ^ 0x3b1)

/** Hashes a value; returns lane 1 and leaves lane 2 in `hashLo`. Equal values hash equal. */
export function hashValue(v: Value): number {
  switch (typeof v) {
    case "number":
      hashLo = fmix(Math.imul(v | 0, 0x27d4eb2d) ^ 0x165667b1)
      return fmix((v | 0) ^ 0x3c6ef372)
    case "string": {
      // record field names and message tags recur constantly: remember their hashes
      const hit = stringHashes.get(v)
      if (hit !== undefined) {
        hashLo = hit[1]
        return hit[0]
      }
      const h = strHash(v, 0x9e3779b9)
      hashLo = strHash(v, 0x7f4a7c15)
      if (stringHashes.size < 65536) stringHashes.set(v, [h, hashLo])
      return h
    }
    case "boolean":
      hashLo = v ? 0x6a09e667 : 0x3c6ef373
      return v ? 0x1b873593 : 0x0cc9e2d5
  }
  if (v instanceof ModelValue) {
    hashLo = v.h2
    return v.h1
  }
  let o: SetValue | FcnValue
  if (v instanceof LazySet) o = v.toSet()
  else if (v instanceof LazyFcn) o = v.materialize()
  else o = v
  if (!o.hashed) {
    let a = 0
    let b = 0
    if (o instanceof SetValue) {
      const el = o.elems
      for (let i = 0; i < el.length; i++) {
        const h = hashValue(el[i]!)
        a = (a + setElemA(h)) | 0
        b = (b + setElemB(hashLo)) | 0
      }
      o.h1 = finishSetA(a, el.length)
      o.h2 = finishSetB(b, el.length)
    } else {
      const vals = o.vals
      const keys = o.keys
      for (let i = 0; i < vals.length; i++) {
        const hk = hashValue(keys === null ? i + 1 : keys[i]!)
        const lk = hashLo
        const hv = hashValue(vals[i]!)
        a = (a + pairA(hk, hv)) | 0
        b = (b + pairB(lk, hashLo)) | 0
      }
      o.h1 = finishFcnA(a, vals.length)
      o.h2 = finishFcnB(b, vals.length)
    }
    o.hashed = true
  }
  hashLo = o.h2
  return o.h1
}

// ---------------------------------------------------------------- printing (TLA+ syntax, as TLC prints)

const isIdent = (s: string): boolean => /^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$/.test(s)

export const printValue = (v: Value): string => {
  switch (typeof v) {
    case "number":
      return String(v)
    case "string":
      return JSON.stringify(v)
    case "boolean":
      return v ? "TRUE" : "FALSE"
  }
  if (v instanceof ModelValue) return v.name
  if (v instanceof IntervalSet && v.size > 0) return `${v.lo}..${v.hi}`
  if (v instanceof LazySet && !v.enumerable()) return v.describe()
  if (isSetValue(v)) return `{${enumerate(v).elems.map(printValue).join(", ")}}`
  const f = asFcn(v)
  if (f.keys === null) return `<<${f.vals.map(printValue).join(", ")}>>`
  if (f.keys.every((k) => typeof k === "string" && isIdent(k)))
    return `[${f.keys.map((k, i) => `${k as string} |-> ${printValue(f.vals[i]!)}`).join(", ")}]`
  return `(${f.keys.map((k, i) => `${printValue(k)} :> ${printValue(f.vals[i]!)}`).join(" @@ ")})`
}
