/**
 * An activity's contract: its name as the host knows it, and the schemas of what goes in and comes
 * out. The orchestration calls an activity through its contract (orchestrations/call-activity.ts:
 * the input is checked before scheduling, the output parsed after), and the app registers the
 * implementation against the same contract (functions/activities.ts: the input parsed on arrival)
 * — so a name is never a bare string, and "go to definition" leads from a call to its contract and
 * from there (its @see) to the code that runs.
 */
import type { z } from 'zod';

export interface ActivityContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** The function name the host registers; fixed forever once deployed (histories hold it). */
  readonly name: string;
  readonly input: I;
  readonly output: O;
}

export function activity<I extends z.ZodType, O extends z.ZodType>(name: string, input: I, output: O): ActivityContract<I, O> {
  return { name, input, output };
}

export interface OrchestrationContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly input: I;
  readonly output: O;
}

/**
 * Compile-time proof that an implementation takes its contract's input and returns its output
 * (a step whose result drifted from its contract does not build): `true` or `false`.
 */
export type Implements<C extends { input: z.ZodType; output: z.ZodType }, F> = F extends (
  deps: never,
  input: z.output<C['input']>,
) => Promise<infer R>
  ? R extends z.input<C['output']>
    ? true
    : false
  : false;
