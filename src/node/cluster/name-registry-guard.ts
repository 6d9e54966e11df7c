// The name registry as hosted on a real node: the pure reducer, plus one check the model
// never needs because every model node shares the same voter list. A real peer may disagree
// about the voters (a node that has not yet learned the cluster's voters, a misconfigured or
// hostile node holding the secret); its Promise/Accepted/Nack must not count toward our
// quorums, or two majorities could fail to intersect. Dropping them is pure and stateless.
import type { Input, Machine } from "../../core/machine.ts"
import type { NameRegistry } from "../../core/consensus/name-registry.ts"
import { nameRegistry } from "../../core/consensus/name-registry.ts"

type RegistryInput = Input<NameRegistry["Msg"], NameRegistry["Op"], NameRegistry["Rec"]>

/** Messages only a voter sends. */
const VOTER_REPLIES = new Set(["Promise", "Accepted", "Nack"])

/** True when `input` is a voter's reply from a node that is not one of `voters`. */
export const fromNonVoter = (voters: ReadonlyArray<string>, input: RegistryInput): boolean =>
  input._tag === "Recv" && VOTER_REPLIES.has(input.msg._tag) && !voters.includes(input.from)

/** The registry reducer, ignoring voter replies from non-voters (the host logs them). */
export const guardedRegistry: Machine<NameRegistry> = {
  ...nameRegistry,
  step: (s, input) => (fromNonVoter(s.params.voters, input) ? { state: s, out: [] } : nameRegistry.step(s, input)),
}
