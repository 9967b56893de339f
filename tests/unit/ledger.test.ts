import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashDigest, serialKey, type LedgerEntry } from '../../shared/ledger/entry';
import { MemoryLedger, partitionOf, rowKeyOf, type Ledger } from '../../shared/ledger/ledger';
import { TableLedger, tableClientFor } from '../../shared/ledger/table-ledger';
import { startAzurite, type AzuriteInstance } from '../support/azurite';

const entry = (serial: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  serialNumber: serial,
  runId: 'intake-00000000000000000000000000000001',
  sourceKind: 'drop',
  expected: { groupIds: ['g1'], profileId: 'p1', espId: 'e1' },
  import: { outcome: 'imported', at: '2026-12-07T10:00:00.000Z' },
  confirm: { outcome: 'confirmed', at: '2026-12-07T10:20:00.000Z' },
  recordedAt: '2026-12-07T10:21:00.000Z',
  ...over,
});

/** The same contract for the in-memory ledger and the Table storage one (on Azurite). */
describe.each(['memory', 'table'] as const)('provenance ledger (%s)', (kind) => {
  let azurite: AzuriteInstance | undefined;
  let ledger: Ledger;
  beforeAll(async () => {
    if (kind === 'memory') ledger = new MemoryLedger();
    else {
      azurite = await startAzurite({});
      ledger = new TableLedger(
        tableClientFor({ kind: 'connection-string', connectionString: azurite.connectionString }, `ledger${Date.now()}`),
      );
    }
  }, 60_000);
  afterAll(async () => azurite?.stop());

  it('"where is serial X?" is one point read, case and blanks aside', async () => {
    await ledger.upsert([entry('SN-1'), entry('sn-2', { groupTag: 'Sales' })]);
    expect(await ledger.get(' sn-1 ')).toMatchObject({ serialNumber: 'SN-1' });
    expect(await ledger.get('SN-2')).toMatchObject({ groupTag: 'Sales' });
    expect(await ledger.get('SN-404')).toBeUndefined();
  });

  it("a later run replaces a device's entry; serials with characters a Table key refuses are kept", async () => {
    const odd = 'A/B#C?D\\E%F';
    await ledger.upsert([entry(odd), entry('SN-1', { runId: 'intake-00000000000000000000000000000002' })]);
    expect(await ledger.get(odd)).toMatchObject({ serialNumber: odd });
    expect((await ledger.get('SN-1'))!.runId).toBe('intake-00000000000000000000000000000002');
  });

  it('writes hundreds at once across partitions (transactions of up to 100 per partition) and lists them all back', async () => {
    const many = Array.from({ length: 450 }, (_, i) => entry(`BULK-${i}`));
    await ledger.upsert(many);
    const seen = new Set<string>();
    for await (const e of ledger.entries()) seen.add(e.serialNumber);
    for (const e of many) expect(seen.has(e.serialNumber)).toBe(true);
  });

  it('keeps markers apart from entries', async () => {
    await ledger.setMarker('backfilled', '2026-12-07');
    expect(await ledger.getMarker('backfilled')).toBe('2026-12-07');
    expect(await ledger.getMarker('never-set')).toBeUndefined();
    for await (const e of ledger.entries()) expect(e.serialNumber).not.toBe('backfilled');
  });
});

describe('ledger keys', () => {
  it('partition and row keys are stable, Table-safe and case-insensitive', () => {
    expect(partitionOf('sn-1')).toBe(partitionOf(' SN-1 '));
    expect(partitionOf('SN-1')).toMatch(/^[0-9a-f]{2}$/);
    expect(rowKeyOf('a/b#c?d\\e')).not.toMatch(/[/#?\\]/);
    expect(serialKey(' abc ')).toBe('ABC');
    expect(hashDigest('QUJD\nREVG')).toBe(hashDigest('QUJDREVG'));
  });
});
