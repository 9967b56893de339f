/**
 * DTFx history events as the Durable extension serialises them for out-of-proc SDKs
 * (Newtonsoft: PascalCase fields, integer EventType, ISO Timestamp).
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
} as const;

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(type: number, fields: Record<string, unknown> = {}, timestamp = new Date().toISOString()): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: timestamp, ...fields };
}

/** DTFx `OrchestrationStatus` numbers, used in ExecutionCompleted events. */
export const OrchestrationStatusCode = {
  Running: 0,
  Completed: 1,
  ContinuedAsNew: 2,
  Failed: 3,
  Canceled: 4,
  Terminated: 5,
  Pending: 6,
} as const;

/** The id a completion event answers (TaskScheduledId / TimerId), or undefined for other events. */
export function completionId(e: HistoryEvent): number | undefined {
  if (
    e.EventType === EventType.TaskCompleted ||
    e.EventType === EventType.TaskFailed ||
    e.EventType === EventType.SubOrchestrationInstanceCompleted ||
    e.EventType === EventType.SubOrchestrationInstanceFailed
  ) {
    return typeof e.TaskScheduledId === 'number' ? e.TaskScheduledId : undefined;
  }
  if (e.EventType === EventType.TimerFired) return typeof e.TimerId === 'number' ? e.TimerId : undefined;
  return undefined;
}

export function isFailure(e: HistoryEvent): boolean {
  return e.EventType === EventType.TaskFailed || e.EventType === EventType.SubOrchestrationInstanceFailed;
}
