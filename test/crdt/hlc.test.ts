import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareHlc, hlcNow, hlcRecv, hlcZero, type Hlc } from "../../src/core/crdt/index.ts"

const hlcArb: fc.Arbitrary<Hlc> = fc.record({ l: fc.integer({ min: 0, max: 1000 }), c: fc.nat({ max: 5 }) })
// Wall-clock readings, including ones far behind and broken ones.
const nowArb = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(Number.NaN, Infinity, -Infinity))

// Reference HLC with a deliberately broken receive rule: ignores the remote counter.
const brokenRecv = (clock: Hlc, remote: Hlc, nowMs: number): Hlc => {
  const l = Math.max(clock.l, remote.l, nowMs)
  return l === clock.l ? { l, c: clock.c + 1 } : { l, c: 0 }
}

describe("hybrid logical clock", () => {
  it("compareHlc orders by l then c", () => {
    expect(compareHlc({ l: 1, c: 9 }, { l: 2, c: 0 })).toBe(-1)
    expect(compareHlc({ l: 2, c: 1 }, { l: 2, c: 0 })).toBe(1)
    expect(compareHlc(hlcZero, { l: 0, c: 0 })).toBe(0)
  })

  it("hlcNow is strictly increasing along any sequence of clock readings, even going backwards", () => {
    fc.assert(
      fc.property(fc.array(nowArb, { maxLength: 50 }), (nows) => {
        let clock = hlcZero
        for (const now of nows) {
          const next = hlcNow(clock, now)
          expect(compareHlc(next, clock)).toBe(1)
          clock = next
        }
      }),
    )
  })

  it("hlcNow: l = max(l, now); c resets only when l moves", () => {
    fc.assert(
      fc.property(hlcArb, fc.integer({ min: 0, max: 1000 }), (clock, now) => {
        const next = hlcNow(clock, now)
        expect(next.l).toBe(Math.max(clock.l, now))
        expect(next.c).toBe(now > clock.l ? 0 : clock.c + 1)
      }),
    )
  })

  it("hlcRecv is strictly greater than both the local clock and the remote timestamp", () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, nowArb, (clock, remote, now) => {
        const next = hlcRecv(clock, remote, now)
        expect(compareHlc(next, clock)).toBe(1)
        expect(compareHlc(next, remote)).toBe(1)
      }),
    )
  })

  it("hlcRecv: l is the max physical time seen, never beyond it", () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, fc.integer({ min: 0, max: 1000 }), (clock, remote, now) => {
        expect(hlcRecv(clock, remote, now).l).toBe(Math.max(clock.l, remote.l, now))
      }),
    )
  })

  it("a message chain across nodes with skewed clocks yields increasing timestamps (causality)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 30 }),
        (hops) => {
          const clocks: Hlc[] = [hlcZero, hlcZero, hlcZero]
          let msg = hlcZero
          for (const [node, now] of hops) {
            const recv = hlcRecv(clocks[node] as Hlc, msg, now)
            const send = hlcNow(recv, now)
            expect(compareHlc(send, msg)).toBe(1)
            clocks[node] = send
            msg = send
          }
        },
      ),
    )
  })

  it("the property test catches a receive rule that ignores the remote counter", () => {
    expect(() =>
      fc.assert(
        fc.property(hlcArb, hlcArb, fc.integer({ min: 0, max: 1000 }), (clock, remote, now) =>
          compareHlc(brokenRecv(clock, remote, now), remote) === 1,
        ),
        { seed: 42, numRuns: 1000 },
      ),
    ).toThrow()
  })

  it("a broken wall clock does not poison the state", () => {
    const t = hlcNow({ l: 5, c: 0 }, Number.NaN)
    expect(t).toEqual({ l: 5, c: 1 })
    expect(hlcRecv({ l: 5, c: 0 }, { l: 3, c: 7 }, Infinity)).toEqual({ l: 5, c: 1 })
  })
})
