/**
 * The notification every channel renders: one event, built once per run and stored, so every
 * attempt and every channel sends the same facts. The generic webhook sends it as it is; its JSON
 * Schema (docs/schemas/notification-v1.schema.json, generated from this file by
 * `npm run notify-schema`) is the published contract. Version 1 only ever gains optional
 * properties; a rename or removal would be version 2.
 *
 * Everything here is bounded whatever the size of the run: problems are aggregated by code, with a
 * few example serial numbers each, so a 10,000-device run makes a notification of a few KB.
 */
import { z } from 'zod';
import { NotifyEvent } from '../contracts/delivery';

export const SPEC_VERSION = '1';
/** Problems listed (the most frequent first); the rest are counted in `problemCodes`. */
export const MAX_PROBLEMS = 10;
/** Example serial numbers per problem or finding list. */
export const MAX_EXAMPLES = 5;
/** Characters of any free text (messages, remediation, evidence) kept. */
export const MAX_TEXT = 500;

const count = z.number().int().min(0);
const text = z.string().max(MAX_TEXT);

export const Counts = z
  .object({
    rows: count,
    valid: count,
    rejectedRows: count,
    duplicateRows: count,
    imported: count,
    importFailed: count,
    registered: count,
    inGroup: count,
    profileAssigned: count,
    espConfirmed: count,
    confirmed: count,
    failed: count,
    pending: count,
  })
  .meta({ description: 'Devices per stage, as in the run report (report.json `counts`).' });

export const Problem = z
  .object({
    code: z.string().meta({
      description:
        'The report code: an Intune import error (e.g. "808"), a confirmation failure (e.g. "ProfileNotAssigned") or a CSV row verdict.',
    }),
    count: count.meta({ description: 'Rows or devices with this code.' }),
    stage: z.string().optional().meta({ description: 'Where it happened: file, import, registration, group, profile, esp.' }),
    message: text,
    remediation: text.optional(),
    examples: z.array(z.string().max(100)).max(MAX_EXAMPLES).meta({ description: 'First serial numbers with this code, in file order.' }),
  })
  .meta({ description: 'One problem code of a run, with what to do about it.' });
export type Problem = z.infer<typeof Problem>;

export const AttentionReason = z.enum([
  'fileRejected',
  'registeredElsewhere',
  'deadlinesPassed',
  'stopped',
  'driftUnresolved',
  'proposalsWaiting',
  'baselineDrift',
]);
export type AttentionReason = z.infer<typeof AttentionReason>;

export const Attention = z
  .object({ reason: AttentionReason, count: count.optional(), detail: text })
  .meta({ description: 'Why an admin is needed; empty for a run that needs nothing.' });
export type Attention = z.infer<typeof Attention>;

export const Stop = z.object({
  kind: z.enum(['permission', 'auth', 'contract']),
  phase: z.string(),
  operation: z.string(),
  message: text,
  fix: text,
});

export const RunSection = z
  .object({
    runId: z.string(),
    source: z.object({ container: z.string(), name: z.string().max(1024) }),
    status: z.enum(['completed', 'rejected']),
    reportPath: z.string().meta({ description: 'Where report.json, report.csv and summary.md are (container/folder/).' }),
    counts: Counts,
    problemCodes: count.meta({ description: 'Distinct problem codes in the run; `problems` lists the most frequent.' }),
    problems: z.array(Problem).max(MAX_PROBLEMS),
    stopped: Stop.optional(),
  })
  .meta({ description: 'An intake run (events run.completed and run.needsAttention).' });
export type RunSection = z.infer<typeof RunSection>;

export const FindingExample = z.object({
  serialNumber: z.string().max(100),
  class: z.string(),
  since: z.string().optional(),
  evidence: z.array(text).max(3),
  proposed: z.array(z.string()).meta({ description: 'Proposed actions waiting for an admin (kinds).' }),
});
export type FindingExample = z.infer<typeof FindingExample>;

export const ReconcileSection = z
  .object({
    reconcileId: z.string(),
    mode: z.enum(['repair', 'report-only']),
    reportPath: z.string(),
    examined: count,
    byClass: z.record(z.string(), count).meta({ description: 'Devices and records per drift class (in-order and foreign included).' }),
    unresolved: count.meta({ description: 'Findings with something left to do (an action failed or skipped, or a proposal).' }),
    proposalsWaiting: count.meta({ description: 'Proposed actions waiting for an admin to approve.' }),
    repair: z.object({ done: count, notNeeded: count, skipped: count, failed: count, writes: count }).optional(),
    examples: z.array(FindingExample).max(MAX_EXAMPLES).meta({ description: 'The oldest unresolved findings.' }),
    stopped: Stop.optional(),
  })
  .meta({ description: 'A reconciliation (event reconcile.drift).' });
export type ReconcileSection = z.infer<typeof ReconcileSection>;

/** Plan lines a baseline.drift notification carries (the report has them all, up to its own cap). */
export const MAX_BASELINE_LINES = 20;

export const BaselineSection = z
  .object({
    reconcileId: z.string().meta({ description: 'The reconciliation that planned the baseline (its report has the section too).' }),
    baselineFile: z.string().optional(),
    changes: count.meta({ description: 'Steps `npm run baseline -- apply` would make.' }),
    conflicts: count.meta({ description: 'What apply cannot decide alone (ambiguous identity, impossible priority).' }),
    lines: z.array(text).max(MAX_BASELINE_LINES).meta({ description: 'The plan as `npm run baseline -- plan` prints it, first lines.' }),
    more: count.meta({ description: 'Plan lines not listed.' }),
    error: text.optional().meta({ description: 'The baseline could not be planned: why.' }),
  })
  .meta({ description: 'The tenant baseline, planned read-only by a reconciliation (event baseline.drift).' });
export type BaselineSection = z.infer<typeof BaselineSection>;

export const Notification = z
  .object({
    specVersion: z.literal(SPEC_VERSION),
    id: z.string().meta({
      description: 'The idempotency key, `{runId}:{event}`: the same on every attempt and on every channel. Receivers drop a repeated id.',
    }),
    event: NotifyEvent,
    occurredAt: z.iso
      .datetime()
      .meta({ description: 'When the run reached the event (its orchestration clock), not when this attempt was sent.' }),
    title: z.string().max(200),
    summary: text.meta({ description: 'One line for people.' }),
    attention: z.array(Attention),
    links: z
      .object({ run: z.url().optional(), report: z.url().optional() })
      .meta({ description: "The run's dashboard page and its report; absent when DASHBOARD_URL is not set." }),
    run: RunSection.optional(),
    reconcile: ReconcileSection.optional(),
    baseline: BaselineSection.optional(),
  })
  .meta({
    title: 'autopilot-intake notification, version 1',
    description:
      'The body of every generic webhook delivery (POST, application/json). Signed: X-Autopilot-Intake-Signature = "sha256=" + hex HMAC-SHA256(secret, X-Autopilot-Intake-Timestamp + "." + body). See docs/NOTIFICATIONS.md.',
  });
export type Notification = z.infer<typeof Notification>;

/** The published JSON Schema (draft 2020-12), with its stable id. */
export function notificationJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Notification) as Record<string, unknown>;
  return { $id: 'urn:autopilot-intake:notification:v1', ...schema };
}
