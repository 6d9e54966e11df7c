// The table of `pollen` subcommands. Each command lives in its own module under
// ./commands and is loaded only when invoked, so `pollen mc` does not load the node.
export interface CommandModule {
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>
}

export interface Command {
  readonly summary: string
  readonly load: () => Promise<CommandModule>
}

export const commands: Record<string, Command> = {
  mc: {
    summary: "model-check a protocol's cluster model: pollen mc <model> [--bound=value ...]",
    load: () => import("./commands/mc.ts"),
  },
  tla: {
    summary: "parse or model-check a TLA+ spec: pollen tla check <Spec.tla> [--config F] | pollen tla parse <Spec.tla>",
    load: () => import("./commands/tla.ts"),
  },
  trace: {
    summary: "validate reducer logs of a real run against the protocol's TLA+ spec: pollen trace check --model <m> <log.jsonl> ...",
    load: () => import("./commands/trace.ts"),
  },
  start: {
    summary: "run a single development node (S3 on 127.0.0.1:3900, data in ./data): pollen start",
    load: () => import("./commands/start.ts"),
  },
  server: {
    summary: "run a node: pollen server [-c pollen.toml]",
    load: () => import("./commands/server.ts"),
  },
  key: {
    summary: "manage access keys: pollen key create|list|info|delete|allow|deny",
    load: () => import("./commands/key.ts"),
  },
  bucket: {
    summary: "manage buckets: pollen bucket create|list|info|delete|allow|deny|alias|unalias",
    load: () => import("./commands/bucket.ts"),
  },
  node: {
    summary: "this node's id, or connect a peer: pollen node id | pollen node connect <id>@<host>:<port>",
    load: () => import("./commands/node.ts"),
  },
  status: {
    summary: "the cluster's nodes, health and layout version: pollen status",
    load: () => import("./commands/status.ts"),
  },
  layout: {
    summary: "cluster layout: pollen layout assign|remove|show|apply|revert|history",
    load: () => import("./commands/layout.ts"),
  },
  bench: {
    summary: "run a benchmark: pollen bench <name>",
    load: () => import("./commands/bench.ts"),
  },
}
