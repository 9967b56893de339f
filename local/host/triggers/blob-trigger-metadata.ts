import { randomUUID } from 'node:crypto';
import type { BlobGetPropertiesResponse } from '@azure/storage-blob';

/**
 * Trigger metadata as the real host gives it for a blob trigger: `BlobTrigger` ('container/name'), `Uri`,
 * `Properties` (the blob's system properties), `Metadata` (user metadata) and one entry per path
 * parameter, plus the `sys` entry the host adds to every trigger's binding data (MethodName, UtcNow,
 * RandGuid; `context.bindingData.sys` in the v3 model). Keys are PascalCase as the host sends them; @azure/functions camelCases them for the
 * handler (`context.triggerMetadata.blobTrigger`, `.properties.contentLength`, …).
 */
export function blobTriggerMetadata(args: {
  functionName: string;
  container: string;
  blobName: string;
  uri: string;
  /** A download's or a properties read's headers (the same fields). */
  response: Pick<
    BlobGetPropertiesResponse,
    | 'lastModified'
    | 'createdOn'
    | 'etag'
    | 'contentLength'
    | 'contentType'
    | 'contentEncoding'
    | 'contentLanguage'
    | 'contentDisposition'
    | 'cacheControl'
    | 'contentMD5'
    | 'blobType'
    | 'leaseStatus'
    | 'leaseState'
    | 'isServerEncrypted'
    | 'metadata'
  >;
  bindingData: Record<string, string>;
}): Record<string, unknown> {
  const r = args.response;
  const properties: Record<string, unknown> = {
    LastModified: r.lastModified?.toISOString(),
    CreatedOn: r.createdOn?.toISOString(),
    ETag: r.etag,
    ContentLength: r.contentLength,
    ContentType: r.contentType,
    ContentEncoding: r.contentEncoding,
    ContentLanguage: r.contentLanguage,
    ContentDisposition: r.contentDisposition,
    CacheControl: r.cacheControl,
    ContentHash: r.contentMD5 ? Buffer.from(r.contentMD5).toString('base64') : undefined,
    // Track-2 enum names, as the host's BlobProperties carries them.
    BlobType: r.blobType?.replace(/Blob$/, ''),
    LeaseStatus: r.leaseStatus,
    LeaseState: r.leaseState,
    IsServerEncrypted: r.isServerEncrypted,
  };
  for (const key of Object.keys(properties)) if (properties[key] === undefined) delete properties[key];
  return {
    ...args.bindingData,
    BlobTrigger: `${args.container}/${args.blobName}`,
    Uri: args.uri,
    Properties: properties,
    Metadata: { ...(r.metadata ?? {}) },
    sys: { MethodName: args.functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() },
  };
}
