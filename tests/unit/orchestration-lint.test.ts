import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// The determinism fence is a lint rule; this proves it bites on code placed in orchestrations/.
describe('orchestration determinism lint fence', () => {
  const eslint = new ESLint();
  const lint = async (code: string) =>
    (await eslint.lintText(code, { filePath: 'orchestrations/example.ts' }))[0]!.messages.map((m) => m.message);

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

  it('rejects an import of a run step (the orchestration calls it as an activity)', async () => {
    expect(
      (await lint("import { runImportStep } from '../shared/run/import/step'; void runImportStep;")).some((m) =>
        /call an activity/.test(m),
      ),
    ).toBe(true);
  });

  it('accepts the real orchestration', async () => {
    const results = await eslint.lintFiles(['orchestrations/intake.ts']);
    expect(results[0]!.errorCount).toBe(0);
  });
});

describe('product fence and file sizes', () => {
  const eslint = new ESLint();
  const messages = async (code: string, filePath: string) => (await eslint.lintText(code, { filePath }))[0]!.messages.map((m) => m.message);

  it.each(['functions/x.ts', 'shared/run/x.ts', 'orchestrations/x.ts'])(
    '%s may not import the local stack, tests or bench',
    async (file) => {
      for (const spec of ['../local/stack', '../../tests/support/fake-graph', '../bench/support/run']) {
        expect(
          (await messages(`import { x } from '${spec}'; void x;`, file)).some((m) => /may not import tooling/.test(m)),
          `${file} → ${spec}`,
        ).toBe(true);
      }
    },
  );

  it('keeps a run step and an orchestration small', async () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n');
    expect((await messages(body(201), 'shared/run/big.ts')).some((m) => /Maximum allowed is 200/.test(m))).toBe(true);
    expect((await messages(body(81), 'orchestrations/big.ts')).some((m) => /Maximum allowed is 80/.test(m))).toBe(true);
    expect(await messages(body(150), 'shared/run/fine.ts')).toEqual([]);
  });
});
