/** Public surface of the CSV intake. */
export { readIntakeCsv, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_ROWS } from './read-intake-csv';
export { GROUP_TAG_MAX, groupTagProblem, isWellFormedUpn } from './rules';
export type {
  DuplicateRow,
  EndEvent,
  HeaderEvent,
  IntakeEncoding,
  IntakeEvent,
  IntakeFormat,
  IntakeOptions,
  RejectedFileEvent,
  RejectedRow,
  RowEvent,
  RowRejectionCode,
  RowVerdict,
  RowWarning,
  RowWarningCode,
  ValidRow,
} from './types';
