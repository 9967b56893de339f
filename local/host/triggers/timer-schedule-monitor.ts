import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CronSchedule } from './ncrontab';

/**
 * Persisted schedule status per timer function, the local counterpart of the real host's
 * StorageScheduleMonitor (blob `timers/<hostId>/<function>/status` holding {Last, Next, LastUpdated}).
 * Here it is one JSON file per function under the listener's stateDir.
 */
export interface ScheduleStatus {
  /** null = the timer has never fired (the real host stores DateTime.MinValue). */
  last: Date | null;
  next: Date;
  /** null = never recorded (the real host stores DateTime.MinValue). */
  lastUpdated: Date | null;
}

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const StatusFile = z.object({
  Last: isoDate.nullable(),
  Next: isoDate,
  LastUpdated: isoDate.nullable(),
});

function fileFor(stateDir: string, functionName: string): string {
  // Function names are [A-Za-z0-9_-] in the v4 model; encode anyway so no name can escape stateDir.
  return join(stateDir, `${encodeURIComponent(functionName)}.status.json`);
}

export async function readScheduleStatus(stateDir: string, functionName: string): Promise<ScheduleStatus | null> {
  const file = fileFor(stateDir, functionName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Timer schedule status ${file} is not valid JSON (delete it to reset the schedule): ${String(err)}`, {
      cause: err,
    });
  }
  const parsed = StatusFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Timer schedule status ${file} has an unexpected shape (delete it to reset the schedule): ${parsed.error.message}`);
  }
  return { last: parsed.data.Last, next: parsed.data.Next, lastUpdated: parsed.data.LastUpdated };
}

export async function writeScheduleStatus(stateDir: string, functionName: string, status: ScheduleStatus): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = fileFor(stateDir, functionName);
  const body = JSON.stringify({
    Last: status.last?.toISOString() ?? null,
    Next: status.next.toISOString(),
    LastUpdated: status.lastUpdated?.toISOString() ?? null,
  });
  // Write-then-rename so a crash never leaves a torn status file behind.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, body, 'utf8');
  await rename(tmp, file);
}

function nextOrFail(schedule: CronSchedule, after: Date): Date {
  const n = schedule.nextAfter(after);
  if (!n) throw new Error(`Timer schedule '${schedule.expression}' never fires after ${after.toISOString()}.`);
  return n;
}

/**
 * The real ScheduleMonitor.CheckPastDueAsync: returns how long the recorded next occurrence is overdue
 * (0 = not past due) and the status to continue from, persisting a new or corrected status.
 */
export async function checkPastDue(
  stateDir: string,
  functionName: string,
  now: Date,
  schedule: CronSchedule,
  lastStatus: ScheduleStatus | null,
): Promise<{ pastDueMs: number; status: ScheduleStatus }> {
  let status: ScheduleStatus;
  if (!lastStatus) {
    // First run ever: record the next occurrence now, so a restart before it fires still notices it.
    status = { last: null, next: nextOrFail(schedule, now), lastUpdated: now };
    await writeScheduleStatus(stateDir, functionName, status);
  } else {
    const basis = lastStatus.last ?? lastStatus.lastUpdated ?? now;
    let expectedNext = nextOrFail(schedule, basis);
    let lastUpdated = basis;
    if (lastStatus.next.getTime() !== expectedNext.getTime()) {
      // The schedule changed since the status was written: adopt the new one; if its next occurrence is
      // already in the past, count from now so a schedule edit alone never reads as "past due".
      if (now.getTime() > expectedNext.getTime()) {
        expectedNext = nextOrFail(schedule, now);
        lastUpdated = now;
      }
      status = { last: null, next: expectedNext, lastUpdated };
      await writeScheduleStatus(stateDir, functionName, status);
    } else {
      status = lastStatus;
    }
  }
  const pastDueMs = Math.max(0, now.getTime() - status.next.getTime());
  return { pastDueMs, status };
}
