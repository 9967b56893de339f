import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The captured-format hardware-hash fixtures (tests/fixtures/hardware-hashes/, see its README) and
 * what each one holds. The expected values are written here by hand, from the fixture's record
 * table, never from a decoder: the golden tests compare decoders against them.
 */
export interface HashFixture {
  file: string;
  /** The row's `Device Serial Number` column. */
  rowSerial: string;
  /** The base64 `Hardware Hash` column, exactly as in the file. */
  hash: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  /** Every record type of the record area, in file order. */
  recordTypes: number[];
}

const DIR = join(__dirname, '..', 'fixtures', 'hardware-hashes');

/** Captured hashes decode to 3000 bytes: the record area, a checksum block, then zeros. */
export const CAPTURED_HASH_BYTES = 3000;

const EXPECTED: Omit<HashFixture, 'rowSerial' | 'hash'>[] = [
  {
    file: 'qemu-q35-vm.csv',
    serialNumber: 'FXQ35VM0001',
    manufacturer: 'QEMU',
    model: 'Standard PC (Q35 + ICH9, 2009)',
    recordTypes: [1, 2, 5, 3, 4, 6, 7, 8, 9, 27, 10, 13, 25, 11, 12, 14, 15, 16, 17, 18, 19, 23, 28, 29, 30],
  },
  {
    file: 'fabrikam-laptop.csv',
    serialNumber: 'FXFBK14G3A7',
    manufacturer: 'Fabrikam',
    model: 'Fabrikam Laptop 14 G3',
    recordTypes: [
      1, 2, 34, 5, 3, 4, 6, 7, 8, 8, 8, 9, 27, 10, 13, 25, 11, 12, 14, 15, 16, 17, 18, 19, 23, 20, 21, 22, 24, 26, 28, 29, 29, 30, 30, 35,
      37,
    ],
  },
  {
    file: 'hyperv-gen2-vm.csv',
    serialNumber: '0000-0017-4211-9034-6021-8825-54',
    manufacturer: 'Microsoft Corporation',
    model: 'Virtual Machine',
    recordTypes: [1, 2, 5, 3, 4, 6, 7, 8, 9, 27, 10, 13, 25, 11, 12, 14, 15, 16, 17, 18, 19, 23, 28, 29, 30],
  },
];

/** One data row under the Get-WindowsAutopilotInfo header: serial, product id, hash. */
function readRow(file: string): { rowSerial: string; hash: string } {
  const [header, row] = readFileSync(join(DIR, file), 'utf8').split('\r\n');
  if (header !== 'Device Serial Number,Windows Product ID,Hardware Hash' || !row) throw new Error(`${file}: not a one-row Autopilot CSV`);
  const [rowSerial = '', , hash = ''] = row.split(',');
  return { rowSerial, hash };
}

export const HASH_FIXTURES: HashFixture[] = EXPECTED.map((e) => ({ ...e, ...readRow(e.file) }));

/** The fixture's decoded bytes, for tests that damage a copy. */
export const fixtureBytes = (f: HashFixture): Buffer => Buffer.from(f.hash, 'base64');
