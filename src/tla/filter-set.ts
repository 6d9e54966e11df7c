// `{x \in S : P}` over a set TLC does not enumerate eagerly (SUBSET, [S -> T], record sets,
// Nat, ...): like TLC's SetPredValue, membership tests `v \in S /\ P(v)` without listing S,
// and the elements are only computed when the set is enumerated.
import { LazySet, SetValue, enumerate, isEnumerable, isMember, printValue } from "./values.ts"
import type { Value } from "./values.ts"

export class FilterSet extends LazySet {
  constructor(
    readonly base: Value,
    /** P(v), evaluated in the state the set expression was evaluated in. */
    readonly test: (v: Value) => boolean,
  ) {
    super()
  }
  member(v: Value): boolean {
    return isMember(v, this.base) && this.test(v)
  }
  override enumerable(): boolean {
    return isEnumerable(this.base)
  }
  protected build(): SetValue {
    return new SetValue(enumerate(this.base).elems.filter((v) => this.test(v)))
  }
  describe(): string {
    return `{x \\in ${printValue(this.base)} : ...}`
  }
}
