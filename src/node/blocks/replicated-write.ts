// A block write to every node of every write set at once, done when a quorum of each set
// acknowledged (core/block/write-quorum.ts). The writes that are still running go on in
// the background; `settled` tells which nodes failed once every write has finished.
import { writeQuorumStatus } from "../../core/block/write-quorum.ts"
import type { NodeId } from "../../core/machine.ts"

export class WriteQuorumError extends Error {}

export const replicatedWrite = (
  hash: string,
  sets: ReadonlyArray<ReadonlyArray<NodeId>>,
  writeTo: (node: NodeId) => Promise<void>,
): { readonly quorum: Promise<void>; readonly settled: Promise<NodeId[]> } => {
  const targets = [...new Set(sets.flat())]
  const acked = new Set<NodeId>()
  const failed = new Set<NodeId>()
  const errors: string[] = []
  let check = (): void => {}
  const quorum = new Promise<void>((resolve, reject) => {
    check = () => {
      const status = writeQuorumStatus(sets, acked, failed)
      if (status === "reached") resolve()
      else if (status === "impossible") {
        const why = targets.length === 0 ? "no node holds its partition" : errors.join("; ")
        reject(new WriteQuorumError(`block ${hash.slice(0, 12)}: no write quorum (${acked.size} of ${targets.length} stored): ${why}`))
      }
    }
  })
  const settled = Promise.all(
    targets.map((node) =>
      writeTo(node).then(
        () => {
          acked.add(node)
          check()
        },
        (e: unknown) => {
          failed.add(node)
          errors.push(`${node.slice(0, 8)}: ${e instanceof Error ? e.message : String(e)}`)
          check()
        },
      ),
    ),
  ).then(() => [...failed])
  check()
  quorum.catch(() => {})
  return { quorum, settled }
}
