import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APPS, startHostProcess } from './support/host-process';

// What the host cannot run at all, it refuses at start-up with a message that says why (never a hang).
// A function whose bindings it cannot serve does not stop the app: see contract-function-errors.test.ts.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'host-startup-'));
  dirs.push(d);
  return d;
}

describe('start-up refusals', () => {
  it('says the app is not built when package.json main matches no file', async () => {
    await expect(startHostProcess({ appDir: join(APPS, 'unbuilt'), stateDir: stateDir() })).rejects.toThrow(
      /matches no file[\s\S]*does not build the app/,
    );
  });
});
