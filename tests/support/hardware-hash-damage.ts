import { HASH_FIXTURES, fixtureBytes } from './hardware-hash-fixtures';

/**
 * Where things are in qemu-q35-vm.csv (its record table in tests/fixtures/hardware-hashes/README.md),
 * so tests can damage one field of a captured-format hash without a generator or a decoder finding
 * it for them. tests/unit/hardware-hash-fixtures.test.ts checks these offsets against the bytes.
 */
export const QEMU_LAYOUT = {
  /** The record area ends here (the little-endian u16 at offset 2). */
  areaEnd: 924,
  firstRecord: 4,
  /** Record type 14, SMBIOS serial number "FXQ35VM0001". */
  serialRecord: 655,
  /** Record type 16, SMBIOS system manufacturer "QEMU". */
  manufacturerRecord: 705,
  /** Record type 17, SMBIOS product name "Standard PC (Q35 + ICH9, 2009)". */
  modelRecord: 714,
} as const;

const qemu = HASH_FIXTURES.find((f) => f.file === 'qemu-q35-vm.csv')!;

/** The QEMU fixture as base64 after `change` has damaged a copy of its bytes. */
export function damaged(change: (bytes: Buffer) => void): string {
  const bytes = fixtureBytes(qemu);
  change(bytes);
  return bytes.toString('base64');
}
