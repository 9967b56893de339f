import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOutputBinding } from '../../local/host/bindings/storage-outputs';
import { startAzurite, type AzuriteInstance } from '../support/azurite';

let azurite: AzuriteInstance;
let blobs: BlobServiceClient;
let queues: QueueServiceClient;
let seq = 0;

beforeAll(async () => {
  azurite = await startAzurite();
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await azurite?.stop();
});

const unique = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;
const read = async (container: string, name: string) =>
  (await blobs.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString('utf8');

async function drain(queueName: string): Promise<string[]> {
  const res = await queues.getQueueClient(queueName).receiveMessages({ numberOfMessages: 32 });
  return res.receivedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8'));
}

describe('blob output binding', () => {
  it('writes strings, bytes and JSON to a resolved path, creating the container', async () => {
    const container = unique('results');
    const cs = azurite.connectionString;
    await writeOutputBinding({ type: 'blob', path: `${container}/{name}.txt`, connectionString: cs }, 'hello', { name: 'site-a' });
    await writeOutputBinding({ type: 'blob', path: `${container}/{name}.bin`, connectionString: cs }, Buffer.from([0xde, 0xad]), {
      name: 'site-a',
    });
    await writeOutputBinding(
      { type: 'blob', path: `${container}/{name}.json`, connectionString: cs },
      { ok: true, n: 3 },
      { name: 'site-a' },
    );
    expect(await read(container, 'site-a.txt')).toBe('hello');
    const bin = await blobs.getContainerClient(container).getBlobClient('site-a.bin').downloadToBuffer();
    expect([...bin]).toEqual([0xde, 0xad]);
    expect(JSON.parse(await read(container, 'site-a.json'))).toEqual({ ok: true, n: 3 });
  });

  it('overwrites an existing blob', async () => {
    const container = unique('results');
    const b = { type: 'blob' as const, path: `${container}/out.txt`, connectionString: azurite.connectionString };
    await writeOutputBinding(b, 'one', {});
    await writeOutputBinding(b, 'two', {});
    expect(await read(container, 'out.txt')).toBe('two');
  });

  it('writes nothing for an unset output', async () => {
    const container = unique('results');
    await writeOutputBinding({ type: 'blob', path: `${container}/x.txt`, connectionString: azurite.connectionString }, undefined, {});
    expect(await blobs.getContainerClient(container).exists()).toBe(false);
  });

  it('fails loudly on bad paths and bad bindings', async () => {
    const cs = azurite.connectionString;
    await expect(writeOutputBinding({ type: 'blob', path: 'noslash', connectionString: cs }, 'x', {})).rejects.toThrow(
      /not 'container\/blob-name'/,
    );
    await expect(writeOutputBinding({ type: 'blob', path: 'Bad_C/x', connectionString: cs }, 'x', {})).rejects.toThrow(
      /not a valid container name/,
    );
    await expect(writeOutputBinding({ type: 'blob', path: 'c1/{missing}', connectionString: cs }, 'x', {})).rejects.toThrow(/no value/);
    await expect(writeOutputBinding({ type: 'blob', connectionString: cs }, 'x', {})).rejects.toThrow(/invalid blob binding/);
  });
});

describe('queue output binding', () => {
  it('writes one base64 message per array element, JSON for objects', async () => {
    const queueName = unique('outq');
    await writeOutputBinding(
      { type: 'queue', queueName, connectionString: azurite.connectionString },
      ['a', { id: 2 }, Buffer.from('c')],
      {},
    );
    expect(await drain(queueName)).toEqual(['a', '{"id":2}', 'c']);
  });

  it('resolves and lowercases the queue name, and rejects invalid names', async () => {
    const base = unique('q');
    await writeOutputBinding({ type: 'queue', queueName: `${base}-{Kind}`, connectionString: azurite.connectionString }, 'hi', {
      kind: 'ERRORS',
    });
    expect(await drain(`${base}-errors`)).toEqual(['hi']);
    await expect(
      writeOutputBinding({ type: 'queue', queueName: 'a_b', connectionString: azurite.connectionString }, 'x', {}),
    ).rejects.toThrow(/not a valid queue name/);
    await expect(writeOutputBinding({ type: 'queue', connectionString: azurite.connectionString }, 'x', {})).rejects.toThrow(
      /invalid queue binding/,
    );
  });
});
