import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertBuildFresh, staleBuildOutputs } from '../../local/dist-freshness';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dist-freshness-'));
  for (const dir of ['functions', 'orchestrations', 'shared/storage', 'dist/shared/storage'])
    mkdirSync(join(root, dir), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, secondsAgo: number): void {
  writeFileSync(join(root, path), '');
  const at = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(join(root, path), at, at);
}

describe('build freshness check', () => {
  it('names sources whose output is missing or older, and none when the build is newer', () => {
    write('shared/storage/store.ts', 60);
    write('dist/shared/storage/store.js', 30);
    write('shared/types.d.ts', 10);
    expect(staleBuildOutputs(root)).toEqual([]);
    expect(() => assertBuildFresh(root)).not.toThrow();

    write('shared/storage/store.ts', 10);
    write('shared/storage/new.ts', 10);
    expect(staleBuildOutputs(root).sort()).toEqual(['shared/storage/new.ts', 'shared/storage/store.ts']);
    expect(() => assertBuildFresh(root)).toThrow(/dist\/ is older than the sources \(.*store\.ts.*\): run npm run build/);
  });
});
