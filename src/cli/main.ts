// The `pollen` command: dispatches `pollen <command> [args]` to one module per command.
import { commands } from "./commands.ts"

const usage = (): string =>
  [
    "usage: pollen <command> [args]",
    "",
    "commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    "",
    "Run `pollen <command> --help` for a command's options.",
  ].join("\n")

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage())
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (command === undefined) {
    console.error(`pollen: unknown command '${name}'\n\n${usage()}`)
    return 2
  }
  const module = await command.load()
  return module.run(rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(`pollen: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  },
)
