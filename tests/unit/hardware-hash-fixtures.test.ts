import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CAPTURED_HASH_BYTES, HASH_FIXTURES, fixtureBytes } from '../support/hardware-hash-fixtures';
import { QEMU_LAYOUT } from '../support/hardware-hash-damage';

// Checks the fixtures themselves, reading bytes directly (no decoder): they are whole, in the
// captured format, and the offsets other tests damage point where they claim to.
describe('captured-format hardware-hash fixtures', () => {
  it.each(HASH_FIXTURES)('$file: 3000 bytes, "OA" record area, then a "CS" block with the SHA-256 of that area, then zeros', (f) => {
    const bytes = fixtureBytes(f);
    expect(f.hash).toHaveLength(4000);
    expect(bytes).toHaveLength(CAPTURED_HASH_BYTES);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('OA');
    const areaEnd = bytes.readUInt16LE(2);
    // The checksum block is what shows the declared length counts from offset 0, header included.
    expect(bytes.subarray(areaEnd, areaEnd + 2).toString('latin1')).toBe('CS');
    expect(bytes.readUInt16LE(areaEnd + 2)).toBe(36);
    expect(bytes.subarray(areaEnd + 4, areaEnd + 36)).toEqual(createHash('sha256').update(bytes.subarray(0, areaEnd)).digest());
    expect(bytes.subarray(areaEnd + 36).every((b) => b === 0)).toBe(true);
  });

  it('rows carry the serial that is inside their hash', () => {
    for (const f of HASH_FIXTURES) expect(f.rowSerial, f.file).toBe(f.serialNumber);
  });

  it('the QEMU fixture has its records where the damage tests write', () => {
    const bytes = fixtureBytes(HASH_FIXTURES.find((f) => f.file === 'qemu-q35-vm.csv')!);
    expect(bytes.readUInt16LE(2)).toBe(QEMU_LAYOUT.areaEnd);
    expect(bytes[QEMU_LAYOUT.firstRecord]).toBe(1);
    expect(bytes[QEMU_LAYOUT.serialRecord]).toBe(14);
    expect(bytes.subarray(QEMU_LAYOUT.serialRecord + 4, QEMU_LAYOUT.serialRecord + 16).toString('latin1')).toBe('FXQ35VM0001\0');
    expect(bytes[QEMU_LAYOUT.manufacturerRecord]).toBe(16);
    expect(bytes.subarray(QEMU_LAYOUT.manufacturerRecord + 4, QEMU_LAYOUT.manufacturerRecord + 9).toString('latin1')).toBe('QEMU\0');
    expect(bytes[QEMU_LAYOUT.modelRecord]).toBe(17);
  });
});
