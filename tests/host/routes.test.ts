import { describe, expect, it } from 'vitest';
import { matchRoute, parseRoute } from '../../local/host/http/routes';

const m = (template: string, path: string) => matchRoute(parseRoute(template), path.split('/').filter(Boolean));

describe('route templates', () => {
  it('binds parameters, optional parameters and catch-alls', () => {
    expect(m('api/runs/{runId}', 'api/runs/r1')).toEqual({ runId: 'r1' });
    expect(m('api/runs/{runId}/{part?}', 'api/runs/r1')).toEqual({ runId: 'r1' });
    expect(m('api/files/{*rest}', 'api/files/a/b/c')).toEqual({ rest: 'a/b/c' });
    expect(m('API/Runs', 'api/runs')).toEqual({});
  });

  it('applies constraints', () => {
    expect(m('api/items/{id:int}', 'api/items/12')).toEqual({ id: '12' });
    expect(m('api/items/{id:int}', 'api/items/x')).toBeUndefined();
    expect(m('api/n/{name:alpha:maxlength(3)}', 'api/n/abc')).toEqual({ name: 'abc' });
    expect(m('api/n/{name:alpha:maxlength(3)}', 'api/n/abcd')).toBeUndefined();
    expect(m('api/g/{id:guid}', 'api/g/8f14e45f-ceea-467f-a8f0-3d1b5e0c9a11')).toEqual({ id: '8f14e45f-ceea-467f-a8f0-3d1b5e0c9a11' });
  });

  it('does not match extra or missing segments', () => {
    expect(m('api/runs/{runId}', 'api/runs')).toBeUndefined();
    expect(m('api/runs/{runId}', 'api/runs/a/b')).toBeUndefined();
  });

  it('refuses constraints it does not implement', () => {
    expect(() => parseRoute('api/{x:regex(^a$)}')).toThrow(/does not support the route constraint/);
  });
});
