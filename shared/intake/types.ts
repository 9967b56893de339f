/**
 * What the CSV intake tells its consumer. A run of `readIntakeCsv` yields, in order:
 *   - either one `rejected-file` event and nothing else that counts (see below),
 *   - or one `header` event, then one `row` event per data row, then one `end` event.
 * A `rejected-file` may also arrive after rows (the row limit was exceeded): the whole file is then
 * rejected and any rows already received must be discarded. No `end` follows a `rejected-file`.
 */

export type IntakeFormat = 'intune' | 'partner' | 'legacy-orderid';

export type IntakeEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type RowRejectionCode =
  | 'missing-serial'
  | 'bad-serial'
  | 'missing-hash'
  | 'hash-not-base64'
  | 'hash-bad-magic'
  | 'hash-truncated'
  | 'hash-bad-record'
  | 'hash-missing-serial'
  | 'hash-missing-manufacturer'
  | 'bad-group-tag'
  | 'bad-upn'
  | 'wrong-column-count'
  | 'malformed-quotes'
  | 'control-characters'
  | 'line-too-long';

export type RowWarningCode =
  /** The SMBIOS serial inside the hash differs from the row's serial (trimmed, case-insensitive). */
  | 'serial-mismatch'
  /** Partner format: the row's manufacturer or model differs from the one inside the hash. */
  | 'manufacturer-mismatch'
  | 'model-mismatch'
  /** Both `Group Tag` and `OrderID` were filled and differ; `Group Tag` was used. */
  | 'group-tag-conflict'
  /** The row held bytes that were not valid in the detected encoding (shown as U+FFFD). */
  | 'invalid-encoding';

export interface RowWarning {
  code: RowWarningCode;
  /** Human-readable; never contains the hardware hash or the UPN. */
  message: string;
}

export interface ValidRow {
  status: 'valid';
  /** 1-based physical line number in the file. */
  line: number;
  serialNumber: string;
  /** Base64 with all whitespace removed, exactly as it goes to Graph's `hardwareIdentifier`. */
  hardwareHash: string;
  productKey?: string;
  groupTag?: string;
  assignedUser?: string;
  /** SMBIOS values decoded from the hash. */
  manufacturer: string;
  model?: string;
  hashSerialNumber: string;
  /** Partner format only: the row's own `Manufacturer name` and `Device model`. */
  rowManufacturer?: string;
  rowModel?: string;
  /** Flags for the report; a valid row with warnings is still imported. */
  warnings: RowWarning[];
}

export interface RejectedRow {
  status: 'rejected';
  line: number;
  code: RowRejectionCode;
  /** Specific, with the remediation; never contains the hardware hash or the UPN. */
  message: string;
  serialNumber?: string;
}

export interface DuplicateRow {
  status: 'duplicate';
  line: number;
  /** What matched an earlier valid row: the serial (case-insensitive) or the hardware hash. */
  key: 'serial' | 'hash';
  duplicateOfLine: number;
  serialNumber: string;
  message: string;
}

export type RowVerdict = ValidRow | RejectedRow | DuplicateRow;

export interface HeaderEvent {
  kind: 'header';
  format: IntakeFormat;
  encoding: IntakeEncoding;
  /** The header cells as written in the file (trimmed). */
  columns: string[];
  /** File-level notes for the report (header spelling, ignored columns, delimiter, encoding). */
  warnings: string[];
}

export interface RowEvent {
  kind: 'row';
  row: RowVerdict;
}

export interface RejectedFileEvent {
  kind: 'rejected-file';
  /** Why this is not a CSV of devices, naming what was expected. */
  reason: string;
}

export interface EndEvent {
  kind: 'end';
  /** Data rows seen (blank lines excluded) = validCount + rejectedCount + duplicateCount. */
  rowCount: number;
  validCount: number;
  rejectedCount: number;
  duplicateCount: number;
  /** Blank (or all-empty) lines after the header, ignored. */
  blankLineCount: number;
  /** File-level notes learnt after the header event was sent (e.g. the encoding was revised). */
  warnings: string[];
}

export type IntakeEvent = HeaderEvent | RowEvent | RejectedFileEvent | EndEvent;

export interface IntakeOptions {
  /** More data rows than this rejects the whole file. Default 1,000,000. */
  maxRows?: number;
  /** A physical line longer than this (in decoded characters, = bytes for ASCII) is rejected without being buffered. Default 65,536. */
  maxLineBytes?: number;
}
