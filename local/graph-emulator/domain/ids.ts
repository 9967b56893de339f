import { randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** 16 decimal digits derived from a string, for the `[HWID]:h:` physical id (FNV-1a, 64-bit). */
export function digitsOf(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h % 10_000_000_000_000_000n).toString().padStart(16, '0');
}
