import { describe, expect, it } from 'vitest';
import { decodeHardwareHash } from '../../shared/hardware-hash';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';

describe('hardware hash', () => {
  it('round-trips a synthetic hash and starts with T0 like a real one', () => {
    const hash = generateHardwareHash({ serialNumber: 'SN-001', manufacturer: 'Contoso', model: 'Laptop 7' });
    expect(hash.startsWith('T0')).toBe(true);
    const decoded = decodeHardwareHash(hash);
    expect(decoded).toMatchObject({ ok: true, value: { serialNumber: 'SN-001', manufacturer: 'Contoso', model: 'Laptop 7' } });
  });

  it('rejects non-base64, bad magic, truncation and missing serial with specific problems', () => {
    expect(decodeHardwareHash('not base64!')).toMatchObject({ ok: false, problem: 'not-base64' });
    expect(decodeHardwareHash(Buffer.from('XXXXXXXX').toString('base64'))).toMatchObject({ ok: false, problem: 'bad-magic' });
    const good = Buffer.from(generateHardwareHash({ serialNumber: 'A', manufacturer: 'B', model: 'C' }), 'base64');
    expect(decodeHardwareHash(good.subarray(0, good.length - 10).toString('base64'))).toMatchObject({
      ok: false,
      problem: 'bad-total-length',
    });
    const noSerial = generateHardwareHash({ serialNumber: '', manufacturer: 'B', model: 'C' });
    expect(decodeHardwareHash(noSerial)).toMatchObject({ ok: false, problem: 'missing-serial' });
    const noMaker = generateHardwareHash({ serialNumber: 'S', manufacturer: '', model: 'C' });
    expect(decodeHardwareHash(noMaker)).toMatchObject({ ok: false, problem: 'missing-manufacturer' });
  });

  it('rejects a record whose length runs past the end', () => {
    const bytes = Buffer.from(generateHardwareHash({ serialNumber: 'A', manufacturer: 'B', model: 'C' }), 'base64');
    bytes.writeUInt16LE(0xfff0, 6); // first record's length
    expect(decodeHardwareHash(bytes.toString('base64'))).toMatchObject({ ok: false, problem: 'bad-record' });
  });
});
