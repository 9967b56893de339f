/**
 * npm run graph-emulator -- --port <port> [--time-scale <factor>] [--state <file>] [--seed <file>] [--throttling]
 * Prints one ready line, `graph-emulator ready <url>`, and runs until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startGraphEmulator } from './index';
import { SeedSchema } from './seed';

const ArgsSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65535).default(0),
  'time-scale': z.coerce.number().min(0).default(1),
  state: z.string().min(1).optional(),
  seed: z.string().min(1).optional(),
  throttling: z.boolean().default(false),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'time-scale': { type: 'string' },
      state: { type: 'string' },
      seed: { type: 'string' },
      throttling: { type: 'boolean' },
    },
    strict: true,
  });
  const args = ArgsSchema.parse(values);
  const seed = args.seed ? SeedSchema.parse(JSON.parse(readFileSync(args.seed, 'utf8'))) : undefined;
  const emulator = await startGraphEmulator({
    port: args.port,
    timeScale: args['time-scale'],
    throttling: args.throttling,
    ...(args.state ? { stateFile: args.state } : {}),
    ...(seed ? { seed } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `graph-emulator ready ${emulator.url} (time scale ${args['time-scale']}${args.throttling ? ', throttling on' : ''})\n`,
  );
  const stop = (): void => {
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`graph-emulator: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `graph-emulator: ${error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
