import { describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { decodeHardwareHash } from '../../shared/intake/hardware-hash';
import { readOa3Identity } from '../../local/graph-emulator/domain/oa3';

// The generator's own test: what it builds is readable by the product and by the emulator. A round
// trip proves nothing about real hashes (tests/unit/hardware-hash.test.ts does that with captured-
// format fixtures); it proves the synthetic data the other suites run on is what they think it is.
describe('synthetic hardware-hash generator', () => {
  const spec = { serialNumber: 'SN-001', manufacturer: 'Contoso', model: 'Laptop 7' };

  it('starts with T0 like a real hash, and both readers find the chosen serial, manufacturer and model', () => {
    const hash = generateHardwareHash(spec);
    expect(hash.startsWith('T0')).toBe(true);
    expect(decodeHardwareHash(hash)).toMatchObject({ ok: true, value: spec });
    expect(readOa3Identity(hash)).toEqual({ ok: true, identity: spec });
  });

  it('is deterministic, varies with the seed and sizes with the padding', () => {
    expect(generateHardwareHash(spec)).toBe(generateHardwareHash(spec));
    expect(generateHardwareHash({ ...spec, seed: 'recaptured' })).not.toBe(generateHardwareHash(spec));
    const size = (padding: number) => Buffer.from(generateHardwareHash({ ...spec, padding }), 'base64').length;
    expect(size(1000) - size(0)).toBe(1000);
  });

  it('builds the empty-serial and empty-manufacturer hashes that both readers refuse', () => {
    expect(decodeHardwareHash(generateHardwareHash({ ...spec, serialNumber: '' }))).toMatchObject({ ok: false, problem: 'missing-serial' });
    expect(readOa3Identity(generateHardwareHash({ ...spec, manufacturer: '' }))).toEqual({ ok: false, rejection: 'no-manufacturer' });
  });
});
