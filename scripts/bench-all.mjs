#!/usr/bin/env node
// `npm run bench`: every `bench:*` script of package.json, one after another (they measure
// time, so never two at once), each under a header; a failing one does not stop the others,
// and the exit status says whether any failed. `npm run bench -- tla s3` runs only those.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"

const scripts = Object.keys(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).scripts)
  .filter((s) => s.startsWith("bench:"))
const only = process.argv.slice(2)
const chosen = only.length === 0 ? scripts : scripts.filter((s) => only.includes(s.slice("bench:".length)))
if (chosen.length === 0) {
  console.error(`bench: nothing matches ${only.join(" ")}; known: ${scripts.map((s) => s.slice(6)).join(" ")}`)
  process.exit(1)
}
const failed = []
for (const s of chosen) {
  console.log(`\n=== npm run ${s} (${new Date().toISOString()}) ===`)
  const r = spawnSync("npm", ["run", "-s", s], { stdio: "inherit" })
  if (r.status !== 0) failed.push(`${s} (exit ${r.status ?? r.signal})`)
}
console.log(failed.length === 0 ? `\nbench: ${chosen.length} benchmarks ran` : `\nbench: failed: ${failed.join(", ")}`)
process.exit(failed.length === 0 ? 0 : 1)
