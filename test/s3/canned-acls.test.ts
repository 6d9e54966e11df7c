// Canned ACLs: only owner-only ones exist in this store. A known canned ACL on a write
// (PutObject, CopyObject, CreateMultipartUpload, CreateBucket) is accepted, as issue 7 asks and
// Garage does, and the ACL read back is the owner's full control; Put*Acl, whose only effect
// would be the ACL, refuses one granting others access with 501. An unknown canned ACL is 400
// InvalidArgument everywhere (ceph s3-tests test_bucket_put_bad_canned_acl got 501); a policy
// granting no one, not even the owner, is 501 (test_bucket_acl_revoke_all was answered 200
// and ignored).
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type BucketCannedACL,
  type ObjectCannedACL,
} from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"

let t: TestNode
beforeAll(async () => {
  t = await startTestNode()
  await t.client.send(new CreateBucketCommand({ Bucket: "acls" }))
  await t.client.send(new PutObjectCommand({ Bucket: "acls", Key: "src", Body: "x" }))
})
afterAll(async () => t.stop())


describe("canned ACLs on writes", () => {
  it.each(["public-read", "public-read-write", "authenticated-read"] as const)("%s is accepted on writes, refused by Put*Acl", async (acl) => {
    await t.client.send(new PutObjectCommand({ Bucket: "acls", Key: `p-${acl}`, Body: "x", ACL: acl }))
    await t.client.send(new CopyObjectCommand({ Bucket: "acls", Key: `c-${acl}`, CopySource: "acls/src", ACL: acl }))
    await t.client.send(new CreateMultipartUploadCommand({ Bucket: "acls", Key: `m-${acl}`, ACL: acl }))
    await t.client.send(new CreateBucketCommand({ Bucket: `acls-${acl}`, ACL: acl }))
    // what the store has: the owner's full control, nothing for others
    const grants = (await t.client.send(new GetObjectAclCommand({ Bucket: "acls", Key: `p-${acl}` }))).Grants ?? []
    expect(grants.map((g) => g.Permission)).toEqual(["FULL_CONTROL"])
    expect(await errorOf(t.client.send(new PutObjectAclCommand({ Bucket: "acls", Key: "src", ACL: acl })))).toEqual({ name: "NotImplemented", status: 501 })
    expect(await errorOf(t.client.send(new PutBucketAclCommand({ Bucket: "acls", ACL: acl })))).toEqual({ name: "NotImplemented", status: 501 })
  })

  it("owner-only canned ACLs are still taken", async () => {
    for (const acl of ["private", "bucket-owner-full-control", "bucket-owner-read"] as ObjectCannedACL[])
      await t.client.send(new PutObjectCommand({ Bucket: "acls", Key: `ok-${acl}`, Body: "x", ACL: acl }))
    await t.client.send(new CreateBucketCommand({ Bucket: "acls-private", ACL: "private" }))
  })

  it("an unknown canned ACL is 400 InvalidArgument, on Put*Acl as on writes", async () => {
    const bad = "public-ready" as ObjectCannedACL
    expect(await errorOf(t.client.send(new PutBucketAclCommand({ Bucket: "acls", ACL: bad as BucketCannedACL })))).toEqual({ name: "InvalidArgument", status: 400 })
    expect(await errorOf(t.client.send(new PutObjectAclCommand({ Bucket: "acls", Key: "src", ACL: bad })))).toEqual({ name: "InvalidArgument", status: 400 })
    expect(await errorOf(t.client.send(new PutObjectCommand({ Bucket: "acls", Key: "q", Body: "x", ACL: bad })))).toEqual({ name: "InvalidArgument", status: 400 })
  })

  it("a policy without any grant is 501: the owner's access is not revoked", async () => {
    const { Owner } = await t.client.send(new GetBucketAclCommand({ Bucket: "acls" }))
    expect(await errorOf(t.client.send(new PutBucketAclCommand({ Bucket: "acls", AccessControlPolicy: { Owner, Grants: [] } })))).toEqual({ name: "NotImplemented", status: 501 })
    expect((await t.client.send(new GetBucketAclCommand({ Bucket: "acls" }))).Grants).toHaveLength(1)
  })
})
