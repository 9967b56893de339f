// The receiver's verification recipe in docs/NOTIFICATIONS.md, run as written against what the app signs.
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADERS, sign } from '../../shared/notify/signature';

type Verify = (secret: string, headers: Record<string, string>, rawBody: string, nowSeconds?: number) => boolean;

function recipe(): Verify {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'NOTIFICATIONS.md'), 'utf8');
  const code = /<!-- recipe:verify -->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/NOTIFICATIONS.md has no recipe:verify block');
  const requireCrypto = (name: string) => {
    if (name !== 'node:crypto') throw new Error(`the recipe requires ${name}`);
    return crypto;
  };
  // The documented snippet, run as a receiver would.
  return new Function('require', `${code}\nreturn verifyAutopilotIntake;`)(requireCrypto) as Verify;
}

describe('the documented signature check (docs/NOTIFICATIONS.md)', () => {
  const verify = recipe();
  const secret = 'f'.repeat(64);
  const body = JSON.stringify({ id: 'intake-0123456789abcdef0123456789abcdef:run.completed', title: 'Ünïcode ✓' });
  const ts = 1_796_000_000;
  const headers = { [HEADERS.timestamp]: String(ts), [HEADERS.signature]: sign(secret, ts, body) };

  it('accepts what the app signs', () => {
    expect(verify(secret, headers, body, ts + 10)).toBe(true);
  });

  it('refuses a changed body, another secret, a stale timestamp and missing headers', () => {
    expect(verify(secret, headers, body.replace('completed', 'completeD'), ts)).toBe(false);
    expect(verify('e'.repeat(64), headers, body, ts)).toBe(false);
    expect(verify(secret, headers, body, ts + 301)).toBe(false);
    expect(verify(secret, { [HEADERS.timestamp]: String(ts) }, body, ts)).toBe(false);
  });
});
