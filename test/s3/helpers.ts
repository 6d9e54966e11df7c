// Starts an in-process single node on OS-chosen ports with a temporary data directory, and an
// S3 client signed with its development key.
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { AccessKey } from "../../src/node/access-keys.ts"
import { configFrom } from "../../src/node/config.ts"
import { startNode, type RunningNode, type StartOptions } from "../../src/node/node.ts"
import { applyInitialLayout } from "../../src/cli/commands/local-cluster.ts"

export interface TestNode {
  readonly node: RunningNode
  readonly key: AccessKey
  readonly client: S3Client
  /** The same key, for presigning PUTs (no checksum of an empty body in the URL). */
  readonly presigner: S3Client
  readonly dir: string
  clientFor(accessKeyId: string, secret: string, extra?: Record<string, unknown>): S3Client
  stop(): Promise<void>
}

export const startTestNode = async (
  options: {
    now?: () => number
    rootDomain?: string
    blockDeleteDelaySecs?: number
    lifecycle?: StartOptions["lifecycle"]
    /** Runs the website endpoint ([s3_web]) on an OS-chosen port, with these settings. */
    web?: { root_domain?: string; index?: string }
  } = {},
): Promise<TestNode> => {
  const dir = await mkdtemp(join(tmpdir(), "pollen-s3-"))
  const config = configFrom(
    "test",
    {
      data_dir: dir,
      metadata_fsync: false,
      data_fsync: false,
      block_delete_delay_secs: options.blockDeleteDelaySecs ?? 0,
      rpc_bind_addr: "127.0.0.1:0",
      s3_api: { api_bind_addr: "127.0.0.1:0", ...(options.rootDomain !== undefined ? { root_domain: options.rootDomain } : {}) },
      admin: { api_bind_addr: "127.0.0.1:0", admin_token: "test-admin-token" },
      ...(options.web !== undefined ? { s3_web: { bind_addr: "127.0.0.1:0", ...options.web } } : {}),
    },
    dir,
  )
  const node = await startNode(config, {
    log: () => undefined,
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.lifecycle !== undefined ? { lifecycle: options.lifecycle } : {}),
  })
  // A one-node layout, as `npm start` applies on a fresh node: the S3 API needs one.
  await applyInitialLayout([node], 1e9)
  const key = await node.developmentKey()
  const clients: S3Client[] = []
  const clientFor = (accessKeyId: string, secretAccessKey: string, extra: Record<string, unknown> = {}): S3Client => {
    const c = new S3Client({
      endpoint: node.s3Url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
      ...extra,
    })
    clients.push(c)
    return c
  }
  const client = clientFor(key.id, key.secret)
  // For presigning PUTs: the SDK's default (WHEN_SUPPORTED) signs the CRC32 of the empty body
  // into the URL, which S3 then refuses for any real body; AWS's documented workaround.
  const presigner = clientFor(key.id, key.secret, { requestChecksumCalculation: "WHEN_REQUIRED" })
  return {
    node,
    key,
    client,
    presigner,
    dir,
    clientFor,
    stop: async () => {
      for (const c of clients) c.destroy()
      await node.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** The S3 error a request failed with (name and HTTP status); throws if it succeeded. */
export const errorOf = async (p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> => {
  try {
    await p
  } catch (e) {
    if (e instanceof S3ServiceException) return { name: e.name, status: e.$metadata.httpStatusCode }
    throw e
  }
  throw new Error("expected an S3 error")
}
