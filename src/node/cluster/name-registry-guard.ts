// The name registry as hosted on a real node: the pure reducer, plus one check the model
// never needs because every model node shares the same voter list. A real peer may disagree
// about the voters (a node that has not yet learned the cluster's voters, a misconfigured or
// hostile node holding the secret); its Promise/Accepted/Nack must not count toward our
// quorums, or two majorities could fail to intersect. Dropping them is pure and stateless.
//
// One hint, for speed only: the reducer learns other proposers' rounds from Nacks alone, so
// a node proposing on a name another node decided last always pays a Nack plus a random
// backoff (measured: 62 ms vs 12 ms per lookup on loopback). A `Decided` carries the deciding
// ballot; feeding it back as a Nack that matches no attempt of ours only raises `seen[name]`,
// which only makes our next ballot higher: always safe.
import type { Input, Machine } from "../../core/machine.ts"
import type { NameRegistry } from "../../core/consensus/name-registry.ts"
import { nameRegistry } from "../../core/consensus/name-registry.ts"
import { BOTTOM } from "../../core/consensus/ballot.ts"

type RegistryInput = Input<NameRegistry["Msg"], NameRegistry["Op"], NameRegistry["Rec"]>

/** Messages only a voter sends. */
const VOTER_REPLIES = new Set(["Promise", "Accepted", "Nack"])

/** True when `input` is a voter's reply from a node that is not one of `voters`. */
export const fromNonVoter = (voters: ReadonlyArray<string>, input: RegistryInput): boolean =>
  input._tag === "Recv" && VOTER_REPLIES.has(input.msg._tag) && !voters.includes(input.from)

/** The registry reducer, ignoring voter replies from non-voters (the host logs them). */
export const guardedRegistry: Machine<NameRegistry> = {
  ...nameRegistry,
  step: (s, input) => {
    if (fromNonVoter(s.params.voters, input)) return { state: s, out: [] }
    const learned = nameRegistry.step(s, input)
    if (input._tag !== "Recv" || input.msg._tag !== "Decided") return learned
    const { name, b } = input.msg
    // b = BOTTOM matches no attempt (every attempt has a real ballot), so this Nack never preempts.
    const hint = nameRegistry.step(learned.state, { _tag: "Recv", from: input.from, msg: { _tag: "Nack", name, b: BOTTOM, seen: b, cfg: b.cfg } })
    return { state: hint.state, out: [...learned.out, ...hint.out] }
  },
}
