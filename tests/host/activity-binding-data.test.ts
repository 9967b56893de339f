import { describe, expect, it } from 'vitest';
import { activityBindingData } from '../../local/host/bindings/activity-binding-data';
import { resolveBindingExpression } from '../../local/host/bindings/binding-expressions';

// The binding data an activity's outputs resolve against: the Durable extension's keys, then the
// input's top-level properties as the Functions host's Utility.ApplyBindingData adds them.

describe('activity binding data', () => {
  it('adds top-level properties of an object input: scalars as .NET strings, objects kept, arrays and nulls skipped', () => {
    const input = { backupPath: 'a/b.txt', size: 12, ratio: 0.5, ok: true, no: false, meta: { region: 'emea' }, list: [1], gone: null };
    expect(activityBindingData(input, 'inst-1', 'activityTriggerab12')).toEqual({
      instanceId: 'inst-1',
      activityTriggerab12: JSON.stringify(input),
      data: input,
      backupPath: 'a/b.txt',
      size: '12',
      ratio: '0.5',
      ok: 'True',
      no: 'False',
      meta: { region: 'emea' },
    });
  });

  it('lets input properties override the extension keys, whatever their case (the host dictionary ignores case)', () => {
    const data = activityBindingData({ InstanceID: 'from-input' }, 'inst-1', undefined);
    expect(data).toEqual({ data: { InstanceID: 'from-input' }, InstanceID: 'from-input' });
    expect(resolveBindingExpression('x/{instanceId}', data, {})).toBe('x/from-input');
  });

  it('adds nothing beyond the extension keys for scalar, array or null inputs', () => {
    expect(activityBindingData('plain', 'i', 't')).toEqual({ instanceId: 'i', t: 'plain', data: 'plain' });
    expect(activityBindingData([{ a: 1 }], 'i', 't')).toEqual({ instanceId: 'i', t: '[{"a":1}]', data: [{ a: 1 }] });
    expect(activityBindingData(undefined, 'i', 't')).toEqual({ instanceId: 'i', t: 'null', data: null });
  });

  it('resolves the sample-style path from the input', () => {
    const data = activityBindingData({ backupPath: 'site/img/logo.png', filePath: '/tmp/x' }, 'i', 't');
    expect(resolveBindingExpression('backups/{backupPath}', data, {})).toBe('backups/site/img/logo.png');
    expect(resolveBindingExpression('backups/{data.filePath}', data, {})).toBe('backups//tmp/x');
  });
});
