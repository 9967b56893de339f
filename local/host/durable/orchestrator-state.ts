import { z } from 'zod';

/**
 * The orchestrator's answer to one episode (durable-functions `OrchestratorState`), validated at the
 * edge. Actions are cumulative since the execution started; V2/V3 nest them under one inner array
 * with WhenAll/WhenAny as compound actions.
 */

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const RetryOptionsSchema = z
  .object({
    firstRetryIntervalInMilliseconds: z.number().positive(),
    maxNumberOfAttempts: z.number().int().positive(),
    backoffCoefficient: z.number().positive().optional(),
    maxRetryIntervalInMilliseconds: z.number().positive().optional(),
  })
  .loose();

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: z.infer<typeof RetryOptionsSchema>;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  operation?: string;
  compoundActions?: Action[];
}

const ActionSchema: z.ZodType<Action> = z.lazy(() =>
  z
    .object({
      actionType: z.number().int(),
      functionName: z.string().optional(),
      input: z.unknown().optional(),
      retryOptions: RetryOptionsSchema.optional(),
      instanceId: z.string().optional(),
      fireAt: z.string().optional(),
      isCanceled: z.boolean().optional(),
      externalEventName: z.string().optional(),
      operation: z.string().optional(),
      compoundActions: z.array(ActionSchema).optional(),
    })
    .loose(),
);

export const OrchestratorStateSchema = z
  .object({
    isDone: z.boolean(),
    actions: z.array(z.array(ActionSchema)),
    output: z.unknown().optional(),
    error: z.string().optional(),
    customStatus: z.unknown().optional(),
  })
  .loose();

export type OrchestratorState = z.infer<typeof OrchestratorStateSchema>;

export function parseOrchestratorState(json: string): OrchestratorState {
  const parsed = OrchestratorStateSchema.safeParse(JSON.parse(json) as unknown);
  if (!parsed.success) throw new Error(`The orchestrator returned an unexpected state: ${parsed.error.message}`);
  return parsed.data;
}

/** Leaf actions in scheduling order, depth-first through WhenAll/WhenAny. */
export function leafActions(state: OrchestratorState): Action[] {
  const out: Action[] = [];
  const walk = (list: Action[]) => {
    for (const a of list) {
      if (a.compoundActions) walk(a.compoundActions);
      else out.push(a);
    }
  };
  for (const group of state.actions) walk(group);
  return out;
}

export function actionName(a: Action): string {
  if (a.actionType === ActionType.CreateTimer) return 'timer';
  if (a.actionType === ActionType.WaitForExternalEvent) return a.externalEventName ?? '';
  if (a.actionType === ActionType.CallEntity || a.actionType === ActionType.SignalEntity)
    return `${a.instanceId ?? ''}:${a.operation ?? ''}`;
  return a.functionName ?? '';
}

const KIND: Record<number, string> = {
  0: 'an activity task',
  1: 'an activity task',
  2: 'a sub-orchestration',
  3: 'a sub-orchestration',
  4: 'a continue-as-new',
  5: 'a timer',
  6: 'a wait for an external event',
  7: 'an entity call',
  8: 'an HTTP call',
  9: 'an entity signal',
};

export function describeAction(type: number, name: string): string {
  return `${KIND[type] ?? `action type ${type}`}${name && type !== 5 ? ` '${name}'` : ''}`;
}

/** Retry and non-retry variants are the same task for the determinism check. */
export function sameKind(a: number, b: number): boolean {
  const norm = (t: number) => (t === 1 ? 0 : t === 3 ? 2 : t);
  return norm(a) === norm(b);
}
