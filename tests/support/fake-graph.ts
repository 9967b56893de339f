import type { GraphGateway, GraphRequestSpec, GraphResult, ListResult } from '../../shared/graph/gateway';
import type { GraphOperationName } from '../../shared/graph/operations';

export type Handler = (spec: GraphRequestSpec) => GraphResult;

/** A GraphGateway fake: each operation answered by a handler; every call recorded. */
export class FakeGraph implements GraphGateway {
  readonly calls: GraphRequestSpec[] = [];
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
    const result = this.answer(spec);
    if (!result.ok) return result;
    return { ok: true, items: (result.body as { value: unknown[] }).value };
  }

  count(op: GraphOperationName): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}

export const ok = (body?: unknown, status = 200): GraphResult => ({ ok: true, status, body });
export const err = (status: number, code = `HTTP${status}`): GraphResult => ({ ok: false, status, code, message: code });
