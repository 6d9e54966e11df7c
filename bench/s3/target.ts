// One baseline server for `npm run bench:s3`, run as a child process so that the load
// generator does not share its event loop: `target.ts <kind> <dir>` starts it on 127.0.0.1
// (port chosen by the OS) with its data in <dir> and prints one JSON line
// {url, accessKeyId, secret}. Kinds: s3rver (the npm package), bare (a plain HTTP server that
// writes request bodies to files and streams them back). SIGTERM stops it. The Pollen
// targets are real `pollen server` processes (bench/s3/pollen.ts).
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, stat } from "node:fs/promises"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
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

/** The machine's limit for this shape of work: no auth, no metadata, one file per key. */
const bare = async (dir: string): Promise<Started> => {
  await mkdir(dir, { recursive: true })
  const fileOf = (url: string) => join(dir, Buffer.from(url).toString("base64url").slice(0, 200))
  const server = createServer((req, res) => {
    const file = fileOf(req.url ?? "/")
    const done = (status: number) => {
      res.writeHead(status, { "content-length": 0 })
      res.end()
    }
    if (req.method === "PUT") {
      pipeline(req, createWriteStream(file)).then(() => done(200), () => done(500))
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

const [kind, dir] = process.argv.slice(2)
if (kind === undefined || dir === undefined) throw new Error("usage: target.ts <s3rver|bare> <dir>")
const started =
  kind === "s3rver" ? await s3rver(dir)
  : kind === "bare" ? await bare(dir)
  : (() => { throw new Error(`unknown target ${kind}`) })()
process.stdout.write(`${JSON.stringify({ url: started.url, accessKeyId: started.accessKeyId, secret: started.secret })}\n`)
process.once("SIGTERM", () => {
  started.close().then(() => process.exit(0), () => process.exit(1))
})
