import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startLocalHost } from './index';

const Args = z.object({
  app: z.string().min(1).default('.'),
  port: z.coerce.number().int().min(0).max(65535).default(7071),
  'state-dir': z.string().min(1).optional(),
});

const USAGE = 'usage: npm run host -- [--app <dir>] [--port <port>] [--state-dir <dir>]';

async function main(): Promise<void> {
  let raw;
  try {
    raw = parseArgs({
      options: { app: { type: 'string' }, port: { type: 'string' }, 'state-dir': { type: 'string' } },
      strict: true,
    }).values;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  const parsed = Args.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid arguments: ${parsed.error.message}\n${USAGE}`);
  const a = parsed.data;
  const host = await startLocalHost({
    appDir: resolve(a.app),
    port: a.port,
    ...(a['state-dir'] ? { stateDir: resolve(a['state-dir']) } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`Local host ready on ${host.url} (${host.functionCount} functions)\n`);
  const shutdown = () => {
    host.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`local host failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
