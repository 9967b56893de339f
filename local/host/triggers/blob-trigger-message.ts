import { z } from 'zod';

/**
 * The real host's BlobTriggerMessage (Newtonsoft JSON, property order as declared), carried on the
 * internal queue `azure-webjobs-blobtrigger-{hostId}` and copied verbatim to `webjobs-blobtrigger-poison`.
 * Queue messages are base64-encoded, the storage extension's default message encoding.
 */
export const POISON_QUEUE = 'webjobs-blobtrigger-poison';

export function internalQueueName(hostId: string): string {
  return `azure-webjobs-blobtrigger-${hostId}`;
}

/** The Functions host names function descriptors `Host.Functions.<name>`. */
export function functionIdFor(functionName: string): string {
  return `Host.Functions.${functionName}`;
}

export const BlobTriggerMessage = z.object({
  Type: z.literal('BlobTrigger'),
  FunctionId: z.string().min(1),
  BlobType: z.enum(['BlockBlob', 'PageBlob', 'AppendBlob']),
  ContainerName: z.string().min(1),
  BlobName: z.string().min(1),
  ETag: z.string().min(1),
});
export type BlobTriggerMessage = z.infer<typeof BlobTriggerMessage>;

export function encodeMessage(message: BlobTriggerMessage): string {
  const json = JSON.stringify({
    Type: message.Type,
    FunctionId: message.FunctionId,
    BlobType: message.BlobType,
    ContainerName: message.ContainerName,
    BlobName: message.BlobName,
    ETag: message.ETag,
  });
  return Buffer.from(json, 'utf8').toString('base64');
}

/** Decodes a queue message text; throws a specific error for anything that is not a trigger message. */
export function decodeMessage(text: string): BlobTriggerMessage {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch (err) {
    throw new Error('Invalid blob trigger message: not base64-encoded JSON.', { cause: err });
  }
  const parsed = BlobTriggerMessage.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid blob trigger message: ${parsed.error.message}`);
  return parsed.data;
}

/** SDK blob type ('BlockBlob' …) to the message's spelling (track-1 names, which is what the host writes). */
export function messageBlobType(sdkBlobType: string | undefined): BlobTriggerMessage['BlobType'] {
  switch (sdkBlobType) {
    case 'PageBlob':
      return 'PageBlob';
    case 'AppendBlob':
      return 'AppendBlob';
    default:
      return 'BlockBlob';
  }
}
