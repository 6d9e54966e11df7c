// The `pollen tla` command end to end: exit codes as TLC's, TLC-shaped output, JSON traces.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const examples = resolve(repoRoot, "../shared/tla-examples")
const pollen = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, "bin/pollen"), "tla", ...args], { encoding: "utf8" })

describe("pollen tla", () => {
  it("check DieHard: invariant violated, exit 12, trace and JSON dump", () => {
    const dump = join(mkdtempSync(join(tmpdir(), "pollen-cli-")), "trace.json")
    const r = pollen("check", join(examples, "DieHard/DieHard.tla"), "--dump-trace", dump)
    expect(r.status).toBe(12)
    expect(r.stdout).toContain("Error: Invariant NotSolved is violated.")
    expect(r.stdout).toContain("State 7: <BigToSmall line")
    expect(r.stdout).toContain("73 states generated, 14 distinct states found, 1 states left on queue.")
    expect(r.stdout).toContain("The depth of the complete state graph search is 7.")
    const json = JSON.parse(readFileSync(dump, "utf8")) as { vars: string[]; counterexample: { state: [number, Record<string, number>][] } }
    expect(json.vars).toEqual(["big", "small"])
    expect(json.counterexample.state.length).toBe(7)
    expect(json.counterexample.state[6]![1]).toEqual({ big: 4, small: 3 })
  })
  it("TLC's own flags: -config, -deadlock, -workers, -lncheck; the spec named without .tla", () => {
    const spec = join(examples, "transaction_commit/TCommit")
    const cfg = join(examples, "transaction_commit/TCommit_deadlock.cfg")
    const off = pollen("check", spec, "-config", cfg, "-deadlock", "-workers", "1", "-lncheck", "final", "-cleanup")
    expect(off.stderr).toBe("")
    expect(off.status).toBe(0)
    expect(off.stdout).toContain("Model checking completed. No error has been found.")
    const on = pollen("check", spec, "-config", cfg)
    expect(on.status).toBe(11)
    const badDump = pollen("check", spec, "-dumpTrace", "tla", "x.tla")
    expect(badDump.status).toBe(1)
    expect(badDump.stderr).toContain("only the json format is supported")
  })
  it("-dump dot,actionlabels writes the state graph in DOT; -dump writes every distinct state", () => {
    const dir = mkdtempSync(join(tmpdir(), "pollen-cli-dump-"))
    const spec = join(examples, "transaction_commit/TCommit.tla")
    const r = pollen("check", spec, "-dump", "dot,actionlabels", join(dir, "g.dot"))
    expect(r.status).toBe(0)
    const dot = readFileSync(join(dir, "g.dot"), "utf8")
    expect(dot.startsWith("strict digraph DiskGraph {\n")).toBe(true)
    expect(dot.trimEnd().endsWith("}\n}")).toBe(true)
    const nodes = dot.split("\n").filter((l) => /^-?\d+ \[label=/.test(l))
    const edges = dot.split("\n").filter((l) => /^-?\d+ -> -?\d+ \[label="\w+"\];$/.test(l))
    expect(nodes.length).toBe(34) // TCommit's distinct states (TLC: 34)
    expect(nodes.filter((l) => l.includes("style = filled")).length).toBe(1)
    // every transition joins two dumped states
    const ids = new Set(nodes.map((l) => l.split(" ")[0]))
    for (const e of edges) for (const id of e.match(/-?\d+/g)!.slice(0, 2)) expect(ids.has(id)).toBe(true)
    expect(edges.length).toBeGreaterThan(34)
    const text = pollen("check", spec, "-dump", join(dir, "states.txt"))
    expect(text.status).toBe(0)
    expect(readFileSync(join(dir, "states.txt"), "utf8").match(/^State \d+:$/gm)?.length).toBe(34)
  })
  it("check with --config: deadlock, exit 11", () => {
    const r = pollen("check", join(examples, "transaction_commit/TCommit.tla"), "--config", join(examples, "transaction_commit/TCommit_deadlock.cfg"))
    expect(r.status).toBe(11)
    expect(r.stdout).toContain("Error: Deadlock reached.")
  })
  it("check with --lib: Paxos refinement holds, exit 0", () => {
    const r = pollen("check", join(examples, "Paxos/MCPaxos.tla"), "--lib", join(examples, "_lib/tlapm"), "--lib", join(examples, "_lib/community"))
    expect(r.status).toBe(0)
    expect(r.stdout).toContain("Model checking completed. No error has been found.")
    expect(r.stdout).toContain("82 states generated, 25 distinct states found, 0 states left on queue.")
  })
  it("parse errors exit 150 with a located message", () => {
    const dir = mkdtempSync(join(tmpdir(), "pollen-cli-"))
    const file = join(dir, "Bad.tla")
    writeFileSync(file, "---- MODULE Bad ----\nVARIABLE x\nInit == x = (1\n====\n")
    const r = pollen("parse", file)
    expect(r.status).toBe(150)
    expect(r.stderr).toMatch(/Bad\.tla:4:1: parse error/)
    expect(pollen("parse", join(examples, "Paxos/Voting.tla")).status).toBe(0)
  })
  // TLC's suite ETest2: an operator applied to too few arguments is a SANY error, ERROR_SPEC_PARSE
  it("semantic errors (wrong number of arguments) exit 150 as SANY's", () => {
    const dir = mkdtempSync(join(tmpdir(), "pollen-cli-"))
    const file = join(dir, "Arity.tla")
    writeFileSync(file, "---- MODULE Arity ----\nVARIABLE x\nInit == x = TRUE\nNext == UNCHANGED x\nFoo(a, b) == a /\\ b\nInv == Foo(x)\n====\n")
    writeFileSync(join(dir, "Arity.cfg"), "INIT Init\nNEXT Next\nINVARIANT Inv\n")
    const r = pollen("check", file)
    expect(r.status).toBe(150)
    expect(r.stderr).toMatch(/Arity\.tla:6:8: semantic error: operator Foo expects 2 arguments/)
  })
  it("usage errors exit 1", () => {
    expect(pollen("frobnicate").status).toBe(1)
    expect(pollen("check", "/nonexistent/Spec.tla").status).toBe(1)
  })
})
