import { describe, expect, it } from 'vitest';
import { resolveBindingExpression } from '../../local/host/bindings/binding-expressions';
import { parseBlobTriggerPath } from '../../local/host/triggers/blob-path';

const now = new Date('2026-03-10T10:05:07.123Z');

describe('binding expressions in output paths', () => {
  it('resolves trigger data case-insensitively, nested values, settings and escapes', () => {
    const data = { name: 'site-a', BlobTrigger: 'intake/site-a.csv', run: { id: 42 } };
    expect(resolveBindingExpression('results/{name}.json', data, {}, now)).toBe('results/site-a.json');
    expect(resolveBindingExpression('results/{NAME}-{run.id}', data, {}, now)).toBe('results/site-a-42');
    expect(resolveBindingExpression('%OUT%/{name}', data, { OUT: 'reports' }, now)).toBe('reports/site-a');
    expect(resolveBindingExpression('x/{{literal}}/{name}', data, {}, now)).toBe('x/{literal}/site-a');
  });

  it('supports the system expressions', () => {
    expect(resolveBindingExpression('a/{DateTime}', {}, {}, now)).toBe('a/2026-03-10T10-05-07Z');
    expect(resolveBindingExpression('a/{sys.utcnow}', {}, {}, now)).toBe('a/2026-03-10T10:05:07.123Z');
    const guid = resolveBindingExpression('a/{rand-guid}', {}, {}, now);
    expect(guid).toMatch(/^a\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(resolveBindingExpression('a/{rand-guid}', {}, {}, now)).not.toBe(guid);
  });

  it('fails loudly on anything it cannot resolve', () => {
    expect(() => resolveBindingExpression('r/{missing}', { name: 'x' }, {}, now)).toThrow(/'\{missing\}'.*no value.*available: name/);
    expect(() => resolveBindingExpression('r/{run}', { run: { id: 1 } }, {}, now)).toThrow(/resolves to an object/);
    expect(() => resolveBindingExpression('%NOPE%/x', {}, {}, now)).toThrow(/app setting 'NOPE' is not set/);
    expect(() => resolveBindingExpression('r/{name', { name: 'x' }, {}, now)).toThrow(/unclosed/);
    expect(() => resolveBindingExpression('r/name}', { name: 'x' }, {}, now)).toThrow(/unmatched/);
    expect(() => resolveBindingExpression('r/{DateTime:yyyy}', {}, {}, now)).toThrow(/formatted expressions are not supported/);
  });
});

describe('blob trigger path patterns', () => {
  it('splits container and pattern, captures greedily like the host', () => {
    const p = parseBlobTriggerPath('intake/in/{name}.{ext}');
    expect(p.container).toBe('intake');
    expect(p.parameterNames).toEqual(['name', 'ext']);
    expect(p.match('in/a.b.csv')).toEqual({ name: 'a.b', ext: 'csv' });
    expect(p.match('in/sub/x.csv')).toEqual({ name: 'sub/x', ext: 'csv' });
    expect(p.match('out/a.csv')).toBeNull();
    expect(p.match('in/noext')).toBeNull();
  });

  it('a bare container matches every blob with no parameters', () => {
    const p = parseBlobTriggerPath('intake');
    expect(p.match('any/thing.txt')).toEqual({});
  });

  it('literal braces and regex characters are literal', () => {
    const p = parseBlobTriggerPath('intake/{{2026}}+(x)/{name}');
    expect(p.match('{2026}+(x)/f')).toEqual({ name: 'f' });
    expect(p.match('2026+(x)/f')).toBeNull();
  });

  it('rejects invalid paths with specific messages', () => {
    expect(() => parseBlobTriggerPath('Intake/{name}')).toThrow(/not a valid container name/);
    expect(() => parseBlobTriggerPath('in{x}/{name}')).toThrow(/container name must be literal/);
    expect(() => parseBlobTriggerPath('intake/{name')).toThrow(/unclosed/);
    expect(() => parseBlobTriggerPath('intake/{a.b}')).toThrow(/not a valid parameter/);
    expect(() => parseBlobTriggerPath('intake/{n}/{N}')).toThrow(/appears twice/);
    expect(() => parseBlobTriggerPath('intake/x}')).toThrow(/unmatched/);
  });
});
