/**
 * A blob listener in its own process, so a test can SIGKILL it mid-invocation (a real crash: no stop(),
 * no message release). Prints `READY` once started and `INVOKED <blobName>` when a delivery starts;
 * every invocation then hangs until the process is killed.
 */
import { z } from 'zod';
import { startBlobListener } from '../../local/host/triggers/blob-listener';

const Env = z.object({
  CHILD_CONNECTION_STRING: z.string().min(1),
  CHILD_HOST_ID: z.string().min(1),
  CHILD_PATH: z.string().min(1),
  CHILD_LEASE_MS: z.coerce.number().int().min(1000),
});

async function main(): Promise<void> {
  const env = Env.parse(process.env);
  await startBlobListener({
    hostId: env.CHILD_HOST_ID,
    pollIntervalMs: 100,
    messageLeaseMs: env.CHILD_LEASE_MS,
    bindings: [{ functionName: 'onUpload', path: env.CHILD_PATH, connectionString: env.CHILD_CONNECTION_STRING, maxDequeueCount: 5 }],
    invoke: async (d) => {
      process.stdout.write(`INVOKED ${d.blobName}\n`);
      await new Promise<never>(() => undefined);
    },
  });
  process.stdout.write('READY\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`blob-listener-child failed: ${String(err)}\n`);
  process.exit(1);
});
