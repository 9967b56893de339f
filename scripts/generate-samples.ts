/**
 * Writes the example CSVs in samples/ (and samples/README.md) deterministically from synthetic
 * hardware hashes — never a real device's. Run: `npx tsx scripts/generate-samples.ts`.
 * tests/unit/intake/samples.test.ts checks that the committed files equal what this produces and
 * that each one parses to the verdicts declared here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateHardwareHash } from '../local/fixtures/hardware-hash-generator';

export type SampleEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'windows-1252';
export type ExpectedStatus = 'valid' | `rejected:${string}` | `duplicate:${'serial' | 'hash'}`;

export interface Sample {
  file: string;
  description: string;
  format: 'intune' | 'partner' | 'legacy-orderid';
  encoding: SampleEncoding;
  /** The verdict each data row must get, in file order (line numbers are 2, 3, … — no blank lines). */
  expected: ExpectedStatus[];
  /** Codes of the warnings each valid row must carry, in file order ([] = none). */
  expectedWarnings?: string[][];
  bytes: Buffer;
}

const MAKERS: Array<[string, string]> = [
  ['Contoso', 'Contoso Laptop 7'],
  ['Fabrikam', 'Fabrikam Book 14'],
  ['Northwind Traders', 'Northwind Desk Mini'],
  ['Adatum', 'Adatum Tablet 11'],
];

function serial(n: number): string {
  return `AIS-SAMPLE-${String(n).padStart(4, '0')}`;
}

/** A structurally valid synthetic hash of plausible size (1–2 KB decoded) for device n. */
function hashFor(n: number, inside: string = serial(n)): string {
  const [manufacturer, model] = MAKERS[n % MAKERS.length] as [string, string];
  return generateHardwareHash({ serialNumber: inside, manufacturer, model, padding: 900 + ((n * 37) % 900), seed: `sample-${n}` });
}

function maker(n: number): [string, string] {
  return MAKERS[n % MAKERS.length] as [string, string];
}

function lines(rows: string[][]): string {
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

function encode(text: string, encoding: SampleEncoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'windows-1252': {
      // The samples only use Latin-1 letters, which Windows-1252 encodes like latin1.
      if ([...text].some((c) => c.charCodeAt(0) > 0xff)) throw new Error('windows-1252 sample holds a character outside Latin-1');
      return Buffer.from(text, 'latin1');
    }
  }
}

const INTUNE = ['Device Serial Number', 'Windows Product ID', 'Hardware Hash'];

export function buildSamples(): Sample[] {
  const samples: Sample[] = [];
  const add = (s: Omit<Sample, 'bytes'>, text: string): void => {
    samples.push({ ...s, bytes: encode(text, s.encoding) });
  };

  const basic = [1, 2, 3, 4, 5];
  add(
    {
      file: 'intune-basic.csv',
      description: 'The Intune portal template with the three required columns, 5 devices (UTF-8, no BOM, CRLF).',
      format: 'intune',
      encoding: 'utf-8',
      expected: basic.map(() => 'valid'),
    },
    lines([INTUNE, ...basic.map((n) => [serial(n), '', hashFor(n)])]),
  );

  const tagged: Array<[number, string, string]> = [
    [101, 'Sales', 'adele.vance@contoso.onmicrosoft.com'],
    [102, 'Sales', ''],
    [103, 'Engineering-EMEA', 'lee.gu@contoso.onmicrosoft.com'],
    [104, '', 'megan.bowen@contoso.onmicrosoft.com'],
  ];
  add(
    {
      file: 'intune-grouptag-user.csv',
      description: 'All five Intune columns: group tag and assigned user, each optional per row; 4 devices.',
      format: 'intune',
      encoding: 'utf-8',
      expected: tagged.map(() => 'valid'),
    },
    lines([[...INTUNE, 'Group Tag', 'Assigned User'], ...tagged.map(([n, tag, upn]) => [serial(n), '', hashFor(n), tag, upn])]),
  );

  const partner = [201, 202, 203];
  add(
    {
      file: 'partner-format.csv',
      description:
        "The partner format (Get-WindowsAutopilotInfo -Partner): 'Manufacturer name' and 'Device model' after the hash, with product key IDs; 3 devices.",
      format: 'partner',
      encoding: 'utf-8',
      expected: partner.map(() => 'valid'),
    },
    lines([
      [...INTUNE, 'Manufacturer name', 'Device model'],
      ...partner.map((n) => [serial(n), `33000000${String(n).padStart(5, '0')}`, hashFor(n), ...maker(n)]),
    ]),
  );

  const legacy: Array<[number, string]> = [
    [301, 'PO-2024-0042'],
    [302, 'PO-2024-0042'],
    [303, ''],
  ];
  add(
    {
      file: 'legacy-orderid.csv',
      description: "The legacy 'OrderID' column (older scripts' name for the group tag), read as the group tag; 3 devices.",
      format: 'legacy-orderid',
      encoding: 'utf-8',
      expected: legacy.map(() => 'valid'),
    },
    lines([[...INTUNE, 'OrderID'], ...legacy.map(([n, order]) => [serial(n), '', hashFor(n), order])]),
  );

  const ps = [401, 402, 403];
  add(
    {
      file: 'utf16le-from-powershell.csv',
      description:
        'What Get-WindowsAutopilotInfo -GroupTag writes under Windows PowerShell 5.1 (Out-File default): UTF-16LE with a BOM, no quotes, CRLF; 3 devices.',
      format: 'intune',
      encoding: 'utf-16le',
      expected: ps.map(() => 'valid'),
    },
    lines([[...INTUNE, 'Group Tag'], ...ps.map((n) => [serial(n), '', hashFor(n), 'Kiosk'])]),
  );

  add(
    {
      file: 'ansi-windows-1252.csv',
      description: "An 'ANSI' file as Notepad saves it on a Western-European Windows (Windows-1252), with accented group tags; 2 devices.",
      format: 'intune',
      encoding: 'windows-1252',
      expected: ['valid', 'valid'],
    },
    lines([
      [...INTUNE, 'Group Tag'],
      [serial(501), '', hashFor(501), 'Zürich'],
      [serial(502), '', hashFor(502), 'Malmö Süd'],
    ]),
  );

  const quoted = [701, 702, 703];
  add(
    {
      file: 'utf8-bom-quoted.csv',
      description:
        "ConvertTo-Csv / Excel 'CSV UTF-8' style: a UTF-8 BOM, every field quoted, header spelled in lower case (accepted with a warning); 3 devices.",
      format: 'intune',
      encoding: 'utf-8-bom',
      expected: quoted.map(() => 'valid'),
    },
    lines([
      ['device serial number', 'windows product id', 'hardware hash', 'group tag'].map((c) => `"${c}"`),
      ...quoted.map((n) => [serial(n), '', hashFor(n), 'Lab'].map((c) => `"${c}"`)),
    ]),
  );

  add(
    {
      file: 'mixed-with-errors.csv',
      description:
        'One good row, a hash that is not base64, a serial that differs from the one inside its hash (flagged, still imported), ' +
        'a repeat of the first device, and a row without a serial: 2 imported, 2 rejected, 1 duplicate.',
      format: 'intune',
      encoding: 'utf-8',
      expected: ['valid', 'rejected:hash-not-base64', 'valid', 'duplicate:hash', 'rejected:missing-serial'],
      expectedWarnings: [[], ['serial-mismatch']],
    },
    lines([
      INTUNE,
      [serial(601), '', hashFor(601)],
      [serial(602), '', 'This is not a hardware hash!'],
      [serial(603), '', hashFor(603, serial(699))],
      [serial(601), '', hashFor(601)],
      ['', '', hashFor(605)],
    ]),
  );

  const many = Array.from({ length: 1000 }, (_, i) => 1001 + i);
  const tags = ['Sales', 'Engineering', 'Kiosk', ''];
  add(
    {
      file: 'devices-1000.csv',
      description: '1,000 devices (AIS-SAMPLE-1001 … 2000) with a rotating group tag, for load and chunking.',
      format: 'intune',
      encoding: 'utf-8',
      expected: many.map(() => 'valid'),
    },
    lines([[...INTUNE, 'Group Tag'], ...many.map((n) => [serial(n), '', hashFor(n), tags[n % tags.length] as string])]),
  );
  return samples;
}

export function buildReadme(samples: Sample[]): string {
  const rows = samples.map((s) => {
    const counts = new Map<string, number>();
    for (const e of s.expected) counts.set(e, (counts.get(e) ?? 0) + 1);
    const outcome = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
    return `| \`${s.file}\` | ${s.format} | ${s.encoding} | ${s.expected.length} | ${outcome} | ${s.description} |`;
  });
  return [
    '# Sample hardware-hash CSVs',
    '',
    'Generated by `npx tsx scripts/generate-samples.ts`; do not edit by hand (a test compares these files with the generator).',
    'Every hardware hash is synthetic (`generateHardwareHash` in `local/fixtures/hardware-hash-generator.ts`, test tooling outside the product bundle): structurally valid, never a real device.',
    'Serials are `AIS-SAMPLE-nnnn`, each file in its own range so files can be dropped together without colliding.',
    '',
    '| File | Format | Encoding | Rows | Expected verdicts | What it shows |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

export function writeSamples(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const samples = buildSamples();
  for (const s of samples) writeFileSync(join(dir, s.file), s.bytes);
  writeFileSync(join(dir, 'README.md'), buildReadme(samples));
  return [...samples.map((s) => s.file), 'README.md'];
}

if (require.main === module) {
  const dir = resolve(__dirname, '..', 'samples');
  for (const f of writeSamples(dir)) console.log(`wrote samples/${f}`);
}
