import type { Tenant } from '../domain/tenant';
import type { Caller } from '../permissions';
import type { ErrorFlavor } from '../odata/errors';
import type { ODataQuery } from '../odata/query';
import type { ApiVersion } from '../serialize/common';

export interface GraphCall {
  method: string;
  version: ApiVersion;
  /** Path below the version root, as requested (for messages and the log). */
  path: string;
  segments: string[];
  search: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** http://127.0.0.1:<port>, used to build nextLinks and contexts. */
  origin: string;
}

export interface GraphResult {
  status: number;
  headers?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  /** Plain-text body (`/$count`). */
  text?: string;
}

export type Area = 'intune' | 'directory';

export interface RouteContext {
  tenant: Tenant;
  call: GraphCall;
  params: Record<string, string>;
  query: ODataQuery;
  flavor: ErrorFlavor;
  caller: Caller;
  /** Per-request fault dice a handler rolls for the faults that happen inside the service. */
  faults: { ignoreDelete(): boolean };
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Segments below the version root; `{name}` matches one segment. Actions are written bare. */
  path: string;
  /** Versions that have this path; on the others the service answers "Resource not found for the segment". */
  versions?: ApiVersion[];
  /** The segment named in that 400 (defaults to the second literal segment). */
  missingSegment?: string;
  area: Area;
  /** The query options this route honours beyond $select/$top/$skiptoken/$count; others are refused
   * loudly instead of being ignored. */
  honours?: ('expand' | 'filter')[];
  /** A documented call the real service no longer serves: why (with its source). It never answers 2xx. */
  retired?: string;
  /** Directory resource-unit cost (throttling); default 1 for reads, 1 for writes. */
  cost?: number;
  handle(ctx: RouteContext): GraphResult;
}
