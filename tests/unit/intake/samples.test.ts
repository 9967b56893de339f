import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReadme, buildSamples } from '../../../scripts/generate-samples';
import { expectWellFormedStream, parse } from './helpers';

const SAMPLES = resolve(__dirname, '..', '..', '..', 'samples');
const samples = buildSamples();

describe('samples/', () => {
  it('holds exactly what scripts/generate-samples.ts generates (run it after changing the generator)', () => {
    for (const s of samples) expect(readFileSync(resolve(SAMPLES, s.file)).equals(s.bytes), s.file).toBe(true);
    expect(readFileSync(resolve(SAMPLES, 'README.md'), 'utf8')).toBe(buildReadme(samples));
  });

  it("covers every format and encoding the intake supports, and the issue's mixed file", () => {
    expect(new Set(samples.map((s) => s.format))).toEqual(new Set(['intune', 'partner', 'legacy-orderid']));
    expect(new Set(samples.map((s) => s.encoding))).toEqual(new Set(['utf-8', 'utf-8-bom', 'utf-16le', 'windows-1252']));
    const mixed = samples.find((s) => s.file === 'mixed-with-errors.csv')!;
    expect(mixed.expected).toEqual(['valid', 'rejected:hash-not-base64', 'valid', 'duplicate:hash', 'rejected:missing-serial']);
  });

  for (const s of samples) {
    // Small chunks for the small files so BOMs, UTF-16 code units and CRLFs get split across reads.
    const chunkSize = s.bytes.length < 20_000 ? 7 : 4096;
    it(`${s.file} parses as ${s.format} / ${s.encoding} with the declared verdict for every row`, async () => {
      const p = await parse(readFileSync(resolve(SAMPLES, s.file)), { chunkSize });
      expectWellFormedStream(p);
      expect(p.header).toMatchObject({ format: s.format, encoding: s.encoding });
      const got = p.rows.map((r) =>
        r.status === 'valid' ? 'valid' : r.status === 'rejected' ? `rejected:${r.code}` : `duplicate:${r.key}`,
      );
      expect(got).toEqual(s.expected);
      expect(p.rows.map((r) => r.line)).toEqual(s.expected.map((_, i) => i + 2));
      const valid = p.rows.filter((r) => r.status === 'valid');
      for (const r of valid) {
        expect(r.serialNumber).toMatch(/^AIS-SAMPLE-\d{4}$/);
        expect(r.hardwareHash.startsWith('T0')).toBe(true);
        expect(r.manufacturer).not.toBe('');
      }
      if (s.expectedWarnings) expect(valid.map((r) => r.warnings.map((w) => w.code))).toEqual(s.expectedWarnings);
      else for (const r of valid) expect(r.warnings).toEqual([]);
    });
  }

  it('decodes the text values of the non-UTF-8 samples correctly', async () => {
    const ansi = await parse(readFileSync(resolve(SAMPLES, 'ansi-windows-1252.csv')));
    expect(ansi.rows.map((r) => (r.status === 'valid' ? r.groupTag : r.status))).toEqual(['Zürich', 'Malmö Süd']);
    const ps = await parse(readFileSync(resolve(SAMPLES, 'utf16le-from-powershell.csv')), { chunkSize: 3 });
    expect(ps.rows.map((r) => (r.status === 'valid' ? `${r.serialNumber}/${r.groupTag}` : r.status))).toEqual([
      'AIS-SAMPLE-0401/Kiosk',
      'AIS-SAMPLE-0402/Kiosk',
      'AIS-SAMPLE-0403/Kiosk',
    ]);
    const partner = await parse(readFileSync(resolve(SAMPLES, 'partner-format.csv')));
    const first = partner.rows[0]!;
    expect(first).toMatchObject({
      status: 'valid',
      rowManufacturer: 'Fabrikam',
      rowModel: 'Fabrikam Book 14',
      manufacturer: 'Fabrikam',
      model: 'Fabrikam Book 14',
      productKey: '3300000000201',
    });
    const legacy = await parse(readFileSync(resolve(SAMPLES, 'legacy-orderid.csv')));
    expect(legacy.rows.map((r) => (r.status === 'valid' ? (r.groupTag ?? null) : r.status))).toEqual([
      'PO-2024-0042',
      'PO-2024-0042',
      null,
    ]);
    const quoted = await parse(readFileSync(resolve(SAMPLES, 'utf8-bom-quoted.csv')));
    expect(quoted.header!.warnings.join('\n')).toContain("Column 'device serial number' was read as 'Device Serial Number'");
  });
});
