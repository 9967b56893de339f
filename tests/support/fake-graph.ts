import {
  settle,
  type GraphGateway,
  type GraphRequestSpec,
  type GraphResult,
  type ListResult,
  type PagesResult,
  type SendOptions,
} from '../../shared/graph/gateway';
import type { GraphOperationName } from '../../shared/graph/operations';

export type Handler = (spec: GraphRequestSpec) => GraphResult;

/**
 * A GraphGateway fake: each operation answered by a handler; every call recorded. A list handler
 * answers with the whole collection; `forEachPage` hands it over in pages of `pageSize` items.
 * Answers go through the gateway's own `settle` rule, as the real gateway's do: a 401/403 throws a
 * GraphPermissionError and a transient status a GraphTransientError, in a $batch as outside one.
 * With `batchPageSize`, a collection answered inside a $batch is cut to its first page with an
 * `@odata.nextLink` that `forEachPage(…, { from })` continues, as the service pages a filtered list.
 */
export class FakeGraph implements GraphGateway {
  readonly calls: GraphRequestSpec[] = [];
  /** Operations read whole through listAll (rather than page by page through forEachPage). */
  readonly listedWhole: GraphOperationName[] = [];
  /** Items per page handed to forEachPage callbacks (the service's pages are 100 to 1,000). */
  pageSize = 1000;
  /** Items per page of a collection answered inside a $batch; unset: the whole collection. */
  batchPageSize: number | undefined;
  /** nextLinks followed through forEachPage(…, { from }). */
  readonly followed: string[] = [];
  private readonly continued = new Map<string, unknown[]>();
  constructor(public handlers: Partial<Record<GraphOperationName, Handler>> = {}) {}

  private answer(spec: GraphRequestSpec): GraphResult {
    this.calls.push(spec);
    const handler = this.handlers[spec.op];
    if (!handler) throw new Error(`FakeGraph: no handler for ${spec.op}`);
    return handler(spec);
  }

  async send(spec: GraphRequestSpec, options?: SendOptions): Promise<GraphResult> {
    return settle(this.answer(spec), spec, options);
  }

  async batch(specs: GraphRequestSpec[], options?: SendOptions): Promise<GraphResult[]> {
    return specs.map((spec) => {
      const result = settle(this.answer(spec), spec, options);
      const value = result.ok ? (result.body as { value?: unknown } | undefined)?.value : undefined;
      if (!result.ok || this.batchPageSize === undefined || !Array.isArray(value) || value.length <= this.batchPageSize) return result;
      const link = `https://graph.microsoft.com/beta/fake-page/${this.continued.size}`;
      this.continued.set(link, value.slice(this.batchPageSize));
      return { ...result, body: { value: value.slice(0, this.batchPageSize), '@odata.nextLink': link } };
    });
  }

  async listAll(spec: GraphRequestSpec): Promise<ListResult> {
    this.listedWhole.push(spec.op);
    const result = settle(this.answer(spec), spec);
    if (!result.ok) return result;
    return { ok: true, items: (result.body as { value: unknown[] }).value };
  }

  async forEachPage(
    spec: GraphRequestSpec,
    onPage: (items: unknown[]) => void | Promise<void>,
    options?: { from?: string },
  ): Promise<PagesResult> {
    let items: unknown[];
    if (options?.from !== undefined) {
      const rest = this.continued.get(options.from);
      if (!rest) throw new Error(`FakeGraph: unknown nextLink ${options.from}`);
      this.calls.push(spec);
      this.followed.push(options.from);
      items = rest;
    } else {
      const result = settle(this.answer(spec), spec);
      if (!result.ok) return result;
      items = (result.body as { value: unknown[] }).value;
    }
    let pages = 0;
    // An empty collection is still one (empty) page, as the service answers it.
    for (let i = 0; i === 0 || i < items.length; i += this.pageSize) {
      await onPage(items.slice(i, i + this.pageSize));
      pages++;
    }
    return { ok: true, pages };
  }

  count(op: GraphOperationName): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}

export const ok = (body?: unknown, status = 200): GraphResult => ({ ok: true, status, body });
export const err = (status: number, code = `HTTP${status}`): GraphResult => ({ ok: false, status, code, message: code });
