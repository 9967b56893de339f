import { describe, expect, it } from 'vitest';
import { parseEventGridBlobRequest } from '../../local/host/triggers/blob-event-grid';

describe('Event Grid blob requests', () => {
  it('answers a subscription validation handshake', () => {
    const r = parseEventGridBlobRequest([
      { id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'abc-123' } },
    ]);
    expect(r).toEqual({ kind: 'validation', response: { validationResponse: 'abc-123' } });
  });

  it('extracts container and blob name (with slashes) from BlobCreated subjects', () => {
    const r = parseEventGridBlobRequest([
      { id: '1', eventType: 'Microsoft.Storage.BlobCreated', subject: '/blobServices/default/containers/intake/blobs/drops/a b.csv', data: { api: 'PutBlob' } },
      { id: '2', eventType: 'Microsoft.Storage.BlobCreated', subject: '/blobServices/default/containers/intake/blobs/x.csv' },
    ]);
    expect(r).toEqual({
      kind: 'blobs',
      blobs: [
        { container: 'intake', blobName: 'drops/a b.csv' },
        { container: 'intake', blobName: 'x.csv' },
      ],
    });
  });

  it('rejects other shapes with specific messages', () => {
    expect(() => parseEventGridBlobRequest({})).toThrow(/non-empty array of events/);
    expect(() => parseEventGridBlobRequest([])).toThrow(/non-empty array/);
    expect(() => parseEventGridBlobRequest([{ eventType: 'Microsoft.Storage.BlobDeleted', subject: 's' }])).toThrow(/BlobDeleted' is not supported/);
    expect(() => parseEventGridBlobRequest([{ eventType: 'Microsoft.Storage.BlobCreated', subject: '/x' }])).toThrow(/subject '\/x'/);
    expect(() => parseEventGridBlobRequest([{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: {} }])).toThrow(/validationCode/);
  });
});
