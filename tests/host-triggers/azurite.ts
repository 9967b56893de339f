import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionStringFor, type AzuriteInstance } from '../support/azurite';
import { freePort } from '../support/ports';

/**
 * Private Azurite for these suites. tests/support/azurite.ts passes --inMemoryPersistence together
 * with --location, which azurite 3.35 refuses ("not supported when the --location option is set");
 * until that is fixed there, this starter runs it with an on-disk temp location instead.
 */
function waitForPort(port: number, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (exited()) reject(new Error(`Azurite exited before listening on ${port}`));
        else if (Date.now() > deadline) reject(new Error(`Azurite did not listen on ${port} in ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startTestAzurite(): Promise<AzuriteInstance> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const location = mkdtempSync(join(tmpdir(), 'azurite-triggers-'));
  const bin = require.resolve('azurite/dist/src/azurite.js');
  const args = ['--silent', '--skipApiVersionCheck', '--disableTelemetry', '--location', location];
  for (const [svc, port] of [['blob', blobPort], ['queue', queuePort], ['table', tablePort]] as const) {
    args.push(`--${svc}Host`, '127.0.0.1', `--${svc}Port`, String(port));
  }
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const exited = () => child.exitCode !== null;
  try {
    await Promise.all([blobPort, queuePort, tablePort].map((p) => waitForPort(p, 20_000, exited)));
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(location, { recursive: true, force: true });
    throw err;
  }
  return {
    blobPort,
    queuePort,
    tablePort,
    connectionString: connectionStringFor(blobPort, queuePort, tablePort),
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}
