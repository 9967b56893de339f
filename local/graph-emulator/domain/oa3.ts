/**
 * The emulator's own reading of the OA3 "hardware hash", standing in for what Autopilot's device
 * directory service (DDS) reads out of `hardwareIdentifier`. It deliberately imports nothing from
 * the product (shared/): if the product misread the layout, an emulator that reused the product's
 * decoder would agree with it, and every suite would stay green while the real service answered
 * 802.
 *
 * Source: the team reference hardware-hash.md (reference folder beside the repository) ("Layout", "Record types"), which cites Michael
 * Niehaus's AutopilotUtility (`ConvertFrom-AutopilotHash`), the public decoder
 * MrWyss/DecodeAutopilotHash (utils/autopilotutility.py) and oofhours.com, "Breaking down the
 * Windows Autopilot hardware hash" (2022-06-03). In short, all integers little-endian:
 *   offset 0, 2 bytes: the magic bytes 'O' 'A';
 *   offset 2, 2 bytes: length of the record area, counted from offset 0;
 *   then records: type (1 byte), reserved (1 byte), length including this 4-byte header (2 bytes),
 *   value. Strings are UTF-8 and end with a NUL that the length counts.
 * Captured hashes carry more bytes after the record area (a checksum block and zero padding up to
 * 3000 bytes, see tests/fixtures/hardware-hashes/README.md), so the record area may end before the
 * data does.
 */

/** SMBIOS record types that DDS turns into the identity's fields. */
const SERIAL_NUMBER = 14;
const SYSTEM_MANUFACTURER = 16;
const PRODUCT_NAME = 17;
const IDENTITY_TYPES: ReadonlySet<number> = new Set([SERIAL_NUMBER, SYSTEM_MANUFACTURER, PRODUCT_NAME]);

const HEADER_BYTES = 4;
const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;

export interface Oa3Identity {
  serialNumber: string;
  manufacturer: string;
  /** Empty when the hash has no product-name record; the service then reports an empty model. */
  model: string;
}

/** Why the service would answer 802 InvalidZtdHardwareHash; for diagnostics only. */
export type Oa3Rejection = 'not-base64' | 'no-oa-magic' | 'bad-length' | 'bad-record' | 'no-serial' | 'no-manufacturer';

export type Oa3Reading = { ok: true; identity: Oa3Identity } | { ok: false; rejection: Oa3Rejection };

const reject = (rejection: Oa3Rejection): Oa3Reading => ({ ok: false, rejection });

/** A string record's value: up to its NUL, trimmed (SMBIOS strings are often space-padded). */
function stringValue(value: Buffer): string {
  const end = value.indexOf(0);
  return value
    .subarray(0, end === -1 ? value.length : end)
    .toString('utf8')
    .trim();
}

/** Reads serial, manufacturer and model the way DDS does, or says why DDS would reject the hash. */
export function readOa3Identity(hardwareIdentifier: string): Oa3Reading {
  const text = hardwareIdentifier.replace(/\s+/g, '');
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64_TEXT.test(text)) return reject('not-base64');
  const data = Buffer.from(text, 'base64');
  if (data.length < HEADER_BYTES || data[0] !== 0x4f || data[1] !== 0x41) return reject('no-oa-magic');
  const areaEnd = data.readUInt16LE(2);
  if (areaEnd < HEADER_BYTES || areaEnd > data.length) return reject('bad-length');

  const strings = new Map<number, string>();
  for (let at = HEADER_BYTES; at < areaEnd;) {
    if (at + HEADER_BYTES > areaEnd) return reject('bad-record');
    const type = data[at]!;
    const length = data.readUInt16LE(at + 2);
    if (length < HEADER_BYTES || at + length > areaEnd) return reject('bad-record');
    // The first record of a type wins; real hashes repeat only other types (network, GPU).
    if (IDENTITY_TYPES.has(type) && !strings.has(type)) strings.set(type, stringValue(data.subarray(at + HEADER_BYTES, at + length)));
    at += length;
  }

  const serialNumber = strings.get(SERIAL_NUMBER) ?? '';
  const manufacturer = strings.get(SYSTEM_MANUFACTURER) ?? '';
  if (!serialNumber) return reject('no-serial');
  if (!manufacturer) return reject('no-manufacturer');
  return { ok: true, identity: { serialNumber, manufacturer, model: strings.get(PRODUCT_NAME) ?? '' } };
}
