import type { RegisteredFunction } from './core-api';

const TRIGGERS = new Set(['httpTrigger', 'timerTrigger', 'blobTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger']);
const INPUTS = new Set(['durableClient']);
const OUTPUTS = new Set(['http', 'blob', 'queue']);

/** Refuses, at startup and with one clear message, every binding this host cannot serve. */
export function assertSupportedBindings(functions: Iterable<RegisteredFunction>): void {
  const problems: string[] = [];
  for (const fn of functions) {
    for (const b of Object.values(fn.bindings)) {
      const type = b.type ?? '(none)';
      const ok = /trigger$/i.test(type) ? TRIGGERS.has(type) : b.direction === 'out' ? OUTPUTS.has(type) : INPUTS.has(type);
      if (!ok) problems.push(`function '${fn.name}': ${b.direction ?? ''} binding '${type}'`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `The local host does not support these bindings:\n  ${problems.join('\n  ')}\n` +
        `Supported: triggers ${[...TRIGGERS].join(', ')}; inputs ${[...INPUTS].join(', ')}; outputs ${[...OUTPUTS].join(', ')}.`,
    );
  }
}
