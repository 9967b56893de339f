import { describe, expect, it } from 'vitest';
import { readOa3Identity } from '../../local/graph-emulator/domain/oa3';
import { HASH_FIXTURES, fixtureBytes } from '../support/hardware-hash-fixtures';
import { QEMU_LAYOUT, damaged } from '../support/hardware-hash-damage';

// The emulator's own OA3 reading (what decides 802 and the registered identity) against the
// captured-format fixtures, independently of the product's decoder and of the team's generator.
describe("the emulator's OA3 reader", () => {
  it.each(HASH_FIXTURES)('$file: the identity DDS would register', (f) => {
    expect(readOa3Identity(f.hash)).toEqual({
      ok: true,
      identity: { serialNumber: f.serialNumber, manufacturer: f.manufacturer, model: f.model },
    });
  });

  it('gives an empty model when the hash has no product-name record', () => {
    expect(readOa3Identity(damaged((b) => b.writeUInt8(0xee, QEMU_LAYOUT.modelRecord)))).toEqual({
      ok: true,
      identity: { serialNumber: 'FXQ35VM0001', manufacturer: 'QEMU', model: '' },
    });
  });

  it('rejects what the service answers 802 for: not a hash, truncated, broken records, no serial or manufacturer', () => {
    const rejection = (hash: string) => {
      const reading = readOa3Identity(hash);
      return reading.ok ? 'accepted' : reading.rejection;
    };
    expect(rejection('')).toBe('not-base64');
    expect(rejection(Buffer.from('not an OA3 record set').toString('base64'))).toBe('no-oa-magic');
    expect(
      rejection(
        fixtureBytes(HASH_FIXTURES[0]!)
          .subarray(0, QEMU_LAYOUT.areaEnd - 20)
          .toString('base64'),
      ),
    ).toBe('bad-length');
    expect(rejection(damaged((b) => b.writeUInt16LE(0xfff0, QEMU_LAYOUT.firstRecord + 2)))).toBe('bad-record');
    expect(rejection(damaged((b) => b.writeUInt16LE(2, QEMU_LAYOUT.firstRecord + 2)))).toBe('bad-record');
    expect(rejection(damaged((b) => b.writeUInt8(0xee, QEMU_LAYOUT.serialRecord)))).toBe('no-serial');
    expect(rejection(damaged((b) => b.fill(0, QEMU_LAYOUT.serialRecord + 4, QEMU_LAYOUT.serialRecord + 5)))).toBe('no-serial');
    expect(rejection(damaged((b) => b.writeUInt8(0xee, QEMU_LAYOUT.manufacturerRecord)))).toBe('no-manufacturer');
  });
});
