// The cluster models `pollen mc <model>` knows, with their bounds as command-line options.
import type { Protocol } from "../../core/machine.ts"
import type { ClusterModel } from "../cluster-model.ts"
import { antiEntropyModel, antiEntropyMutants, ciBounds } from "./anti-entropy.ts"
import type { Refinement } from "../refinement.ts"
import { loadSpec } from "../../tla/api.ts"
import {
  layoutAbs,
  layoutCiBounds,
  layoutRefinementModel,
  layoutSpecConstants,
  layoutTransitionModel,
  layoutTransitionMutants,
} from "./layout-transition.ts"
import { layoutCiBounds as commitCiBounds, layoutCommitModel, layoutMutants as commitMutants } from "./layout-commit.ts"
import { nameCiBounds, nameRegistryModel, registryMutants } from "./name-registry.ts"
import { nameAbs, nameRefinementCiBounds, nameRefinementModel, nameSpecConstants, refinableNameBounds } from "./name-registry-refinement.ts"
import { layoutCommitAbs, layoutCommitSpecConstants, layoutRefinementModelOf } from "./layout-commit-refinement.ts"

export interface ModelEntry {
  readonly summary: string
  /** Bound names with their CI defaults (numbers, booleans or strings). */
  readonly defaults: Readonly<Record<string, number | boolean | string>>
  readonly mutants: ReadonlyArray<string>
  build(bounds: Readonly<Record<string, number | boolean | string>>, mutant?: string): ClusterModel<Protocol, unknown>
  /** The refinement check against the protocol's TLA+ spec (`pollen mc <model> --refine`). */
  refinement?(bounds: Readonly<Record<string, number | boolean | string>>, mutant?: string): Refinement<Protocol, unknown>
}

export const models: Record<string, ModelEntry> = {
  "anti-entropy": {
    summary: "replicated LwwMap with push/pull anti-entropy, crashes and message loss",
    defaults: (({ clients: _clients, ...bounds }) => bounds)(ciBounds),
    mutants: Object.keys(antiEntropyMutants),
    build: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : antiEntropyMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = { ...ciBounds, ...bounds } as typeof ciBounds
      if (b.network !== "set" && b.network !== "multiset") throw new Error(`--network must be set or multiset`)
      return antiEntropyModel(b, variant, mutant === undefined ? "anti-entropy" : `anti-entropy/${mutant}`) as unknown as ClusterModel<
        Protocol,
        unknown
      >
    },
  },
  "layout-transition": {
    summary: "layout history (ack/sync/syncAck trackers) + quorum KV table across layout versions, ReadAfterWrite",
    defaults: { ...layoutCiBounds },
    mutants: Object.keys(layoutTransitionMutants),
    build: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : layoutTransitionMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = { ...layoutCiBounds, ...bounds } as typeof layoutCiBounds
      if (b.network !== "set" && b.network !== "multiset") throw new Error(`--network must be set or multiset`)
      return layoutTransitionModel(b, variant, mutant === undefined ? "layout-transition" : `layout-transition/${mutant}`) as unknown as ClusterModel<
        Protocol,
        unknown
      >
    },
    refinement: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : layoutTransitionMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = { ...layoutCiBounds, ...bounds } as typeof layoutCiBounds
      if (b.network !== "multiset" || b.drops > 0 || b.duplicates > 0 || b.partitions > 0) {
        throw new Error("--refine needs --network=multiset and no drops, duplicates or partitions (see proofs-notes/layout-transition.md)")
      }
      const specFile = new URL("../../../spec/LayoutTransition.tla", import.meta.url).pathname
      return {
        model: layoutRefinementModel(b, variant, mutant === undefined ? "layout-transition" : `layout-transition/${mutant}`),
        spec: loadSpec(specFile, { constants: layoutSpecConstants(b, mutant) }),
        abs: layoutAbs(b),
      } as unknown as Refinement<Protocol, unknown>
    },
  },
  "name-registry": {
    summary: "CASPaxos name registry: 3 voters, proposers racing on one name (claim/claim/release), crashes, loss, duplication",
    defaults: { ...nameCiBounds },
    mutants: Object.keys(registryMutants),
    build: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : registryMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = { ...nameCiBounds, ...bounds } as typeof nameCiBounds
      if (b.network !== "set" && b.network !== "multiset") throw new Error(`--network must be set or multiset`)
      if (b.script !== "claim" && b.script !== "claim-release") throw new Error(`--script must be claim or claim-release`)
      return nameRegistryModel(b, variant, mutant === undefined ? "name-registry" : `name-registry/${mutant}`) as unknown as ClusterModel<
        Protocol,
        unknown
      >
    },
    // Without options: the CI refinement bound (2 proposers claim, round 1, no faults), not the
    // invariant-checking default; retransmission, deadlines and partitions add no spec step and are off.
    refinement: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : registryMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = refinableNameBounds({ ...nameCiBounds, ...nameRefinementCiBounds, ...bounds } as typeof nameCiBounds)
      if (b.network !== "set" && b.network !== "multiset") throw new Error(`--network must be set or multiset`)
      if (b.script !== "claim" && b.script !== "claim-release") throw new Error(`--script must be claim or claim-release`)
      const specFile = new URL("../../../spec/NameRegistry.tla", import.meta.url).pathname
      return {
        model: nameRefinementModel(b, variant, mutant === undefined ? "name-registry" : `name-registry/${mutant}`),
        spec: loadSpec(specFile, { constants: nameSpecConstants(b) }),
        abs: nameAbs(b),
      } as unknown as Refinement<Protocol, unknown>
    },
  },
  "layout-commit": {
    summary: "layout commit: chain of write-once Synod slots decided by the voters of the previous version",
    defaults: { ...commitCiBounds },
    mutants: Object.keys(commitMutants),
    build: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : commitMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = { ...commitCiBounds, ...bounds } as typeof commitCiBounds
      if (b.network !== "set" && b.network !== "multiset") throw new Error(`--network must be set or multiset`)
      return layoutCommitModel(b, variant, mutant === undefined ? "layout-commit" : `layout-commit/${mutant}`) as unknown as ClusterModel<
        Protocol,
        unknown
      >
    },
    refinement: (bounds, mutant) => {
      const variant = mutant === undefined ? undefined : commitMutants[mutant]
      if (mutant !== undefined && variant === undefined) throw new Error(`unknown mutant '${mutant}'`)
      const b = { ...commitCiBounds, ...bounds } as typeof commitCiBounds
      if (b.network !== "set" && b.network !== "multiset") throw new Error(`--network must be set or multiset`)
      const specFile = new URL("../../../spec/LayoutCommit.tla", import.meta.url).pathname
      return {
        model: layoutRefinementModelOf(b, variant, mutant === undefined ? "layout-commit" : `layout-commit/${mutant}`),
        spec: loadSpec(specFile, { constants: layoutCommitSpecConstants(b) }),
        abs: layoutCommitAbs(b),
      } as unknown as Refinement<Protocol, unknown>
    },
  },
}
