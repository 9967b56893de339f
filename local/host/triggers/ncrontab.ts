/**
 * NCRONTAB with six fields (second minute hour day month day-of-week), as the Functions timer trigger
 * parses it (NCrontab `CrontabSchedule.Parse(expr, { IncludingSeconds = true })`).
 *
 * Semantics mirrored from NCrontab on purpose, including its quirks, so a schedule behaves here exactly
 * as in production:
 * - lists `a,b`, ranges `a-b` (a reversed range is swapped), steps `*\/n`, `a-b/n` and `a/n` (= a to max
 *   every n); a step of 0 is treated as 1, as NCrontab does;
 * - month and day-of-week names: any case-insensitive prefix of the English name, first match wins
 *   (`Jan`, `JANUARY`, `mon`, even `T` = Tuesday); day of week is 0-6 with Sunday = 0 (7 is rejected);
 * - day-of-month and day-of-week must BOTH match (NCrontab ANDs them; classic cron ORs them);
 * - the next occurrence is strictly after the base time, at whole seconds.
 * Times are UTC: the Azure default (no WEBSITE_TIME_ZONE).
 */

export interface CronSchedule {
  readonly expression: string;
  /** First occurrence strictly after `base`, or null if the schedule never fires again (e.g. 30 February). */
  nextAfter(base: Date): Date | null;
}

interface FieldSpec {
  kind: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: FieldSpec = { kind: 'Second', min: 0, max: 59 };
const MINUTE: FieldSpec = { kind: 'Minute', min: 0, max: 59 };
const HOUR: FieldSpec = { kind: 'Hour', min: 0, max: 23 };
const DAY: FieldSpec = { kind: 'Day', min: 1, max: 31 };
const MONTH: FieldSpec = {
  kind: 'Month',
  min: 1,
  max: 12,
  names: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};
const DAY_OF_WEEK: FieldSpec = {
  kind: 'DayOfWeek',
  min: 0,
  max: 6,
  names: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
};
const FIELDS = [SECOND, MINUTE, HOUR, DAY, MONTH, DAY_OF_WEEK] as const;

/** A schedule that cannot fire within one 400-year Gregorian cycle never fires. */
const SEARCH_YEARS = 401;

export class NcrontabError extends Error {
  override name = 'NcrontabError';
}

/** Set of allowed values, indexed by value (index 0 unused for 1-based fields). */
type FieldSet = readonly boolean[];

function parseValue(spec: FieldSpec, text: string, whole: string): number {
  if (text.length === 0) throw new NcrontabError(`'${whole}' is not a valid [${spec.kind}] field: a value cannot be empty.`);
  if (/^[0-9]/.test(text)) {
    if (!/^[0-9]+$/.test(text)) throw new NcrontabError(`'${whole}' is not a valid [${spec.kind}] field: '${text}' is not a number.`);
    return Number(text);
  }
  if (!spec.names) {
    throw new NcrontabError(
      `'${whole}' is not a valid [${spec.kind}] field: '${text}' must be a number between ${spec.min} and ${spec.max}.`,
    );
  }
  const lower = text.toLowerCase();
  const index = spec.names.findIndex((n) => n.toLowerCase().startsWith(lower));
  if (index < 0) {
    throw new NcrontabError(`'${whole}' is not a valid [${spec.kind}] field: '${text}' is not one of ${spec.names.join(', ')}.`);
  }
  return index + spec.min;
}

function checkRange(spec: FieldSpec, value: number, whole: string): void {
  if (value < spec.min || value > spec.max) {
    throw new NcrontabError(`'${whole}' is not a valid [${spec.kind}] field: ${value} is outside ${spec.min}-${spec.max} (inclusive).`);
  }
}

function accumulate(spec: FieldSpec, set: boolean[], element: string, whole: string): void {
  if (element.length === 0) throw new NcrontabError(`'${whole}' is not a valid [${spec.kind}] field: a list element is empty.`);
  let body = element;
  let step: number | undefined;
  const slash = element.indexOf('/');
  if (slash > 0) {
    const stepText = element.slice(slash + 1);
    if (!/^[0-9]+$/.test(stepText)) {
      throw new NcrontabError(`'${whole}' is not a valid [${spec.kind}] field: step '${stepText}' is not a number.`);
    }
    step = Math.max(1, Number(stepText));
    body = element.slice(0, slash);
  }
  let start: number;
  let end: number;
  if (body === '*') {
    start = spec.min;
    end = spec.max;
  } else {
    const dash = body.indexOf('-');
    if (dash > 0) {
      start = parseValue(spec, body.slice(0, dash), whole);
      end = parseValue(spec, body.slice(dash + 1), whole);
      if (start > end) [start, end] = [end, start];
      checkRange(spec, start, whole);
      checkRange(spec, end, whole);
    } else {
      start = parseValue(spec, body, whole);
      checkRange(spec, start, whole);
      end = step === undefined ? start : spec.max;
    }
  }
  for (let v = start; v <= end; v += step ?? 1) set[v] = true;
}

function parseField(spec: FieldSpec, text: string): FieldSet {
  const set: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  // NCrontab only treats a comma after the first character as a list separator.
  const elements = text.indexOf(',') > 0 ? text.split(',') : [text];
  for (const element of elements) accumulate(spec, set, element, text);
  return set;
}

export function parseNcrontab(expression: string): CronSchedule {
  const tokens = expression.split(' ').filter((t) => t.length > 0);
  if (tokens.length !== 6) {
    throw new NcrontabError(
      `'${expression}' is an invalid NCRONTAB expression: it must have 6 fields (second minute hour day month day-of-week), found ${tokens.length}.`,
    );
  }
  const [seconds, minutes, hours, days, months, daysOfWeek] = FIELDS.map((spec, i) => parseField(spec, tokens[i] ?? '')) as [
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
  ];

  return {
    expression,
    nextAfter(base: Date): Date | null {
      const baseMs = base.getTime();
      if (Number.isNaN(baseMs)) throw new NcrontabError('nextAfter: the base time is an invalid Date.');
      // Strictly after the base, at whole seconds (NCrontab starts at base second + 1).
      const t = new Date(Math.floor(baseMs / 1000) * 1000 + 1000);
      const lastYear = t.getUTCFullYear() + SEARCH_YEARS;
      while (t.getUTCFullYear() <= lastYear) {
        if (!months[t.getUTCMonth() + 1]) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!days[t.getUTCDate()] || !daysOfWeek[t.getUTCDay()]) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!hours[t.getUTCHours()]) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!minutes[t.getUTCMinutes()]) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        if (!seconds[t.getUTCSeconds()]) {
          t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
          continue;
        }
        return t;
      }
      return null;
    },
  };
}
