import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { applyRecord, emptyState, type HostState, type JournalRecord } from './state';

/** The durable store: load everything committed so far, then append records atomically. */
export interface Store {
  /** State recovered from disk (empty on first start). */
  load(): HostState;
  /** Appends one record; resolves once it is on disk (fsync). Records are committed in call order. */
  append(record: JournalRecord): Promise<void>;
  close(): Promise<void>;
  /** Optional: lets the store compact itself from the live state while running. */
  setSnapshotSource?(source: () => HostState): void;
}

export interface CrashHooks {
  /** Kill the process (SIGKILL) right after the N-th record since start is on disk. */
  afterCommit?: number;
  /** When killing, first write half of the next record, to exercise torn-line recovery. */
  torn?: boolean;
}

function snapshotLine(state: HostState): string {
  return JSON.stringify({ t: 'snapshot', state } satisfies JournalRecord) + '\n';
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not stop the process');
}

/**
 * Append-only JSONL write-ahead journal, one record per line, fsynced with group commit (all records
 * queued while a flush runs go out in the next write + fsync). On load a torn final line (a crash in
 * mid-write) is discarded; the journal is then compacted into a single snapshot line. While running,
 * it is compacted again whenever it has grown by `compactAfterBytes` (at a moment when every applied
 * record is on disk, so the in-memory state is exactly the durable one).
 */
export class JournalStore implements Store {
  private readonly path: string;
  private handle: FileHandle | undefined;
  private queue: { line: string; done: () => void; fail: (e: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private committed = 0;
  private closed = false;
  private bytesSinceSnapshot = 0;
  private snapshotSource: (() => HostState) | undefined;

  constructor(
    private readonly dir: string,
    private readonly crash: CrashHooks = {},
    private readonly log: (line: string) => void = () => undefined,
    private readonly compactAfterBytes = 64 * 1024 * 1024,
  ) {
    this.path = join(dir, 'journal.jsonl');
  }

  /** The live state to snapshot when compacting while running (the engine's state after load). */
  setSnapshotSource(source: () => HostState): void {
    this.snapshotSource = source;
  }

  load(): HostState {
    mkdirSync(this.dir, { recursive: true });
    const state = emptyState();
    if (existsSync(this.path)) {
      const text = readFileSync(this.path, 'utf8');
      const lines = text.split('\n');
      let records = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] ?? '';
        if (line.length === 0) continue;
        let rec: JournalRecord;
        try {
          rec = JSON.parse(line) as JournalRecord;
        } catch {
          const isLast = lines.slice(i + 1).every((l) => l.length === 0);
          if (!isLast) throw new Error(`Journal ${this.path} is corrupt at line ${i + 1} (not the last line, so not a torn write).`);
          this.log(`journal: discarded a torn final record (${line.length} bytes) left by a crash`);
          break;
        }
        applyRecord(state, rec);
        records++;
      }
      if (records > 1 || !text.endsWith('\n')) this.compact(state);
    }
    return state;
  }

  /** Rewrites the journal as one snapshot line: write a temp file, fsync, rename over, fsync the folder. */
  private compact(state: HostState): void {
    this.writeSnapshot(snapshotLine(state));
  }

  private writeSnapshot(line: string): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, line);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    const dirFd = openSync(this.dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  }

  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The journal is closed (the host is stopping).'));
    const line = JSON.stringify(record) + '\n';
    return new Promise<void>((done, fail) => {
      this.queue.push({ line, done, fail });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  private async flush(): Promise<void> {
    this.handle ??= await open(this.path, 'a');
    while (this.queue.length > 0) {
      const all = this.queue.splice(0);
      const limit = this.crash.afterCommit;
      const killAfter = limit !== undefined && this.committed + all.length >= limit;
      const batch = killAfter ? all.slice(0, limit - this.committed) : all;
      try {
        await this.handle.write(batch.map((b) => b.line).join(''));
        await this.handle.datasync();
      } catch (err) {
        for (const b of batch) b.fail(err as Error);
        continue;
      }
      this.committed += batch.length;
      if (killAfter) {
        if (this.crash.torn) {
          const next = all[batch.length]?.line ?? this.queue[0]?.line ?? '{"t":"message","torn":';
          await this.handle.write(next.slice(0, Math.max(1, Math.floor(next.length / 2))));
          await this.handle.datasync();
        }
        die();
      }
      for (const b of batch) b.done();
      this.bytesSinceSnapshot += batch.reduce((n, b) => n + b.line.length, 0);
      if (this.queue.length === 0 && this.snapshotSource && this.bytesSinceSnapshot >= this.compactAfterBytes) {
        // Serialise now, synchronously: once we await, new records may be applied (and queued).
        const snapshot = snapshotLine(this.snapshotSource());
        await this.handle.close();
        this.handle = undefined;
        this.writeSnapshot(snapshot);
        this.bytesSinceSnapshot = 0;
        this.handle = await open(this.path, 'a');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }
}
