import type { RpcTypedData } from './types';

/** JSON text for a returned typed value, as the Durable extension records an activity result. */
export function typedDataToJsonText(data: RpcTypedData | null | undefined): string {
  if (!data) return 'null';
  if (typeof data.json === 'string') return data.json;
  if (typeof data.string === 'string') return JSON.stringify(data.string);
  if (typeof data.int === 'number') return String(data.int);
  if (typeof data.double === 'number') return String(data.double);
  const bytes = data.bytes ?? data.stream;
  if (bytes) return JSON.stringify(Buffer.from(bytes).toString('base64'));
  return 'null';
}

/** The typed value of any JSON-able input: strings pass as `{string}`, everything else as `{json}`. */
export function toTypedData(value: unknown): RpcTypedData {
  if (typeof value === 'string') return { string: value };
  if (Buffer.isBuffer(value)) return { bytes: value };
  return { json: JSON.stringify(value ?? null) };
}

/** Parses a typed value into a plain JS value (for output bindings and HTTP bodies). */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (typeof data.json === 'string') return JSON.parse(data.json) as unknown;
  if (typeof data.string === 'string') return data.string;
  if (typeof data.int === 'number') return data.int;
  if (typeof data.double === 'number') return data.double;
  const bytes = data.bytes ?? data.stream;
  if (bytes) return Buffer.from(bytes);
  return undefined;
}
