import { EventType, type HistoryEvent } from './history';

/**
 * The history as the status API shows it (`?showHistory=true`), transformed exactly as the Durable
 * extension transforms DTFx history in `DurableClient.GetDurableOrchestrationStatusAsync`:
 * - `EventType` and `ExecutionCompleted.OrchestrationStatus` become names (`"TaskCompleted"`,
 *   `"Completed"`); `EventId` and `IsPlayed` are removed;
 * - a completion (`TaskCompleted`/`TaskFailed`, `SubOrchestrationInstanceCompleted`/`Failed`) gets
 *   `FunctionName`, `ScheduledTime` and (with showInput) `Input` from the event that scheduled it, loses
 *   `TaskScheduledId`, and that scheduling event is removed; a scheduling event still waiting for its
 *   completion stays (without `Version`);
 * - `ExecutionStarted.Name` becomes `FunctionName`; `ParentInstance`, `Version`, `Tags` are removed;
 * - `Result` of TaskCompleted, SubOrchestrationInstanceCompleted and ExecutionCompleted is shown only
 *   with showHistoryOutput, parsed as JSON (the raw text when it is not JSON);
 * - `TimerFired.TimerId` is removed; `OrchestratorStarted`/`OrchestratorCompleted` are removed;
 * - every `Input` (left as the JSON text the history holds) is removed when showInput is false.
 * DTFx fields this host never sets (Correlation, ScheduledStartTime, Generation, ParentTraceContext, a
 * null FailureDetails) are not emitted.
 */

/** DTFx `EventType` names (every value, including those this host does not record). */
const EVENT_NAMES: readonly string[] = [
  'ExecutionStarted',
  'ExecutionCompleted',
  'ExecutionFailed',
  'ExecutionTerminated',
  'TaskScheduled',
  'TaskCompleted',
  'TaskFailed',
  'SubOrchestrationInstanceCreated',
  'SubOrchestrationInstanceCompleted',
  'SubOrchestrationInstanceFailed',
  'TimerCreated',
  'TimerFired',
  'OrchestratorStarted',
  'OrchestratorCompleted',
  'EventSent',
  'EventRaised',
  'ContinueAsNew',
  'GenericEvent',
  'HistoryState',
  'ExecutionSuspended',
  'ExecutionResumed',
];

/** DTFx `OrchestrationStatus` names by number. */
const STATUS_NAMES: readonly string[] = [
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Pending',
  'Suspended',
];

/** The extension's `ParseToJToken`: JSON when it parses, else the raw text. */
function parseToJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  const trimmed = value.trim();
  if (trimmed.length === 0) return '';
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

export interface HistoryViewOptions {
  showInput: boolean;
  showHistoryOutput: boolean;
}

interface Scheduled {
  index: number;
  name: unknown;
  time: unknown;
  input: unknown;
}

export function historyView(history: readonly HistoryEvent[], opts: HistoryViewOptions): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const scheduled = new Map<string, Scheduled>();
  const drop = new Set<number>();

  const completeFrom = (row: Record<string, unknown>, prefix: string, showOutput: boolean) => {
    const origin = scheduled.get(`${prefix}_${String(row.TaskScheduledId)}`);
    if (origin) {
      row.ScheduledTime = origin.time;
      row.FunctionName = origin.name;
      if (opts.showInput) row.Input = origin.input;
      drop.add(origin.index);
    }
    delete row.TaskScheduledId;
    if (showOutput) row.Result = parseToJson(row.Result);
    else delete row.Result;
  };

  history.forEach((e, i) => {
    const row: Record<string, unknown> = { ...e };
    row.EventType = EVENT_NAMES[e.EventType] ?? String(e.EventType);
    switch (e.EventType) {
      case EventType.TaskScheduled:
        scheduled.set(`TaskScheduled_${e.EventId}`, { index: i, name: e.Name, time: e.Timestamp, input: e.Input });
        delete row.Version;
        break;
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(`SubOrchestrationInstanceCreated_${e.EventId}`, { index: i, name: e.Name, time: e.Timestamp, input: e.Input });
        delete row.Version;
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
        completeFrom(row, 'TaskScheduled', opts.showHistoryOutput && e.EventType === EventType.TaskCompleted);
        break;
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        completeFrom(
          row,
          'SubOrchestrationInstanceCreated',
          opts.showHistoryOutput && e.EventType === EventType.SubOrchestrationInstanceCompleted,
        );
        break;
      case EventType.ExecutionStarted:
        delete row.Name;
        row.FunctionName = e.Name;
        for (const k of ['OrchestrationInstance', 'ParentInstance', 'Version', 'Tags']) delete row[k];
        break;
      case EventType.ExecutionCompleted:
        if (typeof e.OrchestrationStatus === 'number')
          row.OrchestrationStatus = STATUS_NAMES[e.OrchestrationStatus] ?? e.OrchestrationStatus;
        if (opts.showHistoryOutput) row.Result = parseToJson(row.Result);
        else delete row.Result;
        break;
      case EventType.TimerFired:
        delete row.TimerId;
        break;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        drop.add(i);
        break;
      default:
        break;
    }
    if (!opts.showInput) delete row.Input;
    delete row.EventId;
    delete row.IsPlayed;
    if (row.FailureDetails === null || row.FailureDetails === undefined) delete row.FailureDetails;
    rows.push(row);
  });
  return rows.filter((_, i) => !drop.has(i));
}
