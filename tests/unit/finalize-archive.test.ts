import { describe, expect, it } from 'vitest';
import { runParseStep } from '../../shared/run/parse-step';
import { runFinalizeStep } from '../../shared/run/finalize-step';
import { CONTAINERS } from '../../shared/storage/object-store';
import { T0, csvOf, storeWithCsv } from '../support/run-fixtures';
import { MemoryLedger } from '../../shared/ledger/ledger';

const RUN = 'intake-00000000000000000000000000000002';
const log = () => {};

describe('finalize: archiving the source', () => {
  it('archives the version the run read and says where', async () => {
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 5, now: T0 });
    const outcome = await runFinalizeStep({ objects, runs, log, ledger: new MemoryLedger() }, { runId: RUN, source, now: T0 });
    expect(outcome.archivedAs).toBe(`${CONTAINERS.archive}/processed/${source.name}`);
    expect(await objects.get(source.container, source.name)).toBeUndefined();
    // The archived copy is the version the run read, byte for byte.
    expect((await objects.get(CONTAINERS.archive, `processed/${source.name}`))!.data.toString()).toBe(csvOf(['SN-1']));
    // a repeated attempt (the source already moved) reports the same place
    expect((await runFinalizeStep({ objects, runs, log, ledger: new MemoryLedger() }, { runId: RUN, source, now: T0 })).archivedAs).toBe(
      outcome.archivedAs,
    );
  });

  it('leaves a newer upload under the same name in place and does not claim to have archived it', async () => {
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 5, now: T0 });
    await objects.put(source.container, source.name, csvOf(['SN-NEWER']));
    const outcome = await runFinalizeStep({ objects, runs, log, ledger: new MemoryLedger() }, { runId: RUN, source, now: T0 });
    expect(outcome.archivedAs).toBeUndefined();
    expect((await objects.get(source.container, source.name))!.data.toString('utf8')).toContain('SN-NEWER');
    expect(await objects.get(CONTAINERS.archive, `processed/${source.name}`)).toBeUndefined();
  });
});
