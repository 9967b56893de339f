/**
 * A run's dashboard index: every device row the dashboard pages over, in one compact blob
 * (autopilot-state/runs/{runId}/dashboard-index.json), written when the report is written. Opening a
 * finished run then costs one read instead of its ~110 state blobs (a 10,000-device run: 10 row parts
 * and 100 chunk states), which is what made the first open of a large run take seconds.
 *
 * Compact: one array per device, and every value that repeats across devices (stages, codes,
 * messages, remediations, tags, ids, the steps' timestamps — a step stamps a whole chunk with one
 * time) is an index into one string table, so a 10,000-device run is well under a megabyte. It is
 * written as a stream (the table goes last), so the report step's memory does not grow with the run;
 * so is the run's serial list beside it (serial-list.ts), from a pass of its own over the serials.
 */
import { z } from 'zod';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { RESULTS, type DashboardDevice } from './device-index';
import { writeSerialList } from './serial-list';

export const INDEX_VERSION = 1;

export const runIndexPath = (runId: string) => `runs/${runId}/dashboard-index.json`;

/** The string fields after [line, serialNumber, autopilotId], in their order in a row. */
const OPTIONAL = [
  'stage',
  'code',
  'message',
  'remediation',
  'groupTag',
  'manufacturer',
  'model',
  'importStatus',
  'profileStatus',
  'profileId',
  'espId',
] as const satisfies readonly (keyof DashboardDevice)[];

const ABSENT = -1;

/** [line, serial, autopilotId | null, rowStatus, result, ...OPTIONAL, groupIds (JSON of the array), at as [keyRef, timeRef, …]]; refs into the table. */
const ROW_LENGTH = 3 + 2 + OPTIONAL.length + 2;

const RunIndex = z.object({
  v: z.literal(INDEX_VERSION),
  runId: z.string(),
  rows: z.array(z.unknown()),
  strings: z.array(z.string()),
});

/** Gives each distinct string one number, in order of first use. */
class StringTable {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  ref(value: string | undefined): number {
    if (value === undefined) return ABSENT;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

function encode(d: DashboardDevice, table: StringTable): unknown[] {
  const at: number[] = [];
  for (const [k, v] of Object.entries(d.at)) at.push(table.ref(k), table.ref(v));
  return [
    d.line,
    d.serialNumber,
    d.autopilotId ?? null,
    table.ref(d.rowStatus),
    table.ref(d.result),
    ...OPTIONAL.map((f) => table.ref(d[f])),
    table.ref(d.groupIds ? JSON.stringify(d.groupIds) : undefined),
    at,
  ];
}

/** The index's pieces, to be streamed to the blob: the rows first, the string table they point into last. */
export async function* runIndexPieces(
  runId: string,
  devices: AsyncIterable<DashboardDevice> | Iterable<DashboardDevice>,
): AsyncGenerator<string> {
  const table = new StringTable();
  yield `{"v":${INDEX_VERSION},"runId":${JSON.stringify(runId)},"rows":[`;
  let first = true;
  for await (const d of devices) {
    yield `${first ? '' : ','}\n${JSON.stringify(encode(d, table))}`;
    first = false;
  }
  yield `\n],"strings":${JSON.stringify(table.strings)}}\n`;
}

/** `serials`: the devices' serial numbers in the same order (a second pass over what `devices` came from). */
export async function writeRunIndex(
  objects: Pick<ObjectStore, 'putStream'>,
  runId: string,
  devices: AsyncIterable<DashboardDevice> | Iterable<DashboardDevice>,
  serials: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  await objects.putStream(CONTAINERS.state, runIndexPath(runId), runIndexPieces(runId, devices), 'application/json');
  // Written after the index: a run with a serial list always has its index too.
  await writeSerialList(objects, runId, serials);
}

const Groups = z.array(z.string());
const RESULT_SET = new Set<string>(RESULTS);
const ROW_STATUSES = new Set<string>(['valid', 'rejected', 'duplicate']);

/**
 * The index decoded; throws when it is not one this code wrote (the caller rebuilds it from the run's
 * state). Rows are checked by hand, field by field: a schema library's tuple parse costs more than the
 * rest of opening a 10,000-device run.
 */
export function decodeRunIndex(text: string, runId: string): DashboardDevice[] {
  const index = RunIndex.parse(JSON.parse(text));
  if (index.runId !== runId) throw new Error(`dashboard index of ${index.runId} found under ${runId}`);
  const { strings } = index;
  const bad = (what: string): never => {
    throw new Error(`dashboard index of ${runId}: ${what}`);
  };
  const str = (ref: unknown): string | undefined => {
    if (ref === ABSENT) return undefined;
    const s = typeof ref === 'number' ? strings[ref] : undefined;
    return s ?? bad(`string ${String(ref)} is missing`);
  };
  // Devices share a few group lists: each decoded once (and each device gets its own copy).
  const groupLists = new Map<number, string[]>();
  const groupsOf = (ref: unknown): string[] | undefined => {
    if (ref === ABSENT) return undefined;
    let list = groupLists.get(ref as number);
    if (!list) groupLists.set(ref as number, (list = Groups.parse(JSON.parse(str(ref)!))));
    return [...list];
  };
  return index.rows.map((raw) => {
    const row: unknown[] = Array.isArray(raw) ? raw : bad('a row is not a list');
    if (row.length !== ROW_LENGTH) bad(`a row has ${row.length} fields, not ${ROW_LENGTH}`);
    const [line, serialNumber, autopilotId, rowStatus, result] = row;
    if (!Number.isInteger(line) || typeof serialNumber !== 'string' || (autopilotId !== null && typeof autopilotId !== 'string'))
      bad('a row is malformed');
    const status = str(rowStatus);
    const outcome = str(result);
    if (!status || !ROW_STATUSES.has(status) || !outcome || !RESULT_SET.has(outcome)) bad('a row has no status or result');
    const pairs = row[ROW_LENGTH - 1];
    if (!Array.isArray(pairs) || pairs.length % 2 !== 0) bad('a row has no timeline');
    const at: Record<string, string> = {};
    for (let i = 0; i < (pairs as unknown[]).length; i += 2)
      at[str((pairs as unknown[])[i]) ?? bad('a time without a name')] = str((pairs as unknown[])[i + 1]) ?? bad('a time without a value');
    const device: DashboardDevice = {
      line: line as number,
      serialNumber: serialNumber as string,
      rowStatus: status as DashboardDevice['rowStatus'],
      result: outcome as DashboardDevice['result'],
      at,
    };
    // Absent fields stay absent (no `undefined` keys), as dashboardDevice() leaves them in JSON.
    OPTIONAL.forEach((f, i) => {
      const v = str(row[5 + i]);
      if (v !== undefined) device[f] = v;
    });
    if (typeof autopilotId === 'string') device.autopilotId = autopilotId;
    const groups = groupsOf(row[5 + OPTIONAL.length]);
    if (groups) device.groupIds = groups;
    return device;
  });
}

/** The run's index, or undefined when it has none (or one this code cannot read: it is then rebuilt). */
export async function readRunIndex(objects: Pick<ObjectStore, 'get'>, runId: string): Promise<DashboardDevice[] | undefined> {
  const blob = await objects.get(CONTAINERS.state, runIndexPath(runId));
  if (!blob) return undefined;
  try {
    return decodeRunIndex(blob.data.toString('utf8'), runId);
  } catch {
    return undefined;
  }
}
