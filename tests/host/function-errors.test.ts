import { describe, expect, it } from 'vitest';
import type { RegisteredFunction } from '../../local/host/core/core-api';
import { findFunctionErrors, formatFunctionErrors } from '../../local/host/core/function-errors';
import type { RpcBindingInfo } from '../../local/host/core/types';

// The start-up rules that put one function in error (the contract test runs a whole app).

const ENV = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', OUT: 'reports' };

function fn(name: string, ...bindings: RpcBindingInfo[]): RegisteredFunction {
  return { name, bindings: Object.fromEntries(bindings.map((b, i) => [`b${i}`, b])), callback: () => undefined };
}
const http: RpcBindingInfo = { type: 'httpTrigger', direction: 'in' };
const activity: RpcBindingInfo = { type: 'activityTrigger', direction: 'in' };
const blobOut = (path: string, connection?: string): RpcBindingInfo => ({
  type: 'blob',
  direction: 'out',
  path,
  ...(connection ? { connection } : {}),
});

function errorsOf(...functions: RegisteredFunction[]): Record<string, readonly string[]> {
  return Object.fromEntries(findFunctionErrors(functions, ENV));
}

describe('functions in error', () => {
  it('accepts what the host serves', () => {
    expect(
      errorsOf(
        fn('web', http, { type: 'http', direction: 'out' }, { type: 'durableClient', direction: 'in' }, blobOut('%OUT%/{name}')),
        fn('act', activity, blobOut('backups/{backupPath}'), { type: 'queue', direction: 'out', queueName: 'q-{site}' }),
        fn('tick', { type: 'timerTrigger', direction: 'in', schedule: '0 */5 * * * *' }),
        fn('blob', { type: 'blobTrigger', direction: 'in', path: 'uploads/{name}' }),
      ),
    ).toEqual({});
  });

  it('names unregistered types once per function and unsupported directions', () => {
    const e = errorsOf(
      fn(
        'sms',
        activity,
        { type: 'twilioSms', direction: 'out' },
        { type: 'twilioSms', direction: 'out' },
        { type: 'cosmosDB', direction: 'in' },
      ),
      fn('blobIn', http, { type: 'blob', direction: 'in', path: 'a/b' }),
    );
    expect(e.sms).toEqual([expect.stringMatching(/^The binding type\(s\) 'twilioSms, cosmosDB' are not registered\. /)]);
    expect(e.blobIn).toEqual([expect.stringMatching(/^The local host does not support 'blob' as an input binding\. /)]);
  });

  it('refuses outputs on orchestrators and entities, and http outputs without an http trigger', () => {
    const e = errorsOf(
      fn('orch', { type: 'orchestrationTrigger', direction: 'in' }, blobOut('a/b')),
      fn('ent', { type: 'entityTrigger', direction: 'in' }, { type: 'queue', direction: 'out', queueName: 'q' }),
      fn('act', activity, { type: 'http', direction: 'out' }),
    );
    expect(e.orch).toEqual([
      "Orchestrator functions must not use output bindings (they run again on every replay); remove the 'blob' output(s) and write from an activity.",
    ]);
    expect(e.ent).toEqual(["The local host does not support output bindings on entity functions ('queue'); write from an activity."]);
    expect(e.act).toEqual(["An 'http' output binding needs an httpTrigger; this function's trigger is 'activityTrigger'."]);
  });

  it('checks storage outputs and trigger settings at start-up, not at the first call', () => {
    const e = errorsOf(
      fn('conn', activity, blobOut('a/{x}', 'Nope')),
      fn('setting', activity, blobOut('%MISSING%/{x}')),
      fn('syntax', activity, blobOut('a/{x')),
      fn('noPath', activity, { type: 'blob', direction: 'out' }),
      fn('badBlob', { type: 'blobTrigger', direction: 'in', path: 'Bad_Container/{name}' }),
      fn('badTimer', { type: 'timerTrigger', direction: 'in', schedule: '00:05:00' }),
    );
    expect(e.conn).toEqual(["Storage connection 'Nope' is not set (app setting Nope or AzureWebJobsNope)."]);
    expect(e.setting).toEqual(["Binding expression '%MISSING%' in '%MISSING%/{x}': app setting 'MISSING' is not set."]);
    expect(e.syntax).toEqual(["Binding expression 'a/{x': unclosed '{'."]);
    expect(e.noPath).toEqual(["The blob output binding has no 'path'."]);
    expect(e.badBlob).toEqual([expect.stringMatching(/^Blob trigger path 'Bad_Container\/{name}': .*not a valid container name/)]);
    expect(e.badTimer).toEqual([expect.stringMatching(/^Timer schedule: '00:05:00' is an invalid NCRONTAB expression/)]);
  });

  it('formats the start-up block as the Functions host logs it', () => {
    expect(
      formatFunctionErrors(
        new Map([
          ['a', ['one']],
          ['b', ['two', 'three']],
        ]),
      ),
    ).toBe('The following 2 functions are in error:\na: one\nb: two\nthree');
  });
});
