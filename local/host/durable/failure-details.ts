import { z } from 'zod';

/**
 * durable-functions ≥ 3.5 with `df.app.setExceptionPropertiesProvider`: the activity wrapper replaces
 * a thrown error's message with this JSON. The extension turns it into `TaskFailed.FailureDetails`
 * (PascalCase), which the SDK surfaces as a `TaskFailedError` carrying the properties.
 */
const Payload = z
  .object({
    errorType: z.string(),
    errorMessage: z.string(),
    stackTrace: z.string().optional(),
    isNonRetriable: z.boolean().optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export interface WireFailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable: boolean;
  Properties?: Record<string, unknown>;
  InnerFailure: null;
}

export function failureDetailsFromMessage(message: string): WireFailureDetails | undefined {
  if (!message.startsWith('{')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return undefined;
  }
  const p = Payload.safeParse(raw);
  if (!p.success) return undefined;
  return {
    ErrorType: p.data.errorType,
    ErrorMessage: p.data.errorMessage,
    ...(p.data.stackTrace !== undefined ? { StackTrace: p.data.stackTrace } : {}),
    IsNonRetriable: p.data.isNonRetriable ?? false,
    ...(p.data.properties !== undefined ? { Properties: p.data.properties } : {}),
    InnerFailure: null,
  };
}
