/**
 * The binding data an activity's output bindings resolve `{…}` expressions against, built the way the
 * real host builds it (so `backups/{backupPath}` works as in Azure):
 *
 * 1. The Durable extension's activity trigger (`ActivityTriggerAttributeBindingProvider.cs`,
 *    `BindAsync`) contributes `instanceId` (the orchestration's), the trigger parameter by its binding
 *    name, and `data` (the input as JSON).
 * 2. The Functions host then adds the top-level properties of a JSON-object input
 *    (`Utility.ApplyBindingData`, called from `WorkerFunctionInvoker.TransformInput`): scalar values
 *    as .NET strings, nested objects as objects (so `{a.b}` works), arrays and nulls skipped. These
 *    override the extension's keys ("input data overrides ambient data").
 *
 * Lookups are case-insensitive (binding-expressions.ts), as the host's binding data dictionary is.
 */

/** `(string)JValue` in .NET: booleans are `True`/`False`; numbers and strings as JSON prints them. */
function dotNetString(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** Sets a key the way an OrdinalIgnoreCase dictionary does: a key differing only in case is replaced. */
function setIgnoreCase(data: Record<string, unknown>, key: string, value: unknown): void {
  const lower = key.toLowerCase();
  for (const k of Object.keys(data)) if (k.toLowerCase() === lower) delete data[k];
  data[key] = value;
}

export function activityBindingData(input: unknown, instanceId: string, triggerBindingName: string | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = { instanceId };
  // The worker receives the trigger as a string: the input itself, or its JSON text.
  if (triggerBindingName) data[triggerBindingName] = typeof input === 'string' ? input : JSON.stringify(input ?? null);
  data.data = input ?? null;
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
      if (value === null || value === undefined || Array.isArray(value)) continue;
      if (typeof value === 'object') setIgnoreCase(data, key, value);
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        setIgnoreCase(data, key, dotNetString(value));
    }
  }
  return data;
}
