/**
 * A run's serial list is streamed from its rows in pieces (the report step no longer holds every
 * serial): the blob must read exactly as the whole list joined at once would.
 */
import { describe, expect, it } from 'vitest';
import { linesContaining, serialLine, serialListPath, writeSerialList } from '../../shared/dashboard/serial-list';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';

async function listOf(serials: string[]): Promise<string> {
  const objects = new MemoryObjectStore();
  async function* rows() {
    yield* serials;
  }
  await writeSerialList(objects, 'run-1', rows());
  return (await objects.get(CONTAINERS.state, serialListPath('run-1')))!.data.toString('utf8');
}

describe('writeSerialList', () => {
  it('writes one line per serial, in order, across pieces, with no line break at either end', async () => {
    for (const count of [1, 1_999, 2_000, 2_001, 4_500]) {
      const serials = Array.from({ length: count }, (_, i) => `sn-${i}`);
      const text = await listOf(serials);
      expect(text).toBe(serials.map(serialLine).join('\n'));
      expect(text.split('\n')).toHaveLength(count);
    }
  });

  it('writes an empty list for a run without rows, and keeps line breaks inside a serial out of the list', async () => {
    expect(await listOf([])).toBe('');
    const text = await listOf(['a\nb', 'PF-9']);
    expect(text.split('\n')).toHaveLength(2);
    expect(linesContaining(text, serialLine('pf-9'))).toEqual([serialLine('PF-9')]);
  });
});
