// Streams a request body into object storage while hashing it, then checks Content-MD5 and
// x-amz-checksum-* (header or trailer). On any failure the written data is released.
import type { StagedData } from "../../node/object-store.ts"
import type { ChecksumAlgorithm } from "./checksums.ts"
import type { S3Request } from "./context.ts"
import { s3Error } from "./errors.ts"
import { hashing } from "./hashing.ts"
import { checksumRequest, contentMd5 } from "./object-headers.ts"

export const MAX_PUT_SIZE = 5 * 1024 ** 3

export interface StoredBody {
  readonly staged: StagedData
  readonly md5: Buffer
  readonly checksum: { readonly algorithm: ChecksumAlgorithm; readonly value: string } | undefined
}

export const storeBody = async (
  req: Pick<S3Request, "headers" | "body" | "services">,
  options: { allowInline: boolean; defaultAlgorithm?: ChecksumAlgorithm | undefined },
): Promise<StoredBody> => {
  const md5Expected = contentMd5(req.headers)
  const wanted = checksumRequest(req.headers)
  const algorithm = wanted?.algorithm ?? options.defaultAlgorithm
  const declared = req.headers.get("content-length")
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > MAX_PUT_SIZE + 1024 * 1024 && req.body.trailers.size === 0 && !req.headers.has("x-amz-decoded-content-length"))
    throw s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
  const { chunks, digests } = hashing(req.body.chunks, algorithm, MAX_PUT_SIZE)
  const staged = await req.services.store.writeData(chunks, options)
  try {
    const md5 = digests.md5()
    if (md5Expected !== undefined && !md5Expected.equals(md5))
      throw s3Error("BadDigest", "The Content-MD5 you specified did not match what we received.")
    let checksum: StoredBody["checksum"]
    if (algorithm !== undefined) {
      const value = digests.checksum()!
      const expected = wanted?.inTrailer === true ? req.body.trailers.get(`x-amz-checksum-${algorithm.toLowerCase()}`) : wanted?.expected
      if (wanted?.inTrailer === true && expected === undefined)
        throw s3Error("InvalidRequest", `The x-amz-checksum-${algorithm.toLowerCase()} trailer announced in x-amz-trailer is missing.`)
      if (expected !== undefined && expected !== value)
        throw s3Error("BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`)
      checksum = { algorithm, value }
    }
    return { staged, md5, checksum }
  } catch (error) {
    await staged.release()
    throw error
  }
}
