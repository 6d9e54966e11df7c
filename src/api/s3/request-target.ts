// Where a request points: decoded path and query, and the bucket and key under path-style
// (`/bucket/key`) or virtual-host-style (`bucket.<root domain>/key`) addressing.
import { s3Error } from "./errors.ts"

export interface RequestTarget {
  readonly path: string
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly bucket: string | undefined
  readonly key: string | undefined
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    throw s3Error("InvalidURI", "Couldn't parse the specified URI.")
  }
}

export const parseTarget = (url: string, host: string | undefined, rootDomain: string | undefined): RequestTarget => {
  let raw = url
  if (/^https?:\/\//i.test(raw)) raw = raw.replace(/^https?:\/\/[^/]*/i, "")
  if (!raw.startsWith("/")) throw s3Error("InvalidURI", "Couldn't parse the specified URI.")
  const q = raw.indexOf("?")
  const rawPath = q < 0 ? raw : raw.slice(0, q)
  const rawQuery = q < 0 ? "" : raw.slice(q + 1)
  const path = decode(rawPath)
  const query: [string, string][] = []
  for (const part of rawQuery.split("&")) {
    if (part === "") continue
    const eq = part.indexOf("=")
    query.push(eq < 0 ? [decode(part), ""] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))])
  }
  const hostname = (host ?? "").replace(/:\d+$/, "").toLowerCase()
  if (rootDomain !== undefined && rootDomain !== "" && hostname.endsWith(`.${rootDomain.toLowerCase()}`)) {
    const bucket = hostname.slice(0, -rootDomain.length - 1)
    const key = path.slice(1)
    return { path, query, bucket, key: key === "" ? undefined : key }
  }
  const rest = path.slice(1)
  if (rest === "") return { path, query, bucket: undefined, key: undefined }
  const slash = rest.indexOf("/")
  if (slash < 0) return { path, query, bucket: rest, key: undefined }
  const key = rest.slice(slash + 1)
  return { path, query, bucket: rest.slice(0, slash), key: key === "" ? undefined : key }
}
