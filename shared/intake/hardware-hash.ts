/**
 * The Autopilot "hardware hash" is base64 of an OA3 record set, not a hash (see docs/ARCHITECTURE.md
 * and the layout in the hardware-hash reference). Decoding it lets us reject a broken row before
 * Intune answers 802, cross-check the serial, and report manufacturer and model.
 *
 * Layout, little-endian: magic "OA" (2 bytes), total length of the record area counted from offset 0
 * (2 bytes), then records: type (1), reserved (1), record length including this 4-byte header (2),
 * value. String values are UTF-8 and end with a NUL that the length counts.
 */

export const RECORD = {
  serialNumber: 14,
  manufacturer: 16,
  model: 17,
} as const;

export interface DecodedHardwareHash {
  serialNumber: string;
  manufacturer: string;
  model: string | undefined;
  /** Decoded size in bytes. */
  size: number;
  recordTypes: number[];
}

export type HashProblem =
  'empty' | 'not-base64' | 'too-short' | 'bad-magic' | 'bad-total-length' | 'bad-record' | 'missing-serial' | 'missing-manufacturer';

export type HashDecodeResult = { ok: true; value: DecodedHardwareHash } | { ok: false; problem: HashProblem; detail: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEADER = 4;

function fail(problem: HashProblem, detail: string): HashDecodeResult {
  return { ok: false, problem, detail };
}

function readString(value: Buffer): string {
  const nul = value.indexOf(0);
  return (nul >= 0 ? value.subarray(0, nul) : value).toString('utf8').trim();
}

/** Decodes and structurally validates a hardware hash as it appears in a CSV (base64 text). */
export function decodeHardwareHash(base64: string): HashDecodeResult {
  const text = base64.replace(/\s+/g, '');
  if (text.length === 0) return fail('empty', 'the hardware hash is empty');
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    return fail('not-base64', 'the hardware hash is not valid base64 (it must use A-Z, a-z, 0-9, +, / and = padding)');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < HEADER) return fail('too-short', `the hardware hash decodes to ${bytes.length} bytes, too short for a header`);
  if (bytes[0] !== 0x4f || bytes[1] !== 0x41) {
    return fail('bad-magic', 'the hardware hash does not start with the OA3 magic "OA" (base64 "T0")');
  }
  const total = bytes.readUInt16LE(2);
  // Less than the data is normal: captured hashes follow the record area with a checksum block and
  // zero padding to 3000 bytes (tests/fixtures/hardware-hashes/README.md).
  if (total < HEADER || total > bytes.length) {
    return fail('bad-total-length', `the hardware hash declares ${total} bytes but holds ${bytes.length}: it is truncated or corrupt`);
  }
  const strings = new Map<number, string>();
  const recordTypes: number[] = [];
  let offset = HEADER;
  while (offset < total) {
    if (offset + HEADER > total) return fail('bad-record', `a record header at byte ${offset} runs past the declared length`);
    const type = bytes.readUInt8(offset);
    const length = bytes.readUInt16LE(offset + 2);
    if (length < HEADER || offset + length > total) {
      return fail('bad-record', `record type ${type} at byte ${offset} has an invalid length ${length}`);
    }
    recordTypes.push(type);
    if (type === RECORD.serialNumber || type === RECORD.manufacturer || type === RECORD.model) {
      strings.set(type, readString(bytes.subarray(offset + HEADER, offset + length)));
    }
    offset += length;
  }
  const serialNumber = strings.get(RECORD.serialNumber) ?? '';
  const manufacturer = strings.get(RECORD.manufacturer) ?? '';
  if (!serialNumber) return fail('missing-serial', 'the hardware hash holds no SMBIOS serial number');
  if (!manufacturer) return fail('missing-manufacturer', 'the hardware hash holds no SMBIOS system manufacturer');
  const model = strings.get(RECORD.model) || undefined;
  return { ok: true, value: { serialNumber, manufacturer, model, size: bytes.length, recordTypes } };
}
