import { resolveSettingRefs } from '../app/settings';
import { parseBindingTemplate } from '../bindings/binding-expressions';
import { parseBlobTriggerPath } from '../triggers/blob-path';
import { parseNcrontab } from '../triggers/ncrontab';
import type { RegisteredFunction } from './core-api';
import { connectionFor } from './outputs';
import type { RpcBindingInfo } from './types';

/**
 * Which functions are "in error", and why, decided once at start-up as the Functions host does when it
 * indexes functions: a function whose bindings the host cannot serve is reported (and never runs), the
 * rest of the app runs. The messages follow the real host's where it has one
 * (`FunctionDescriptorProvider.CreateBindingError`, storage connection and `%Setting%` checks at
 * indexing); the log block copies `ScriptHost.LogHostFunctionErrors`.
 */

export const TRIGGERS: ReadonlySet<string> = new Set([
  'httpTrigger',
  'timerTrigger',
  'blobTrigger',
  // Fed BlobCreated events by the local host (../triggers/blob-created-event.ts).
  'eventGridTrigger',
  'orchestrationTrigger',
  'activityTrigger',
  'entityTrigger',
]);
export const INPUTS: ReadonlySet<string> = new Set(['durableClient']);
export const OUTPUTS: ReadonlySet<string> = new Set(['http', 'blob', 'queue']);
const KNOWN = new Set([...TRIGGERS, ...INPUTS, ...OUTPUTS]);

/** Function name → the reasons it is in error (one or more). */
export type FunctionErrors = ReadonlyMap<string, readonly string[]>;

/** Thrown when something invokes a function that is in error; the message is the reason. */
export class FunctionInErrorError extends Error {
  constructor(
    readonly functionName: string,
    readonly reasons: readonly string[],
  ) {
    super(`The function '${functionName}' is in error: ${reasons.join(' ')}`);
  }
}

const PROVIDED =
  `(The local host provides triggers ${[...TRIGGERS].join(', ')}; inputs ${[...INPUTS].join(', ')}; ` +
  `outputs ${[...OUTPUTS].join(', ')}.)`;

function isTrigger(b: RpcBindingInfo): boolean {
  return /trigger$/i.test(b.type ?? '');
}

/** Start-up checks of one storage binding (output, or blob trigger): connection, path expressions. */
function storageProblems(b: RpcBindingInfo, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  try {
    connectionFor(b.connection, env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (b.type === 'blob' || b.type === 'queue') {
    const field = b.type === 'blob' ? 'path' : 'queueName';
    const template = b[field];
    if (typeof template !== 'string' || template.length === 0) problems.push(`The ${b.type} output binding has no '${field}'.`);
    else {
      try {
        parseBindingTemplate(template, env);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  return problems;
}

/** What would stop the timer or blob listener from taking this function on (checked per function, not per host). */
function triggerProblems(bindings: RpcBindingInfo[], env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const attempt = (prefix: string, fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      problems.push(`${prefix}${(err as Error).message}`);
    }
  };
  for (const b of bindings) {
    if (b.type === 'blobTrigger') {
      problems.push(...storageProblems(b, env));
      attempt('', () => parseBlobTriggerPath(resolveSettingRefs(String(b.path ?? ''), env)));
    }
    if (b.type === 'timerTrigger') attempt('Timer schedule: ', () => parseNcrontab(resolveSettingRefs(String(b.schedule ?? ''), env)));
  }
  return problems;
}

function problemsOf(fn: RegisteredFunction, env: NodeJS.ProcessEnv): string[] {
  const bindings = Object.values(fn.bindings);
  const trigger = bindings.find(isTrigger)?.type ?? '(none)';
  const problems: string[] = [];
  const unregistered = [...new Set(bindings.map((b) => b.type ?? '(none)').filter((t) => !KNOWN.has(t)))];
  if (unregistered.length > 0) {
    problems.push(
      `The binding type(s) '${unregistered.join(', ')}' are not registered. Please ensure the type is correct and the binding extension is installed. ${PROVIDED}`,
    );
  }
  for (const b of bindings) {
    const type = b.type ?? '(none)';
    if (!KNOWN.has(type)) continue;
    const ok = isTrigger(b) ? TRIGGERS.has(type) : b.direction === 'out' ? OUTPUTS.has(type) : INPUTS.has(type);
    if (!ok)
      problems.push(
        `The local host does not support '${type}' as ${b.direction === 'out' ? 'an output' : 'an input'} binding. ${PROVIDED}`,
      );
  }
  const outputs = bindings.filter((b) => b.direction === 'out' && OUTPUTS.has(b.type ?? ''));
  if (trigger === 'orchestrationTrigger' && outputs.length > 0) {
    // They would be written again on every replay; Durable's code constraints forbid bindings in orchestrators.
    problems.push(
      `Orchestrator functions must not use output bindings (they run again on every replay); remove the '${outputs.map((b) => b.type).join(', ')}' output(s) and write from an activity.`,
    );
  } else if (trigger === 'entityTrigger' && outputs.length > 0) {
    problems.push(
      `The local host does not support output bindings on entity functions ('${outputs.map((b) => b.type).join(', ')}'); write from an activity.`,
    );
  } else {
    for (const b of outputs) {
      if (b.type === 'http' && trigger !== 'httpTrigger')
        problems.push(`An 'http' output binding needs an httpTrigger; this function's trigger is '${trigger}'.`);
      if (b.type === 'blob' || b.type === 'queue') problems.push(...storageProblems(b, env));
    }
  }
  problems.push(...triggerProblems(bindings, env));
  return problems;
}

export function findFunctionErrors(functions: Iterable<RegisteredFunction>, env: NodeJS.ProcessEnv): FunctionErrors {
  const errors = new Map<string, string[]>();
  for (const fn of functions) {
    const problems = problemsOf(fn, env);
    if (problems.length > 0) errors.set(fn.name, problems);
  }
  return errors;
}

/** The start-up log block, as `ScriptHost.LogHostFunctionErrors` writes it. */
export function formatFunctionErrors(errors: FunctionErrors): string {
  const lines = [...errors].map(([name, reasons]) => `${name}: ${reasons.join('\n')}`);
  return `The following ${errors.size} functions are in error:\n${lines.join('\n')}`;
}
