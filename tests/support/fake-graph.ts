import type { GraphGateway, GraphRequestSpec, GraphResult, ListResult, PagesResult } from '../../shared/graph/gateway';
import type { GraphOperationName } from '../../shared/graph/operations';

export type Handler = (spec: GraphRequestSpec) => GraphResult;

/**
 * A GraphGateway fake: each operation answered by a handler; every call recorded. A list handler
 * answers with the whole collection; `forEachPage` hands it over in pages of `pageSize` items.
 */
export class FakeGraph implements GraphGateway {
  readonly calls: GraphRequestSpec[] = [];
  /** Operations read whole through listAll (rather than page by page through forEachPage). */
  readonly listedWhole: GraphOperationName[] = [];
  /** Items per page handed to forEachPage callbacks (the service's pages are 100 to 1,000). */
  pageSize = 1000;
  constructor(public handlers: Partial<Record<GraphOperationName, Handler>> = {}) {}

  private answer(spec: GraphRequestSpec): GraphResult {
    this.calls.push(spec);
    const handler = this.handlers[spec.op];
    if (!handler) throw new Error(`FakeGraph: no handler for ${spec.op}`);
    return handler(spec);
  }

  async send(spec: GraphRequestSpec): Promise<GraphResult> {
    return this.answer(spec);
  }

  async batch(specs: GraphRequestSpec[]): Promise<GraphResult[]> {
    return specs.map((s) => this.answer(s));
  }

  async listAll(spec: GraphRequestSpec): Promise<ListResult> {
    this.listedWhole.push(spec.op);
    const result = this.answer(spec);
    if (!result.ok) return result;
    return { ok: true, items: (result.body as { value: unknown[] }).value };
  }

  async forEachPage(spec: GraphRequestSpec, onPage: (items: unknown[]) => void | Promise<void>): Promise<PagesResult> {
    const result = this.answer(spec);
    if (!result.ok) return result;
    const items = (result.body as { value: unknown[] }).value;
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
