import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalStore } from '../../local/host/durable/journal';
import { applyRecord, type JournalRecord } from '../../local/host/durable/state';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'journal-'));
  dirs.push(d);
  return d;
}

const create = (id: string): JournalRecord => ({
  t: 'create',
  spec: { instanceId: id, name: 'orch', input: '1', executionId: `e-${id}`, time: '2026-01-01T00:00:00.000Z' },
});

describe('JournalStore', () => {
  it('recovers every committed record and compacts them into one snapshot line', async () => {
    const d = dir();
    const a = new JournalStore(d);
    a.load();
    await Promise.all([a.append(create('i1')), a.append(create('i2')), a.append({ t: 'purge', instanceIds: ['i1'] })]);
    await a.close();
    const b = new JournalStore(d);
    const state = b.load();
    expect(Object.keys(state.instances)).toEqual(['i2']);
    expect(state.instances.i2?.inbox).toHaveLength(1);
    const lines = readFileSync(join(d, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ t: 'snapshot' });
    await b.append(create('i3'));
    await b.close();
    expect(Object.keys(new JournalStore(d).load().instances).sort()).toEqual(['i2', 'i3']);
  });

  it('compacts itself while running once it has grown past the threshold, without losing or repeating records', async () => {
    const d = dir();
    const store = new JournalStore(d, {}, () => undefined, 1000);
    const state = store.load();
    store.setSnapshotSource(() => state);
    const commit = (rec: JournalRecord) => {
      applyRecord(state, rec);
      return store.append(rec);
    };
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      pending.push(commit(create(`c${i}`)));
      if (i % 7 === 0) await Promise.all(pending.splice(0));
    }
    pending.push(commit({ t: 'purge', instanceIds: ['c3'] }));
    await Promise.all(pending);
    await store.close();
    const lines = readFileSync(join(d, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(20);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ t: 'snapshot' });
    const recovered = new JournalStore(d).load();
    expect(Object.keys(recovered.instances).sort()).toEqual(Object.keys(state.instances).sort());
    expect(Object.keys(recovered.instances)).toHaveLength(39);
    expect(recovered.nextSeq).toBe(state.nextSeq);
  });

  it('discards a torn final line left by a crash in mid-write', async () => {
    const d = dir();
    const logs: string[] = [];
    const a = new JournalStore(d);
    a.load();
    await a.append(create('i1'));
    await a.close();
    appendFileSync(join(d, 'journal.jsonl'), JSON.stringify(create('i2')).slice(0, 30));
    const state = new JournalStore(d, {}, (l) => logs.push(l)).load();
    expect(Object.keys(state.instances)).toEqual(['i1']);
    expect(logs.join('\n')).toContain('torn final record');
  });

  it('refuses a journal corrupted before its last line instead of silently losing state', () => {
    const d = dir();
    writeFileSync(join(d, 'journal.jsonl'), `${JSON.stringify(create('i1'))}\n{broken\n${JSON.stringify(create('i2'))}\n`);
    expect(() => new JournalStore(d).load()).toThrow(/corrupt at line 2/);
  });
});
