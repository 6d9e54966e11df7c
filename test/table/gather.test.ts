// gather's staggered mode: a read asks a quorum first and widens only on failure or delay.
import { describe, expect, it } from "vitest"
import { gather, GatherError, type Gathered, type Verdict } from "../../src/node/table/gather.ts"

const quorum = (r: number) => ({ ok }: Gathered<string>): Verdict => (ok.size >= r ? "done" : "wait")
const deferred = () => {
  let resolve!: (v: string) => void
  let reject!: (e: Error) => void
  const promise = new Promise<string>((a, b) => ((resolve = a), (reject = b)))
  return { promise, resolve, reject }
}

describe("gather, staggered", () => {
  it("calls only the first `initial` targets when they answer", async () => {
    const called: string[] = []
    const g = await gather(["a", "b", "c"], async (n) => (called.push(n), n), quorum(2), { initial: 2, hedgeMs: 10_000 })
    expect(called).toEqual(["a", "b"])
    expect([...g.ok.keys()].sort()).toEqual(["a", "b"])
  })

  it("replaces a failed call at once, without waiting for the pending one", async () => {
    const called: string[] = []
    const slow = deferred()
    const p = gather(
      ["a", "b", "c"],
      (n) => {
        called.push(n)
        return n === "a" ? slow.promise : n === "b" ? Promise.reject(new Error("down")) : Promise.resolve(n)
      },
      quorum(2),
      { initial: 2, hedgeMs: 10_000 },
    )
    await new Promise((r) => setTimeout(r, 5))
    expect(called).toEqual(["a", "b", "c"])
    slow.resolve("a")
    const g = await p
    expect([...g.ok.keys()].sort()).toEqual(["a", "c"])
  })

  it("asks one more target after hedgeMs without a verdict", async () => {
    const called: string[] = []
    const never = deferred()
    const g = await gather(["a", "b", "c"], (n) => (called.push(n), n === "b" ? never.promise : Promise.resolve(n)), quorum(2), {
      initial: 2,
      hedgeMs: 20,
    })
    expect(called).toEqual(["a", "b", "c"])
    expect([...g.ok.keys()].sort()).toEqual(["a", "c"])
  })

  it("fails once every target was tried and the quorum is out of reach", async () => {
    const called: string[] = []
    const p = gather(["a", "b", "c"], (n) => (called.push(n), n === "a" ? Promise.resolve(n) : Promise.reject(new Error("x"))), quorum(2), {
      initial: 2,
      hedgeMs: 10_000,
    })
    await expect(p).rejects.toBeInstanceOf(GatherError)
    expect(called).toEqual(["a", "b", "c"])
  })

  it("without staggering calls every target at once", async () => {
    const called: string[] = []
    await gather(["a", "b", "c"], async (n) => (called.push(n), n), quorum(1))
    expect(called).toEqual(["a", "b", "c"])
  })
})
