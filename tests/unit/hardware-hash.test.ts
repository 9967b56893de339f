import { describe, expect, it } from 'vitest';
import { decodeHardwareHash } from '../../shared/intake/hardware-hash';
import { CAPTURED_HASH_BYTES, HASH_FIXTURES, fixtureBytes } from '../support/hardware-hash-fixtures';
import { QEMU_LAYOUT, damaged } from '../support/hardware-hash-damage';

// Golden tests of the product's decoder against hashes in the captured format
// (tests/fixtures/hardware-hashes/README.md), not against the team's own generator: a wrong record
// type number, a record length read without its header, or a record area read to the end of the
// data instead of to its declared length each make one of these fail.
describe('hardware hash decoder on captured-format fixtures', () => {
  it.each(HASH_FIXTURES)('$file: serial, manufacturer and model, every record walked', (f) => {
    expect(decodeHardwareHash(f.hash)).toEqual({
      ok: true,
      value: {
        serialNumber: f.serialNumber,
        manufacturer: f.manufacturer,
        model: f.model,
        size: CAPTURED_HASH_BYTES,
        recordTypes: f.recordTypes,
      },
    });
  });

  it('reads the same hash with the line breaks and spaces a copy-paste leaves in it', () => {
    const f = HASH_FIXTURES[0]!;
    const wrapped = f.hash.replace(/(.{76})/g, '$1\r\n ');
    expect(decodeHardwareHash(wrapped)).toMatchObject({ ok: true, value: { serialNumber: f.serialNumber } });
  });
});

describe('hardware hash decoder rejections', () => {
  it('names text that is not a hash', () => {
    expect(decodeHardwareHash('')).toMatchObject({ ok: false, problem: 'empty' });
    expect(decodeHardwareHash('not base64!')).toMatchObject({ ok: false, problem: 'not-base64' });
    expect(decodeHardwareHash('T0E=')).toMatchObject({ ok: false, problem: 'too-short' });
    expect(decodeHardwareHash(damaged((b) => b.write('XX', 0, 'latin1')))).toMatchObject({ ok: false, problem: 'bad-magic' });
  });

  it('rejects a hash cut inside its record area (a truncated copy-paste)', () => {
    const cut = fixtureBytes(HASH_FIXTURES[0]!).subarray(0, QEMU_LAYOUT.areaEnd - 20);
    expect(decodeHardwareHash(cut.toString('base64'))).toMatchObject({ ok: false, problem: 'bad-total-length' });
  });

  it('rejects records that run past the record area or are shorter than their header', () => {
    expect(decodeHardwareHash(damaged((b) => b.writeUInt16LE(0xfff0, QEMU_LAYOUT.firstRecord + 2)))).toMatchObject({
      ok: false,
      problem: 'bad-record',
    });
    expect(decodeHardwareHash(damaged((b) => b.writeUInt16LE(2, QEMU_LAYOUT.firstRecord + 2)))).toMatchObject({
      ok: false,
      problem: 'bad-record',
    });
    expect(decodeHardwareHash(damaged((b) => b.writeUInt16LE(QEMU_LAYOUT.areaEnd - 1, 2)))).toMatchObject({
      ok: false,
      problem: 'bad-record',
    });
  });

  it('rejects a hash without a serial or a manufacturer record, as the service does (802)', () => {
    expect(decodeHardwareHash(damaged((b) => b.writeUInt8(0xee, QEMU_LAYOUT.serialRecord)))).toMatchObject({
      ok: false,
      problem: 'missing-serial',
    });
    expect(decodeHardwareHash(damaged((b) => b.writeUInt8(0xee, QEMU_LAYOUT.manufacturerRecord)))).toMatchObject({
      ok: false,
      problem: 'missing-manufacturer',
    });
  });

  it('rejects a serial record whose string is empty', () => {
    expect(decodeHardwareHash(damaged((b) => b.fill(0, QEMU_LAYOUT.serialRecord + 4, QEMU_LAYOUT.serialRecord + 5)))).toMatchObject({
      ok: false,
      problem: 'missing-serial',
    });
  });
});
