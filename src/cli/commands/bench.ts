// `pollen bench <name>`: runs one benchmark from bench/.
const benches: Record<string, () => Promise<{ run(args: readonly string[]): Promise<number> }>> = {
  mc: () => import("../../../bench/mc.ts"),
}

export const run = async (args: readonly string[]): Promise<number> => {
  const [name, ...rest] = args
  const load = name === undefined ? undefined : benches[name]
  if (load === undefined) {
    console.error(`usage: pollen bench <${Object.keys(benches).join("|")}>`)
    return 2
  }
  return (await load()).run(rest)
}
