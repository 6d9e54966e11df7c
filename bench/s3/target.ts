// One baseline server for `npm run bench:s3`, run as a child process so that the load
// generator does not share its event loop: `target.ts <kind> <dir>` starts it on 127.0.0.1
// (port chosen by the OS) with its data in <dir> and prints one JSON line
// {url, accessKeyId, secret}. Kinds: s3rver (the npm package), bare (a plain HTTP server that
// writes request bodies to files and streams them back), bare-replica (one of the three
// processes of bare-3: the same server, which also forwards each PUT to the other two; it
// reads their URLs as a JSON array from its first stdin line). SIGTERM stops it. The Pollen
// targets are real `pollen server` processes (bench/s3/pollen.ts).
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, stat } from "node:fs/promises"
import { Agent, createServer, request, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import type { Writable } from "node:stream"
import { pipeline } from "node:stream/promises"

interface Started {
  readonly url: string
  readonly accessKeyId: string
  readonly secret: string
  close(): Promise<void>
}

const s3rver = async (dir: string): Promise<Started> => {
  const { default: S3rver } = (await import("s3rver")) as unknown as { default: new (o: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> } }
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true })
  const address = await server.run()
  // s3rver's built-in account.
  return { url: `http://127.0.0.1:${address.port}`, accessKeyId: "S3RVER", secret: "S3RVER", close: () => server.close() }
}

/**
 * Writes a request body to `file` and, for bare-3, to each peer (plain HTTP, keep-alive),
 * with the body's backpressure shared by every destination; resolves when all have it.
 */
const PEER_HEADER = "x-bare-replica"
const peerAgent = new Agent({ keepAlive: true, maxSockets: 32 })
const BATCH = 1 << 20
const storeBody = (req: IncomingMessage, file: string, peers: readonly string[]): Promise<void> => {
  if (peers.length === 0) return pipeline(req, createWriteStream(file))
  // Forwarded in 1 MiB writes (as a store forwards blocks): socket-sized chunks to three
  // destinations cost more syscalls than the copies themselves.
  const sinks: Writable[] = [createWriteStream(file)]
  const done: Promise<void>[] = [new Promise((resolve, reject) => sinks[0]!.once("finish", resolve).once("error", reject))]
  for (const peer of peers) {
    const out = request(`${peer}${req.url ?? "/"}`, { method: "PUT", agent: peerAgent, headers: { [PEER_HEADER]: "1", "content-length": req.headers["content-length"] ?? "0" } })
    sinks.push(out)
    done.push(
      new Promise((resolve, reject) => {
        out.once("response", (res) => {
          res.resume()
          res.once("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`peer answered ${res.statusCode}`))))
        })
        out.once("error", reject)
      }),
    )
  }
  let pending: Buffer[] = []
  let size = 0
  const flush = () => {
    const batch = Buffer.concat(pending, size)
    pending = []
    size = 0
    let waiting = 0
    for (const sink of sinks)
      if (!sink.write(batch)) {
        waiting++
        sink.once("drain", () => --waiting === 0 && req.resume())
      }
    if (waiting > 0) req.pause()
  }
  req.on("data", (chunk: Buffer) => {
    pending.push(chunk)
    size += chunk.length
    if (size >= BATCH) flush()
  })
  req.once("end", () => {
    if (size > 0) flush()
    for (const sink of sinks) sink.end()
  })
  req.once("error", (e) => sinks.forEach((s) => s.destroy(e)))
  return Promise.all(done).then(() => undefined)
}

/**
 * The machine's limit for this shape of work: no auth, no metadata, one file per key. With
 * peers (bare-3), every PUT is also written by the two other processes before it is
 * answered: the least work any store keeping three full copies does, and its ceiling here.
 */
const bare = async (dir: string, peers: readonly string[] = []): Promise<Started> => {
  await mkdir(dir, { recursive: true })
  const fileOf = (url: string) => join(dir, Buffer.from(url).toString("base64url").slice(0, 200))
  const server = createServer((req, res) => {
    const file = fileOf(req.url ?? "/")
    const done = (status: number) => {
      res.writeHead(status, { "content-length": 0 })
      res.end()
    }
    if (req.method === "PUT") {
      storeBody(req, file, req.headers[PEER_HEADER] === undefined ? peers : []).then(() => done(200), () => done(500))
    } else if (req.method === "GET") {
      stat(file).then(
        (s) => {
          res.writeHead(200, { "content-length": s.size })
          pipeline(createReadStream(file), res).catch(() => res.destroy())
        },
        () => done(404),
      )
    } else {
      req.resume()
      done(200)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, accessKeyId: "bare", secret: "bare", close: () => new Promise((r) => server.close(() => r())) }
}

/** bare-replica: starts at once (its URL is printed), learns its peers' URLs from stdin. */
const bareReplica = async (dir: string): Promise<Started> => {
  const peers: string[] = []
  const started = await bare(dir, peers)
  process.stdout.write(`${JSON.stringify({ url: started.url, accessKeyId: started.accessKeyId, secret: started.secret })}\n`)
  const line = await new Promise<string>((resolve) => process.stdin.once("data", (d: Buffer) => resolve(d.toString("utf8"))))
  peers.push(...(JSON.parse(line) as string[]))
  process.stdout.write("peers\n")
  return started
}

const [kind, dir] = process.argv.slice(2)
if (kind === undefined || dir === undefined) throw new Error("usage: target.ts <s3rver|bare|bare-replica> <dir>")
const started =
  kind === "s3rver" ? await s3rver(dir)
  : kind === "bare" ? await bare(dir)
  : kind === "bare-replica" ? await bareReplica(dir)
  : (() => { throw new Error(`unknown target ${kind}`) })()
if (kind !== "bare-replica") process.stdout.write(`${JSON.stringify({ url: started.url, accessKeyId: started.accessKeyId, secret: started.secret })}\n`)
process.once("SIGTERM", () => {
  started.close().then(() => process.exit(0), () => process.exit(1))
})
