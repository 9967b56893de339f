/**
 * The reconciliation's finding classes, as plain data: model.ts builds its schema from them and the
 * dashboard's class filter lists them, without the bundle pulling in zod.
 */
export const DRIFT_CLASSES = [
  'in-order',
  'late-success',
  'registration-missing',
  'duplicate-registration',
  'entra-device-deleted',
  'ztdid-mismatch',
  'group-tag-drift',
  'not-in-group',
  'profile-not-assigned',
  'profile-stuck',
  'profile-failed',
  'unexpected-profile',
  'leftover-import-record',
  'foreign',
] as const;
