// Bundles a TypeScript entry point with esbuild into dist/<name>/ and says where it is,
// rebuilding only when one of the bundle's inputs changed. bin/pollen runs the CLI this way
// (plain `node` on the bundle instead of tsx's loader: idle `pollen server` 60 MiB resident
// instead of 130-175 MiB, and a faster start; docs/benchmarks.md, "Node memory").
//
//   node scripts/build.mjs            builds the CLI now (what bin/pollen does when needed)
//
// Layout: dist/<name>/<build id>/… holds one build (code split, so a command's modules load
// only when it runs), dist/<name>/current.json names the current build and the inputs it was
// made from with their mtime and size. A build is written under a fresh id and published by
// renaming current.json, so concurrent starts (tests spawn several) never see a half-written
// bundle. Packages stay external (resolved from node_modules at run time) except effect,
// which is bundled (see `externals`); package.json and package-lock.json count as inputs. Every
// `import.meta.url` in the sources is replaced by the source file's own URL, so files found
// relative to a module (the TLA+ grammar, spec/*.tla, the checker's worker boot file) are
// found where they are in the checkout. No source maps (they doubled the build time): to
// debug with TypeScript line numbers, run POLLEN_TSX=1 ./bin/pollen ….
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const self = fileURLToPath(import.meta.url)

/** Where the current build of `name` is, if it is fresh: the absolute path of its entry file. */
const freshEntry = (name) => {
  let current
  try {
    current = JSON.parse(readFileSync(join(root, "dist", name, "current.json"), "utf8"))
  } catch {
    return undefined
  }
  for (const [file, [mtimeMs, size]] of Object.entries(current.inputs)) {
    try {
      const s = statSync(join(root, file))
      if (s.mtimeMs !== mtimeMs || s.size !== size) return undefined
    } catch {
      return undefined
    }
  }
  const entry = join(root, "dist", name, current.id, current.entry)
  return existsSync(entry) ? entry : undefined
}

/** Every dependency except effect (and their subpaths). */
const externals = () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
  return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => name !== "effect")
    .flatMap((name) => [name, `${name}/*`])
}

const sourceUrlPlugin = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts)$/ }, async (args) => {
      const text = await readFile(args.path, "utf8")
      if (!text.includes("import.meta.url")) return undefined
      return { contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" }
    })
  },
}

/**
 * The entry file of a fresh bundle of `entry` (a path relative to the checkout), building it
 * first when there is none or an input changed. Throws if esbuild fails.
 */
export const ensureBuilt = async (name, entry) => {
  const fresh = freshEntry(name)
  if (fresh !== undefined) return fresh
  const { build } = await import("esbuild")
  const started = Date.now()
  const id = `${started.toString(36)}-${process.pid}`
  const outdir = join(root, "dist", name, id)
  const result = await build({
    entryPoints: { main: join(root, entry) },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Packages load from node_modules at run time, except effect: its index imports every
    // module of the library (about 30 MiB resident for `import { Schema } from "effect"`);
    // bundled, only what Pollen uses is included.
    external: externals(),
    keepNames: true,
    sourcemap: false,
    outdir,
    metafile: true,
    logLevel: "silent",
    plugins: [sourceUrlPlugin],
  })
  const inputs = {}
  const sources = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/"))
  for (const file of [...sources.map((f) => resolve(root, f)), self, join(root, "package.json"), join(root, "package-lock.json")]) {
    const s = statSync(file)
    // A file changed while it was being bundled may not be in this build: never call it fresh.
    inputs[relative(root, file)] = [s.mtimeMs >= started ? -1 : s.mtimeMs, s.size]
  }
  const current = join(root, "dist", name, "current.json")
  const tmp = `${current}.${id}.tmp`
  writeFileSync(tmp, JSON.stringify({ id, entry: "main.js", builtAt: new Date(started).toISOString(), inputs }))
  renameSync(tmp, current)
  // Old builds: keep the last hour's (a process started from one may still import from it).
  for (const d of readdirSync(join(root, "dist", name), { withFileTypes: true })) {
    if (!d.isDirectory() || d.name === id) continue
    const dir = join(root, "dist", name, d.name)
    try {
      if (Date.now() - statSync(dir).mtimeMs > 3_600_000) rmSync(dir, { recursive: true, force: true })
    } catch {
      // another process removed it
    }
  }
  return join(outdir, "main.js")
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  mkdirSync(join(root, "dist"), { recursive: true })
  rmSync(join(root, "dist", "cli", "current.json"), { force: true })
  const t = performance.now()
  const main = await ensureBuilt("cli", "src/cli/main.ts")
  console.log(`built ${relative(root, main)} in ${(performance.now() - t).toFixed(0)} ms`)
}
