export type ApiVersion = 'v1.0' | 'beta';
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Intune's "never" timestamp for unset DateTimeOffset properties that are not nullable. */
export const NEVER = '0001-01-01T00:00:00Z';

export const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
export const isoOrNever = (ms: number | undefined): string => (ms === undefined ? NEVER : new Date(ms).toISOString());
