// Endpoint name → handler.
import type { Handler } from "../context.ts"
import { absentConfigEndpoints, deleteAbsentBucketConfig, getAbsentBucketConfig } from "./absent-config.ts"
import { getAcl, putAcl } from "./acl.ts"
import { createBucket, deleteBucket, getBucketLocation, getBucketVersioning, headBucket, listBuckets } from "./bucket.ts"
import { copyObject } from "./copy-object.ts"
import { deleteBucketCors, getBucketCors, putBucketCors } from "./cors.ts"
import { deleteObject, deleteObjects } from "./delete-object.ts"
import { getObject, headObject } from "./get-object.ts"
import { deleteBucketLifecycle, getBucketLifecycle, putBucketLifecycle } from "./lifecycle.ts"
import { listObjectVersions, listObjectsV1, listObjectsV2 } from "./list-objects.ts"
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from "./multipart.ts"
import { getObjectAttributes } from "./object-attributes.ts"
import { postObject } from "./post-object.ts"
import { putObject } from "./put-object.ts"
import { deleteBucketTagging, deleteObjectTagging, getBucketTagging, getObjectTagging, putBucketTagging, putObjectTagging } from "./tagging.ts"
import { deleteBucketWebsite, getBucketWebsite, putBucketWebsite } from "./website.ts"

export const handlers: Record<string, Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  ...Object.fromEntries(
    Object.values(absentConfigEndpoints).flatMap((e) => [[e.get, getAbsentBucketConfig], ...(e.delete === undefined ? [] : [[e.delete, deleteAbsentBucketConfig]])]),
  ),
  GetObjectTagging: getObjectTagging,
  PutObjectTagging: putObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
  GetBucketTagging: getBucketTagging,
  PutBucketTagging: putBucketTagging,
  DeleteBucketTagging: deleteBucketTagging,
  GetBucketLifecycleConfiguration: getBucketLifecycle,
  PutBucketLifecycleConfiguration: putBucketLifecycle,
  DeleteBucketLifecycle: deleteBucketLifecycle,
  GetBucketWebsite: getBucketWebsite,
  PutBucketWebsite: putBucketWebsite,
  DeleteBucketWebsite: deleteBucketWebsite,
  GetBucketAcl: getAcl,
  PutBucketAcl: putAcl,
  GetObjectAcl: getAcl,
  PutObjectAcl: putAcl,
  GetBucketCors: getBucketCors,
  PutBucketCors: putBucketCors,
  DeleteBucketCors: deleteBucketCors,
  ListObjects: listObjectsV1,
  ListObjectsV2: listObjectsV2,
  ListObjectVersions: listObjectVersions,
  PutObject: putObject,
  PostObject: postObject,
  GetObject: (req) => getObject(req),
  HeadObject: headObject,
  GetObjectAttributes: getObjectAttributes,
  DeleteObject: deleteObject,
  DeleteObjects: deleteObjects,
  CopyObject: copyObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
}
