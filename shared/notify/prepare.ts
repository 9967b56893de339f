/**
 * The notifyPrepare activity: builds a run's (or reconciliation's) notification once — counts, the
 * reasons it needs an admin, the top problems with their remediation, links — stores it, and
 * answers which channels take which event. A channel gets one message per run: `run.needsAttention`
 * if the run needs an admin and the channel takes that event, else `run.completed` if it takes
 * that. Channels with a source filter take only runs whose file is under one of their prefixes
 * (and no reconciliation: it is tenant-wide). Safe to repeat: the same input builds the same event.
 */
import type { NotifyEvent, PlannedDelivery, PrepareInput, PrepareResult } from '../contracts';
import type { ReconcileStore } from '../reconcile/store';
import { joinReportRows } from '../report/report-stream';
import type { RunStore } from '../run/run-store';
import type { ChannelConfig, NotifyConfig } from './channels-config';
import { attentionOf, clip, intakeEvent, ProblemTally, runSection } from './intake-event';
import { linksFor } from './links';
import { MAX_BASELINE_LINES, Notification, SPEC_VERSION, type Attention } from './payload';
import { DriftTally, driftAttention, reconcileSection } from './reconcile-event';
import { NotificationStore } from './store';

export interface PrepareDeps {
  notifications: NotificationStore;
  runs: RunStore;
  reconcile: ReconcileStore;
  config: NotifyConfig;
  log: (message: string) => void;
}

/** The idempotency key of an event: the same on every attempt and channel. */
export const idempotencyKey = (subjectId: string, event: NotifyEvent) => `${subjectId}:${event}`;

function takesSource(channel: ChannelConfig, sourceName: string | undefined): boolean {
  if (channel.sources.length === 0) return true;
  return sourceName !== undefined && channel.sources.some((p) => sourceName.startsWith(p));
}

/** The event a channel gets for this subject, or none. */
function eventFor(channel: ChannelConfig, raised: NotifyEvent): NotifyEvent | undefined {
  if (channel.events.includes(raised)) return raised;
  // A run that needs attention is also a completed run, for a channel that only wants those.
  if (raised === 'run.needsAttention' && channel.events.includes('run.completed')) return 'run.completed';
  return undefined;
}

interface Facts {
  subjectId: string;
  raised: NotifyEvent | undefined;
  attention: Attention[];
  title: (event: NotifyEvent) => string;
  summary: string;
  section: Pick<Notification, 'run' | 'reconcile' | 'baseline'>;
  sourceName?: string;
}

const fmt = (v: number) => v.toLocaleString('en-US');

async function intakeFacts(deps: PrepareDeps, input: PrepareInput & { subject: { kind: 'intake' } }): Promise<Facts> {
  const { outcome, source } = input.subject;
  const tally = new ProblemTally();
  const manifest = await deps.runs.readManifest(outcome.runId);
  if (manifest)
    for await (const row of joinReportRows(deps.runs.rows(manifest), deps.runs.chunkStates(outcome.runId, manifest.chunkCount)))
      tally.add(row);
  const attention = attentionOf(outcome, tally, manifest?.fileRejected);
  const c = outcome.counts;
  const file = `${source.container}/${source.name}`;
  return {
    subjectId: outcome.runId,
    raised: intakeEvent(attention),
    attention,
    title: (event) =>
      event === 'run.needsAttention'
        ? `Autopilot intake needs attention: ${file}`
        : `Autopilot intake ${outcome.status === 'rejected' ? 'rejected' : 'completed'}: ${file}`,
    summary: `${outcome.status} · ${fmt(c.rows)} rows · ${fmt(c.confirmed)} confirmed · ${fmt(c.failed)} failed${c.pending ? ` · ${fmt(c.pending)} pending` : ''}${c.rejectedRows ? ` · ${fmt(c.rejectedRows)} rows rejected` : ''}`,
    section: { run: runSection(outcome, source, tally) },
    sourceName: source.name,
  };
}

/** With BASELINE_FILE: the baseline's drift, its own event (a tenant can drift while every device is in order). */
function baselineFacts(subject: Extract<PrepareInput['subject'], { kind: 'reconcile' }>): Facts | undefined {
  const d = subject.outcome.baselineDrift;
  if (!d || (d.changes + d.conflicts === 0 && !d.error)) return undefined;
  const reconcileId = subject.outcome.reconcileId;
  const detail = d.error
    ? `The tenant baseline could not be planned: ${d.error}`
    : `${d.changes} change(s) and ${d.conflicts} conflict(s) against the baseline: an administrator runs \`npm run baseline -- apply\` (the reconciliation never does).`;
  return {
    subjectId: reconcileId,
    raised: 'baseline.drift',
    attention: [{ reason: 'baselineDrift', count: d.changes + d.conflicts, detail: clip(detail) }],
    title: () =>
      d.error
        ? 'Tenant baseline could not be checked'
        : `Tenant baseline drifted: ${fmt(d.changes)} change(s), ${fmt(d.conflicts)} conflict(s)`,
    summary: `found by ${reconcileId}`,
    section: {
      baseline: {
        reconcileId,
        changes: d.changes,
        conflicts: d.conflicts,
        lines: d.lines.slice(0, MAX_BASELINE_LINES).map((l) => clip(l)),
        more: d.more + Math.max(0, d.lines.length - MAX_BASELINE_LINES),
        ...(d.error ? { error: clip(d.error) } : {}),
      },
    },
  };
}

async function reconcileFacts(deps: PrepareDeps, input: PrepareInput & { subject: { kind: 'reconcile' } }): Promise<Facts> {
  const { outcome } = input.subject;
  const tally = new DriftTally();
  const parts = await deps.reconcile.partCount(outcome.reconcileId);
  for (let part = 0; part < parts; part++) for (const f of await deps.reconcile.readPart(outcome.reconcileId, part)) tally.add(f);
  const attention = driftAttention(outcome, tally);
  return {
    subjectId: outcome.reconcileId,
    // Nothing unresolved, nothing stopped: no drift to tell anyone about.
    raised: attention.length > 0 ? 'reconcile.drift' : undefined,
    attention,
    title: () =>
      `Autopilot reconciliation found drift: ${fmt(tally.unresolved)} unresolved, ${fmt(tally.proposalsWaiting)} proposal(s) waiting`,
    summary: `${outcome.mode} · ${fmt(outcome.findings)} examined · ${fmt(tally.unresolved)} need attention${outcome.repair ? ` · ${fmt(outcome.repair.done)} repaired` : ''}`,
    section: { reconcile: reconcileSection(outcome, tally) },
  };
}

export async function prepareNotification(deps: PrepareDeps, input: PrepareInput): Promise<PrepareResult> {
  const sourceName = input.subject.kind === 'intake' ? input.subject.source.name : undefined;
  const candidates = deps.config.channels.filter((c) => takesSource(c, sourceName));
  if (candidates.length === 0) return { deliveries: [] };
  // A reconciliation may raise two events: its own drift, and the baseline's.
  const raised: Facts[] =
    input.subject.kind === 'intake'
      ? [await intakeFacts(deps, { ...input, subject: input.subject })]
      : [await reconcileFacts(deps, { ...input, subject: input.subject }), baselineFacts(input.subject)].filter(
          (f): f is Facts => f !== undefined,
        );
  const deliveries: PlannedDelivery[] = [];
  const built = new Set<NotifyEvent>();
  for (const facts of raised) {
    for (const channel of candidates) {
      const event = facts.raised && eventFor(channel, facts.raised);
      if (!event) continue;
      const key = idempotencyKey(facts.subjectId, event);
      if (!built.has(event)) {
        const notification = Notification.parse({
          specVersion: SPEC_VERSION,
          id: key,
          event,
          occurredAt: input.now,
          title: facts.title(event).slice(0, 200),
          summary: facts.summary,
          attention: facts.attention,
          links: linksFor(deps.config.dashboardUrl, facts.subjectId),
          ...facts.section,
        });
        await deps.notifications.writeEvent(facts.subjectId, notification);
        built.add(event);
      }
      deliveries.push({ channel: channel.name, type: channel.type, event, key });
    }
  }
  deps.log(
    `notifications for ${raised[0]!.subjectId}: ${deliveries.length ? deliveries.map((d) => `${d.channel} ← ${d.event}`).join(', ') : 'no channel takes this event'}`,
  );
  return { deliveries };
}
