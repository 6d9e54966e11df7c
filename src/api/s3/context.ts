// What S3 handlers receive: the stores, the node's S3 settings, and the parsed request.
import type { IncomingMessage } from "node:http"
import type { AccessKey, AccessKeyStore } from "../../node/access-keys.ts"
import type { Bucket, ObjectStore } from "../../node/object-store.ts"
import type { RequestBody } from "./body.ts"

export interface S3Settings {
  readonly region: string
  /** Virtual-host addressing: `<bucket>.<rootDomain>`; undefined disables it. */
  readonly rootDomain: string | undefined
}

export interface S3Services {
  readonly store: ObjectStore
  readonly keys: AccessKeyStore
  readonly settings: S3Settings
}

export interface S3Request {
  readonly requestId: string
  readonly method: string
  readonly endpoint: string
  readonly bucketName: string | undefined
  readonly key: string | undefined
  /** First value of each query parameter. */
  readonly query: ReadonlyMap<string, string>
  readonly headers: ReadonlyMap<string, string>
  readonly body: RequestBody
  readonly accessKey: AccessKey
  /** Resolved for bucket-level and object-level endpoints (except CreateBucket). */
  readonly bucket: Bucket | undefined
  readonly raw: IncomingMessage
  readonly services: S3Services
}

export interface S3Response {
  readonly status: number
  readonly headers?: Readonly<Record<string, string | number | undefined>>
  readonly body?: string | AsyncIterable<Uint8Array> | undefined
}

export type Handler = (req: S3Request) => Promise<S3Response>

export const xmlResponse = (status: number, xml: string, headers: Record<string, string> = {}): S3Response => ({
  status,
  headers: { "content-type": "application/xml", ...headers },
  body: xml,
})

export const requireBucket = (req: S3Request): Bucket => {
  if (req.bucket === undefined) throw new Error("endpoint needs a bucket")
  return req.bucket
}

export const requireKey = (req: S3Request): string => {
  if (req.key === undefined) throw new Error("endpoint needs a key")
  return req.key
}
