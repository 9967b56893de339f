/**
 * "Where is serial X?" over every run, not only the recent ones: beside its dashboard index each
 * reported run gets its serial numbers as one text blob (autopilot-state/runs/{runId}/serials.txt, one
 * normalised serial per line, in file order: ~15 bytes a device). A search reads each run's list once
 * and keeps it — a reported run's list never changes — as one string per run, searched with indexOf;
 * only the runs that hold a match are then opened for their rows.
 */
import { serialKey } from '../ledger/entry';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';

export const serialListPath = (runId: string) => `runs/${runId}/serials.txt`;

/** One line per device: its serial as the ledger compares serials, line breaks inside it made spaces. */
export const serialLine = (serial: string) => serialKey(serial).replace(/[\r\n]/g, ' ');

/** Lines per piece uploaded: the list is streamed, never held whole (100,000 serials are ~1.5 MB of text). */
const LINES_PER_PIECE = 2_000;

/** Writes the list from the serials as they come (the run's rows, read once more: holding them cost the report step ~90 bytes a device). */
export async function writeSerialList(
  objects: Pick<ObjectStore, 'putStream'>,
  runId: string,
  serials: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  async function* pieces() {
    let piece: string[] = [];
    let first = true;
    for await (const serial of serials) {
      piece.push(serialLine(serial));
      if (piece.length === LINES_PER_PIECE) {
        yield `${first ? '' : '\n'}${piece.join('\n')}`;
        first = false;
        piece = [];
      }
    }
    if (piece.length > 0 || first) yield `${first ? '' : '\n'}${piece.join('\n')}`;
  }
  await objects.putStream(CONTAINERS.state, serialListPath(runId), pieces(), 'text/plain; charset=utf-8');
}

/** The serials in `list` (one per line) that contain `key`. */
export function linesContaining(list: string, key: string): string[] {
  const out: string[] = [];
  for (let at = list.indexOf(key); at !== -1;) {
    const start = list.lastIndexOf('\n', at) + 1;
    const end = list.indexOf('\n', at);
    out.push(list.slice(start, end === -1 ? undefined : end));
    if (end === -1) break;
    at = list.indexOf(key, end);
  }
  return out;
}

/** Reported runs' serial lists held in memory, bounded by their total length (least recently used go first). */
export class SerialListCache {
  private readonly lists = new Map<string, string>();
  private chars = 0;

  /** 32 M characters: about two million devices' serials. */
  constructor(private readonly maxChars = 32_000_000) {}

  /** The run's list, or undefined when it has none (not reported yet, or reported before lists existed). */
  async get(objects: Pick<ObjectStore, 'get'>, runId: string): Promise<string | undefined> {
    const hit = this.lists.get(runId);
    if (hit !== undefined) {
      this.lists.delete(runId);
      this.lists.set(runId, hit);
      return hit;
    }
    const blob = await objects.get(CONTAINERS.state, serialListPath(runId));
    if (!blob) return undefined;
    const list = blob.data.toString('utf8');
    this.lists.set(runId, list);
    this.chars += list.length;
    while (this.lists.size > 1 && this.chars > this.maxChars) {
      const [oldest, text] = this.lists.entries().next().value!;
      this.lists.delete(oldest);
      this.chars -= text.length;
    }
    return list;
  }
}
