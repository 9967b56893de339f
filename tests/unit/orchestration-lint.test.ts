import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// The determinism fence is a lint rule; this proves it bites on code placed in orchestrations/.
describe('orchestration determinism lint fence', () => {
  const eslint = new ESLint();
  const lint = async (code: string) => (await eslint.lintText(code, { filePath: 'orchestrations/example.ts' }))[0]!.messages.map((m) => m.message);

  it.each([
    ['const t = Date.now();', /currentUtcDateTime/],
    ['const t = new Date();', /currentUtcDateTime/],
    ['const r = Math.random();', /deterministic/],
    ['const v = process.env.X;', /environment/],
    ["import { readFileSync } from 'node:fs'; readFileSync('x');", /I\/O/],
    ["import { BlobServiceClient } from '@azure/storage-blob'; void BlobServiceClient;", /I\/O/],
  ])('rejects %s', async (code, message) => {
    expect((await lint(code)).some((m) => message.test(m))).toBe(true);
  });

  it('accepts the real orchestration', async () => {
    const results = await eslint.lintFiles(['orchestrations/intake.ts']);
    expect(results[0]!.errorCount).toBe(0);
  });
});
