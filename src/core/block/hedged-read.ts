// A hedged read as a pure state machine: ask the first candidate; if it has not answered
// when the hedge timer fires, ask the next one too (up to `maxInFlight` at once); a
// failure (error, missing block, wrong hash) moves on to the next candidate at once; the
// first good answer wins and cancels the others. The shell runs the RPCs and the timer.

export interface HedgeState {
  readonly candidates: number
  readonly maxInFlight: number
  /** Index of the next candidate to ask. */
  readonly next: number
  readonly inFlight: ReadonlyArray<number>
  readonly outcome: "running" | { readonly winner: number } | "all-failed"
}

export type HedgeEvent =
  | { readonly _tag: "HedgeTimer" }
  | { readonly _tag: "Failed"; readonly index: number }
  | { readonly _tag: "Succeeded"; readonly index: number }

export type HedgeAction =
  | { readonly _tag: "Ask"; readonly index: number }
  /** (Re)start the hedge timer. */
  | { readonly _tag: "ArmTimer" }
  | { readonly _tag: "Cancel"; readonly index: number }
  | { readonly _tag: "Deliver"; readonly index: number }
  | { readonly _tag: "GiveUp" }

type Result = { readonly state: HedgeState; readonly actions: ReadonlyArray<HedgeAction> }

const askNext = (s: HedgeState): Result => {
  if (s.next >= s.candidates) {
    return s.inFlight.length === 0 ? { state: { ...s, outcome: "all-failed" }, actions: [{ _tag: "GiveUp" }] } : { state: s, actions: [] }
  }
  const state = { ...s, next: s.next + 1, inFlight: [...s.inFlight, s.next] }
  const actions: HedgeAction[] = [{ _tag: "Ask", index: s.next }]
  if (state.next < s.candidates) actions.push({ _tag: "ArmTimer" })
  return { state, actions }
}

export const startHedge = (candidates: number, maxInFlight: number): Result =>
  askNext({ candidates, maxInFlight: Math.max(1, maxInFlight), next: 0, inFlight: [], outcome: "running" })

export const hedgeStep = (s: HedgeState, e: HedgeEvent): Result => {
  if (s.outcome !== "running") return { state: s, actions: [] }
  switch (e._tag) {
    case "HedgeTimer":
      return s.inFlight.length < s.maxInFlight ? askNext(s) : { state: s, actions: [] }
    case "Failed": {
      if (!s.inFlight.includes(e.index)) return { state: s, actions: [] }
      return askNext({ ...s, inFlight: s.inFlight.filter((i) => i !== e.index) })
    }
    case "Succeeded": {
      if (!s.inFlight.includes(e.index)) return { state: s, actions: [] }
      const others = s.inFlight.filter((i) => i !== e.index)
      return {
        state: { ...s, inFlight: [], outcome: { winner: e.index } },
        actions: [{ _tag: "Deliver", index: e.index }, ...others.map((index) => ({ _tag: "Cancel" as const, index }))],
      }
    }
  }
}
