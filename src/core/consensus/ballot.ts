// Ballots `(cfg, round, node)`, compared cfg first, then round, then node id (consensus.md
// §5.2). `cfg` is the layout configuration the ballot was issued under; `round` is the
// proposer's durable counter; the node id breaks ties, so two proposers never share a ballot.
import { Schema } from "effect"
import type { NodeId } from "../machine.ts"

export const BallotSchema = Schema.Struct({
  cfg: Schema.Int,
  round: Schema.Int,
  node: Schema.String,
})
export type Ballot = typeof BallotSchema.Type

/** Below every real ballot: the `promised` and `accBal` of an acceptor that has seen nothing. */
export const BOTTOM: Ballot = { cfg: -1, round: -1, node: "" }

export const compareBallot = (a: Ballot, b: Ballot): number =>
  a.cfg !== b.cfg ? a.cfg - b.cfg : a.round !== b.round ? a.round - b.round : a.node < b.node ? -1 : a.node > b.node ? 1 : 0

export const sameBallot = (a: Ballot, b: Ballot): boolean => a.cfg === b.cfg && a.round === b.round && a.node === b.node

export const maxBallot = (a: Ballot, b: Ballot): Ballot => (compareBallot(a, b) >= 0 ? a : b)

export const isBottom = (b: Ballot): boolean => b.round < 0

export const ballotKey = (b: Ballot): string => `${b.cfg}.${b.round}.${b.node}`

export const showBallot = (b: Ballot): string => (isBottom(b) ? "⊥" : `(${b.cfg},${b.round},${b.node})`)

export const ballot = (cfg: number, round: number, node: NodeId): Ballot => ({ cfg, round, node })

/** Majority of `n` voters. */
export const quorum = (n: number): number => Math.floor(n / 2) + 1
