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
      {
        id: '1',
        eventType: 'Microsoft.Storage.BlobCreated',
        subject: '/blobServices/default/containers/intake/blobs/drops/a b.csv',
        data: { api: 'PutBlob' },
      },
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
    expect(() => parseEventGridBlobRequest([{ eventType: 'Microsoft.Storage.BlobDeleted', subject: 's' }])).toThrow(
      /BlobDeleted' is not supported/,
    );
    expect(() => parseEventGridBlobRequest([{ eventType: 'Microsoft.Storage.BlobCreated', subject: '/x' }])).toThrow(/subject '\/x'/);
    expect(() => parseEventGridBlobRequest([{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: {} }])).toThrow(
      /validationCode/,
    );
  });

  it('follows the aeg-event-type header Event Grid sends, case-insensitively', () => {
    const created = [{ eventType: 'Microsoft.Storage.BlobCreated', subject: '/blobServices/default/containers/intake/blobs/x.csv' }];
    // The handshake header takes the first event's code, whatever its type (as the host does).
    expect(parseEventGridBlobRequest([{ eventType: 'Whatever', data: { validationCode: 'c-1' } }], 'SubscriptionValidation')).toEqual({
      kind: 'validation',
      response: { validationResponse: 'c-1' },
    });
    expect(() => parseEventGridBlobRequest(created, 'subscriptionvalidation')).toThrow(/validationCode/);
    expect(parseEventGridBlobRequest(created, 'Notification')).toEqual({
      kind: 'blobs',
      blobs: [{ container: 'intake', blobName: 'x.csv' }],
    });
    // A notification is never taken for a handshake.
    expect(() =>
      parseEventGridBlobRequest(
        [{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'c' } }],
        'Notification',
      ),
    ).toThrow(/SubscriptionValidationEvent' is not supported/);
    expect(parseEventGridBlobRequest(undefined, 'Unsubscribe')).toEqual({ kind: 'unsubscribe' });
    expect(() => parseEventGridBlobRequest(created, 'Bogus')).toThrow(
      /aeg-event-type 'Bogus' is not SubscriptionValidation, Notification or Unsubscribe/,
    );
  });
});
