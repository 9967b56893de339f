/**
 * A local stack that fails part-way through its start leaves nothing behind: no Azurite process
 * (a child that would outlive vitest), no emulator listening, no state directory.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StartedPart } from '../../local/stack';
import { holdLoopbackPort, type HeldPort } from '../support/loopback';
import { isAlive } from '../support/processes';
import { withStack } from './support';

let tempRoot: string;
let taken: HeldPort;
beforeEach(async () => {
  tempRoot = mkdtempSync(join(tmpdir(), 'stack-start-failure-'));
  // Held by this process for the whole test: whoever is given this port cannot bind it.
  taken = await holdLoopbackPort(() => undefined);
});
afterEach(async () => {
  await taken.close();
  rmSync(tempRoot, { recursive: true, force: true });
});

async function expectNothingLeft(started: StartedPart[]): Promise<void> {
  for (const part of started) {
    if ('pid' in part) expect(isAlive(part.pid), `${part.part} (pid ${part.pid}) still runs`).toBe(false);
    await expect(fetch(part.url), `${part.part} still listens on ${part.url}`).rejects.toThrow();
  }
  expect(readdirSync(tempRoot), 'state directory left behind').toEqual([]);
}

describe('a stack whose start fails', () => {
  it('stops Azurite and the emulator and removes its state dir when the host cannot bind its port', async () => {
    const started: StartedPart[] = [];
    await expect(withStack({ hostPort: taken.port, tempRoot, onStarted: (p) => started.push(p) })).rejects.toThrow(
      /local host exited[\s\S]*EADDRINUSE/,
    );
    expect(started.map((p) => p.part)).toEqual(['azurite', 'graph-emulator']);
    await expectNothingLeft(started);
  });

  it('stops Azurite and removes its state dir when the emulator cannot bind its port', async () => {
    const started: StartedPart[] = [];
    await expect(withStack({ graphPort: taken.port, tempRoot, onStarted: (p) => started.push(p) })).rejects.toThrow(/EADDRINUSE/);
    expect(started.map((p) => p.part)).toEqual(['azurite']);
    await expectNothingLeft(started);
  });
});
