// ACLs: this store has no ACLs beyond the owner's full control (permissions are per key and
// bucket). Get*Acl report that; Put*Acl accept requests that grant exactly that (canned
// `private` / `bucket-owner-full-control` / `bucket-owner-read`, or a policy with owner
// FULL_CONTROL only); an unknown canned ACL is 400, anything else 501.
import { requireBucket, xmlResponse, type S3Request, type S3Response } from "../context.ts"
import { s3Error } from "../errors.ts"
import { readAll } from "../body.ts"
import { checkCannedAcl } from "../object-headers.ts"
import { child, list, parseXml, S3_NS, text, toXml } from "../xml.ts"
import { ownerOf } from "./bucket.ts"
import { loadObject } from "./get-object.ts"

const policy = (req: S3Request): string =>
  toXml({
    AccessControlPolicy: {
      "@_xmlns": S3_NS,
      Owner: ownerOf(req),
      AccessControlList: {
        Grant: {
          Grantee: { "@_xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "@_xsi:type": "CanonicalUser", ...ownerOf(req) },
          Permission: "FULL_CONTROL",
        },
      },
    },
  })

export const getAcl = async (req: S3Request): Promise<S3Response> => {
  requireBucket(req)
  if (req.key !== undefined) await loadObject(req)
  return xmlResponse(200, policy(req))
}

export const putAcl = async (req: S3Request): Promise<S3Response> => {
  requireBucket(req)
  if (req.key !== undefined) await loadObject(req)
  const canned = req.headers.get("x-amz-acl")
  const grantHeaders = [...req.headers.keys()].filter((h) => h.startsWith("x-amz-grant-"))
  const body = await readAll(req.body, 256 * 1024)
  if (canned !== undefined) {
    checkCannedAcl(req.headers, true)
    return { status: 200 }
  }
  if (grantHeaders.length > 0) throw s3Error("NotImplemented", "x-amz-grant-* headers are not supported.")
  const doc = parseXml(body.toString("utf8"))
  const acl = child(doc, "AccessControlPolicy")
  if (acl === undefined) throw s3Error("MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema.")
  const grants = list(child(acl, "AccessControlList"), "Grant")
  // The owner's full control cannot be taken away here: accepting a policy without it would be a wrong success.
  if (grants.length === 0) throw s3Error("NotImplemented", "An ACL must grant FULL_CONTROL to the owner; revoking the owner's access is not supported.")
  for (const g of grants) {
    const grantee = child(g, "Grantee")
    if (text(g, "Permission") !== "FULL_CONTROL" || text(grantee, "ID") !== req.accessKey.id)
      throw s3Error("NotImplemented", "Only a grant of FULL_CONTROL to the owner is supported.")
  }
  return { status: 200 }
}
