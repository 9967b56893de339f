/**
 * One data row's fields → a verdict (before duplicate detection). The first failing check decides the
 * code; messages name the line, the problem and the fix, and never echo the hash or the UPN.
 */
import { decodeHardwareHash, type HashProblem } from './hardware-hash';
import type { Header } from './header';
import { CANONICAL } from './header';
import { groupTagProblem, isWellFormedUpn } from './rules';
import type { RejectedRow, RowRejectionCode, RowWarning, ValidRow } from './types';

export const SERIAL_MAX = 256;

const HASH_CODES: Record<HashProblem, RowRejectionCode> = {
  empty: 'missing-hash',
  'not-base64': 'hash-not-base64',
  'too-short': 'hash-truncated',
  'bad-magic': 'hash-bad-magic',
  'bad-total-length': 'hash-truncated',
  'bad-record': 'hash-bad-record',
  'missing-serial': 'hash-missing-serial',
  'missing-manufacturer': 'hash-missing-manufacturer',
};

const HASH_FIX =
  'Collect the hash again on the device (Get-WindowsAutopilotInfo, or the Diagnostics page hash export) and copy the whole value.';

const BASE64_CHARS = /^[A-Za-z0-9+/]+$/;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/;

/**
 * Serials are shown in messages, but bounded — a hostile row could hold anything there — and never
 * when they hold an `@`: that is a user name in the wrong column, and user names stay out of messages.
 */
export function showSerial(serial: string): string {
  if (serial.includes('@')) return '<a value with @, probably a user name in the wrong column>';
  return serial.length > 64 ? `${serial.slice(0, 64)}…` : serial;
}

function reject(line: number, code: RowRejectionCode, message: string, serialNumber?: string): RejectedRow {
  return serialNumber ? { status: 'rejected', line, code, message, serialNumber } : { status: 'rejected', line, code, message };
}

function same(a: string, b: string): boolean {
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

export function validateRow(line: number, rawFields: string[], header: Header): ValidRow | RejectedRow {
  const { index } = header;
  const get = (i: number | undefined): string => (i === undefined ? '' : (rawFields[i] ?? '').trim());
  const serial = get(index.serial);
  const knownSerial = serial && serial.length <= SERIAL_MAX && !CONTROL.test(serial) ? serial : undefined;

  const needed = Math.max(index.serial ?? 0, index.hash ?? 0) + 1;
  const extra = rawFields.slice(header.columns.length).some((f) => f.trim() !== '');
  if (rawFields.length < needed || extra) {
    const why = extra
      ? 'more filled fields than the header has columns — an unquoted comma inside a value shifts every column after it'
      : `only ${rawFields.length} field(s) where the header puts '${CANONICAL.hash}' in column ${(index.hash ?? 0) + 1} — the row is cut short`;
    return reject(
      line,
      'wrong-column-count',
      `Line ${line} has ${why}. Fix the row so its fields line up with the header (${header.columns.length} columns).`,
      knownSerial,
    );
  }
  if (rawFields.some((f) => CONTROL.test(f.trim()))) {
    return reject(
      line,
      'control-characters',
      `Line ${line} contains NUL or other control characters, which no field may hold; the file may be damaged or binary. Re-export the row as plain text.`,
      knownSerial,
    );
  }
  if (!serial) {
    return reject(
      line,
      'missing-serial',
      `Line ${line} has no '${CANONICAL.serial}'. Fill in the device's serial number (the SMBIOS serial, as printed on the device).`,
    );
  }
  if (serial.length > SERIAL_MAX) {
    return reject(
      line,
      'bad-serial',
      `Line ${line} has a serial number of ${serial.length} characters; a serial is at most ${SERIAL_MAX}. Check that the columns are not shifted.`,
    );
  }

  const hashText = get(index.hash).replace(/\s+/g, '');
  // Base64 comes in groups of 4 characters; clean base64 that stops mid-group was cut off (a
  // truncated file or a copy that lost its end), which deserves a better word than "not base64".
  if (hashText.length % 4 !== 0 && BASE64_CHARS.test(hashText)) {
    return reject(
      line,
      'hash-truncated',
      `Line ${line} (serial ${showSerial(serial)}): the hardware hash stops after ${hashText.length} characters, in the middle of a base64 group: it was cut off. ${HASH_FIX}`,
      serial,
    );
  }
  const decoded = decodeHardwareHash(hashText);
  if (!decoded.ok) {
    const code = HASH_CODES[decoded.problem];
    const message =
      code === 'missing-hash'
        ? `Line ${line} (serial ${showSerial(serial)}) has no '${CANONICAL.hash}'. ${HASH_FIX}`
        : `Line ${line} (serial ${showSerial(serial)}): ${decoded.detail}. ${HASH_FIX}`;
    return reject(line, code, message, serial);
  }
  const hash = decoded.value;

  const tagColumn = get(index.groupTag);
  const orderId = get(index.orderId);
  const groupTag = tagColumn || orderId;
  if (groupTag) {
    const problem = groupTagProblem(groupTag);
    if (problem) {
      const column = tagColumn ? CANONICAL.groupTag : CANONICAL.orderId;
      return reject(
        line,
        'bad-group-tag',
        `Line ${line} (serial ${showSerial(serial)}): ${problem} (column '${column}'). Correct the tag or leave it empty.`,
        serial,
      );
    }
  }
  const assignedUser = get(index.assignedUser);
  if (assignedUser && !isWellFormedUpn(assignedUser)) {
    return reject(
      line,
      'bad-upn',
      `Line ${line} (serial ${showSerial(serial)}): the '${CANONICAL.assignedUser}' is not a user principal name of the form name@domain.tld. Correct it or leave it empty.`,
      serial,
    );
  }

  const warnings: RowWarning[] = [];
  if (!same(serial, hash.serialNumber)) {
    warnings.push({
      code: 'serial-mismatch',
      message:
        `Line ${line}: the row's serial ${showSerial(serial)} differs from the serial inside its hardware hash (${showSerial(hash.serialNumber)}). ` +
        'The hash is what Autopilot registers, so that device is imported; check that the row and the hash were not mixed up.',
    });
  }
  if (tagColumn && orderId && tagColumn !== orderId) {
    warnings.push({
      code: 'group-tag-conflict',
      message: `Line ${line}: '${CANONICAL.groupTag}' and '${CANONICAL.orderId}' differ; the group tag '${tagColumn}' was used.`,
    });
  }
  const rowManufacturer = get(index.manufacturer) || undefined;
  const rowModel = get(index.model) || undefined;
  if (rowManufacturer && !same(rowManufacturer, hash.manufacturer)) {
    warnings.push({
      code: 'manufacturer-mismatch',
      message: `Line ${line}: the row's manufacturer '${rowManufacturer}' differs from the hash's '${hash.manufacturer}'; the hash's value is what Intune shows.`,
    });
  }
  if (rowModel && hash.model !== undefined && !same(rowModel, hash.model)) {
    warnings.push({
      code: 'model-mismatch',
      message: `Line ${line}: the row's model '${rowModel}' differs from the hash's '${hash.model}'; the hash's value is what Intune shows.`,
    });
  }
  if (rawFields.some((f) => f.includes('\uFFFD'))) {
    warnings.push({
      code: 'invalid-encoding',
      message: `Line ${line} holds bytes that are not valid in the file's encoding (shown as \uFFFD); save the file as UTF-8.`,
    });
  }

  const productKey = get(index.productId);
  const row: ValidRow = {
    status: 'valid',
    line,
    serialNumber: serial,
    hardwareHash: hashText,
    manufacturer: hash.manufacturer,
    hashSerialNumber: hash.serialNumber,
    warnings,
  };
  if (productKey) row.productKey = productKey;
  if (groupTag) row.groupTag = groupTag;
  if (assignedUser) row.assignedUser = assignedUser;
  if (hash.model !== undefined) row.model = hash.model;
  if (rowManufacturer) row.rowManufacturer = rowManufacturer;
  if (rowModel) row.rowModel = rowModel;
  return row;
}
