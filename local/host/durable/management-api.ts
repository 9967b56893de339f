import { z } from 'zod';
import { managementUrls, type ClientUrls } from './client-binding';
import { HttpError, type DurableEngine } from './engine';
import { historyView } from './history-view';
import { TERMINAL, type InstanceState, type RuntimeStatus } from './state';

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});
const text = (status: number, message: string): ApiResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: message,
});

const STATUSES = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Canceled', 'Terminated', 'Suspended'] as const;
const ListQuery = z.object({
  createdTimeFrom: z.iso.datetime({ offset: true }).optional(),
  createdTimeTo: z.iso.datetime({ offset: true }).optional(),
  runtimeStatus: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(STATUSES)))
    .optional(),
  instanceIdPrefix: z.string().optional(),
  top: z.coerce.number().int().positive().max(1000).optional(),
  showInput: z.enum(['true', 'false']).optional(),
});

/** `yyyy-MM-ddTHH:mm:ssZ`, as StatusResponsePayload formats times. */
const shortTime = (iso: string) => `${iso.slice(0, 19)}Z`;
const parseJson = (t: string): unknown => (t === '' ? null : (JSON.parse(t) as unknown));

export function statusBody(
  inst: InstanceState,
  opts: { showInput: boolean; showHistory: boolean; showHistoryOutput: boolean },
): Record<string, unknown> {
  return {
    name: inst.name,
    instanceId: inst.instanceId,
    runtimeStatus: inst.status,
    input: opts.showInput ? parseJson(inst.input) : null,
    customStatus: inst.customStatus ?? null,
    output: inst.output ?? null,
    createdTime: shortTime(inst.createdTime),
    lastUpdatedTime: shortTime(inst.lastUpdatedTime),
    // As the extension: no history for a Pending instance (StatusResponsePayload omits a null historyEvents).
    ...(opts.showHistory && inst.status !== 'Pending'
      ? { historyEvents: historyView(inst.history, { showInput: opts.showInput, showHistoryOutput: opts.showHistoryOutput }) }
      : {}),
  };
}

function filterInstances(engine: DurableEngine, q: z.infer<typeof ListQuery>): InstanceState[] {
  const statuses = q.runtimeStatus && q.runtimeStatus.length > 0 ? new Set<string>(q.runtimeStatus) : undefined;
  const from = q.createdTimeFrom ? Date.parse(q.createdTimeFrom) : undefined;
  const to = q.createdTimeTo ? Date.parse(q.createdTimeTo) : undefined;
  return Object.values(engine.state.instances)
    .filter((i) => {
      const created = Date.parse(i.createdTime);
      if (from !== undefined && created < from) return false;
      if (to !== undefined && created > to) return false;
      if (statuses && !statuses.has(i.status)) return false;
      if (q.instanceIdPrefix && !i.instanceId.startsWith(q.instanceIdPrefix)) return false;
      return true;
    })
    .sort((a, b) =>
      a.createdTime === b.createdTime ? a.instanceId.localeCompare(b.instanceId) : a.createdTime.localeCompare(b.createdTime),
    );
}

/**
 * The Durable HTTP API (`HttpApiHandler`): served under `/durabletask/` (the SDK's rpcBaseUrl) and
 * `/runtime/webhooks/durabletask/` (the public webhook URLs). `path` is relative to that base.
 */
export async function handleDurableApi(
  engine: DurableEngine,
  urls: ClientUrls,
  req: { method: string; path: string; query: URLSearchParams; body: string; headers: Record<string, string | undefined> },
): Promise<ApiResponse> {
  const parts = req.path
    .split('/')
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  const [resource, a, b, c] = parts;
  const flag = (name: string, dflt: boolean) => {
    const v = req.query.get(name);
    return v === null ? dflt : v.toLowerCase() === 'true';
  };
  try {
    if (resource === 'orchestrators' && req.method === 'POST' && a) {
      const id = await engine.startNew(a, b, req.body);
      const links = managementUrls(urls, id);
      return json(202, { ...links, id }, { location: links.statusQueryGetUri ?? '' });
    }
    if (resource === 'instances' && a === undefined) {
      const parsed = ListQuery.safeParse(Object.fromEntries(req.query.entries()));
      if (!parsed.success) return text(400, `Invalid query: ${parsed.error.message}`);
      const all = filterInstances(engine, parsed.data);
      if (req.method === 'GET') {
        const top = parsed.data.top ?? 100;
        const start = Number.parseInt(req.headers['x-ms-continuation-token'] ?? '0', 10) || 0;
        const page = all.slice(start, start + top);
        const more = start + top < all.length;
        const showInput = parsed.data.showInput !== 'false';
        return json(
          200,
          page.map((i) => statusBody(i, { showInput, showHistory: false, showHistoryOutput: false })),
          more ? { 'x-ms-continuation-token': String(start + top) } : {},
        );
      }
      if (req.method === 'DELETE') {
        const n = await engine.purge(all.filter((i) => TERMINAL.has(i.status)).map((i) => i.instanceId));
        return n > 0 ? json(200, { instancesDeleted: n }) : text(404, 'No instances matched the filter.');
      }
    }
    if (resource === 'instances' && a) {
      if (req.method === 'GET' && b === undefined) {
        const inst = engine.instance(a);
        if (!inst) return text(404, `No instance with ID '${a}' found.`);
        const body = statusBody(inst, {
          showInput: flag('showInput', true),
          showHistory: flag('showHistory', false),
          showHistoryOutput: flag('showHistoryOutput', false),
        });
        const running: RuntimeStatus[] = ['Pending', 'Running', 'Suspended'];
        if (running.includes(inst.status)) {
          return json(202, body, { location: managementUrls(urls, a).statusQueryGetUri ?? '', 'retry-after': '5' });
        }
        const failedAs500 = flag('returnInternalServerErrorOnFailure', false) && inst.status === 'Failed';
        return json(failedAs500 ? 500 : 200, body);
      }
      if (req.method === 'DELETE' && b === undefined) {
        const inst = engine.instance(a);
        if (!inst) return text(404, `No instance with ID '${a}' found.`);
        if (!TERMINAL.has(inst.status))
          return text(
            400,
            `Instance '${a}' is ${inst.status.toLowerCase()}; only completed, failed or terminated instances can be purged.`,
          );
        return json(200, { instancesDeleted: await engine.purge([a]) });
      }
      if (req.method === 'POST' && b === 'raiseEvent' && c) {
        await engine.raiseEvent(a, c, req.body);
        return { status: 202, headers: {} };
      }
      if (req.method === 'POST' && b === 'terminate') {
        await engine.terminate(a, req.query.get('reason') ?? '');
        return { status: 202, headers: {} };
      }
      if (req.method === 'POST' && (b === 'suspend' || b === 'resume')) {
        await engine.setSuspended(a, b === 'suspend', req.query.get('reason') ?? '');
        return { status: 202, headers: {} };
      }
      if (req.method === 'POST' && (b === 'rewind' || b === 'restart')) {
        return text(501, `The local host does not support '${b}' (see docs/LOCAL-HOST.md).`);
      }
    }
    if (resource === 'entities' && a && b) {
      if (req.method === 'GET') {
        const entity = engine.state.entities[`@${a.toLowerCase()}@${b}`];
        if (!entity || !entity.exists || entity.state === null) return text(404, `Entity '@${a}@${b}' does not exist.`);
        return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: entity.state };
      }
      if (req.method === 'POST') {
        const op = req.query.get('op');
        if (!op) return text(400, 'Signalling an entity needs an ?op= operation name.');
        await engine.signalEntity(a, b, op, req.body);
        return { status: 202, headers: {} };
      }
    }
    if (resource === 'entities') return text(501, 'Listing or querying entities is not supported by the local host.');
    return text(404, `No durable API route for ${req.method} ${req.path}.`);
  } catch (err) {
    if (err instanceof HttpError) return text(err.status, err.message);
    throw err;
  }
}
