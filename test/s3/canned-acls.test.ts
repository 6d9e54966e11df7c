// Canned ACLs on writes: only owner-only ones exist in this store, so one that grants others
// access is 501 on PutObject, CopyObject, CreateMultipartUpload and CreateBucket too, as on
// PutBucketAcl (they used to be accepted and ignored: ceph s3-tests
// test_object_acl_canned_during_create, test_bucket_acl_canned_during_create); an unknown one
// is 400 InvalidArgument (test_bucket_put_bad_canned_acl got 501); a policy granting no one,
// not even the owner, is 501 (test_bucket_acl_revoke_all was answered 200 and ignored).
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  HeadObjectCommand,
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

const absent = (key: string) => t.client.send(new HeadObjectCommand({ Bucket: "acls", Key: key })).then(() => false, () => true)

describe("canned ACLs on writes", () => {
  it.each(["public-read", "public-read-write", "authenticated-read"] as const)("%s is 501 and nothing is written", async (acl) => {
    expect(await errorOf(t.client.send(new PutObjectCommand({ Bucket: "acls", Key: "p", Body: "x", ACL: acl })))).toEqual({ name: "NotImplemented", status: 501 })
    expect(await errorOf(t.client.send(new CopyObjectCommand({ Bucket: "acls", Key: "c", CopySource: "acls/src", ACL: acl })))).toEqual({ name: "NotImplemented", status: 501 })
    expect((await errorOf(t.client.send(new CreateMultipartUploadCommand({ Bucket: "acls", Key: "m", ACL: acl })))).status).toBe(501)
    expect((await errorOf(t.client.send(new CreateBucketCommand({ Bucket: `acls-${acl}`, ACL: acl })))).status).toBe(501)
    expect(await absent("p")).toBe(true)
    expect(await absent("c")).toBe(true)
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
