import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { render } from '../../shared/notify/deliver';
import { prepareNotification } from '../../shared/notify/prepare';
import type { Notification } from '../../shared/notify/payload';
import { HEADERS, sign, verify } from '../../shared/notify/signature';
import { NotificationStore } from '../../shared/notify/store';
import { CARD_BUDGET_BYTES, escapeMarkdown, TEAMS_LIMIT_BYTES, teamsMessage } from '../../shared/notify/teams-card';
import { ReconcileStore } from '../../shared/reconcile/store';
import { RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { NOTIFICATION_SCHEMA_FILE, renderNotificationSchema } from '../../scripts/notify-schema';
import {
  channelEnv,
  outcomeOf,
  SECRET,
  validateCard,
  validateNotification,
  writeSyntheticRun,
  type SyntheticDevice,
} from '../support/notify-fixtures';

const RUN = 'intake-0123456789abcdef0123456789abcdef';
const NOW = '2026-11-28T11:00:00.000Z';
const config = () => loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...channelEnv() }).notify;

/** Prepares a run's notifications over a memory store and returns each stored event. */
async function prepared(devices: SyntheticDevice[], options: Parameters<typeof writeSyntheticRun>[3] = {}, sourceName = 'oem/devices.csv') {
  const objects = new MemoryObjectStore();
  const runs = new RunStore(objects);
  const notifications = new NotificationStore(objects);
  const { counts } = await writeSyntheticRun(runs, RUN, devices, options);
  const result = await prepareNotification(
    { notifications, runs, reconcile: new ReconcileStore(objects), config: config(), log: () => undefined },
    { subject: { kind: 'intake', outcome: outcomeOf(RUN, counts), source: { container: 'autopilot-intake', name: sourceName } }, now: NOW },
  );
  const events = new Map<string, Notification>();
  for (const d of result.deliveries) events.set(d.event, (await notifications.readEvent(RUN, d.event))!);
  return { result, events };
}

const serials = (n: number, prefix = 'SN') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

/** A 10,000-device run with many problems: 40 distinct codes (unknown DDS codes with long messages), 808s, deadlines, pending. */
function bigRun(): SyntheticDevice[] {
  return serials(10_000).map((serialNumber, i): SyntheticDevice => {
    if (i % 10 === 1) return { serialNumber, failure: { code: '808', stage: 'import' } };
    if (i % 10 === 2) return { serialNumber, failure: { code: 'ProfileNotAssigned', stage: 'profile' } };
    if (i % 10 === 3)
      return {
        serialNumber: `${serialNumber}-${'Ω'.repeat(60)}`,
        failure: {
          code: `9${String(Math.floor(i / 10) % 40).padStart(2, '0')}`,
          stage: 'import',
          message: `unknown failure ${'x'.repeat(2000)}`,
          remediation: 'y'.repeat(3000),
        },
      };
    if (i % 10 === 4) return { serialNumber, pending: true };
    return { serialNumber };
  });
}

describe('notification payload (the generic webhook body)', () => {
  it('the published JSON Schema is the one the code generates (npm run notify-schema)', () => {
    expect(readFileSync(NOTIFICATION_SCHEMA_FILE, 'utf8')).toBe(renderNotificationSchema());
  });

  it('a clean run raises run.completed for every channel; the body validates against the published schema', async () => {
    const { result, events } = await prepared(serials(20).map((serialNumber) => ({ serialNumber })));
    expect(result.deliveries).toEqual([
      { channel: 'ops', type: 'teams', event: 'run.completed', key: `${RUN}:run.completed` },
      { channel: 'contoso', type: 'webhook', event: 'run.completed', key: `${RUN}:run.completed` },
    ]);
    const n = events.get('run.completed')!;
    expect(validateNotification(JSON.parse(JSON.stringify(n)))).toEqual([]);
    expect(n).toMatchObject({
      specVersion: '1',
      id: `${RUN}:run.completed`,
      occurredAt: NOW,
      attention: [],
      links: {
        run: `https://func-x.azurewebsites.net/api/dashboard/runs/${RUN}`,
        report: `https://func-x.azurewebsites.net/api/dashboard-data/runs/${RUN}/report/report.csv`,
      },
      run: { runId: RUN, status: 'completed', problemCodes: 0, counts: { rows: 20, confirmed: 20 } },
    });
  });

  it('808 devices, deadlines passed, pending devices and rejected rows make run.needsAttention with the top problems and their remediation', async () => {
    const devices = serials(30).map((serialNumber, i): SyntheticDevice => {
      if (i < 3) return { serialNumber, failure: { code: '808', stage: 'import', remediation: 'The previous owner must deregister it.' } };
      if (i < 5) return { serialNumber, failure: { code: 'RegistrationTimeout', stage: 'registration' } };
      if (i < 6) return { serialNumber, pending: true };
      return { serialNumber };
    });
    const { events } = await prepared(devices, { rejectedRows: [{ serialNumber: 'BAD-1', code: 'hash-invalid', message: 'not a hash' }] });
    const n = events.get('run.needsAttention')!;
    expect(validateNotification(JSON.parse(JSON.stringify(n)))).toEqual([]);
    expect(n.attention.map((a) => [a.reason, a.count])).toEqual([
      ['registeredElsewhere', 3],
      ['deadlinesPassed', 3],
    ]);
    expect(n.run!.problems.map((p) => [p.code, p.count, p.stage])).toEqual([
      ['808', 3, 'import'],
      ['RegistrationTimeout', 2, 'registration'],
      ['hash-invalid', 1, 'file'],
    ]);
    expect(n.run!.problems[0]).toMatchObject({
      remediation: 'The previous owner must deregister it.',
      examples: ['SN-00000', 'SN-00001', 'SN-00002'],
    });
  });

  it('a rejected file and a stopped run need attention too', async () => {
    const { events } = await prepared([], { fileRejected: 'no Hardware Hash column' });
    expect(events.get('run.needsAttention')!.attention).toEqual([
      { reason: 'fileRejected', detail: 'The file was rejected: no Hardware Hash column' },
    ]);
  });

  it('a reconciliation whose baseline drifted raises baseline.drift (its own event, even with every device in order), valid for both channels', async () => {
    const objects = new MemoryObjectStore();
    const notifications = new NotificationStore(objects);
    const reconcileId = 'reconcile-20261207T030000000Z';
    const lines = Array.from({ length: 30 }, (_, i) => `~ update ESP autopilot-esp (esp-1) line ${i}`);
    const outcome = {
      reconcileId,
      mode: 'report-only' as const,
      reportPath: `autopilot-reports/${reconcileId}/report.json`,
      findings: 0,
      byClass: {},
      baselineDrift: { changes: 2, conflicts: 1, lines, more: 4 },
    };
    const deps = {
      notifications,
      runs: new RunStore(objects),
      reconcile: new ReconcileStore(objects),
      config: config(),
      log: () => undefined,
    };
    const result = await prepareNotification(deps, { now: NOW, subject: { kind: 'reconcile', outcome } });
    expect(result.deliveries).toEqual([
      { channel: 'ops', type: 'teams', event: 'baseline.drift', key: `${reconcileId}:baseline.drift` },
      { channel: 'contoso', type: 'webhook', event: 'baseline.drift', key: `${reconcileId}:baseline.drift` },
    ]);
    const n = (await notifications.readEvent(reconcileId, 'baseline.drift'))!;
    expect(validateNotification(JSON.parse(JSON.stringify(n)))).toEqual([]);
    expect(n).toMatchObject({
      title: 'Tenant baseline drifted: 2 change(s), 1 conflict(s)',
      attention: [{ reason: 'baselineDrift', count: 3 }],
      baseline: { reconcileId, changes: 2, conflicts: 1, more: 14 },
    });
    expect(n.baseline!.lines).toHaveLength(20);
    const card = JSON.parse(teamsMessage(n).body) as { attachments: { content: unknown }[] };
    expect(validateCard(card.attachments[0]!.content)).toEqual([]);
    expect(teamsMessage(n).body).toContain('Baseline plan');

    // No drift: no baseline event (and nothing unresolved: no event at all).
    const quiet = await prepareNotification(deps, {
      now: NOW,
      subject: { kind: 'reconcile', outcome: { ...outcome, baselineDrift: { changes: 0, conflicts: 0, lines: [], more: 0 } } },
    });
    expect(quiet.deliveries).toEqual([]);
  });

  it('channels filter by event and by source path: an OEM channel gets only its own drops', async () => {
    const objects = new MemoryObjectStore();
    const runs = new RunStore(objects);
    const notifications = new NotificationStore(objects);
    const { counts } = await writeSyntheticRun(runs, RUN, [{ serialNumber: 'A', failure: { code: '808', stage: 'import' } }]);
    const cfg = loadConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      ...channelEnv({ NOTIFY_CHANNEL_OPS_EVENTS: 'run.completed', NOTIFY_CHANNEL_CONTOSO_SOURCES: 'contoso/' }),
    }).notify;
    const deps = { notifications, runs, reconcile: new ReconcileStore(objects), config: cfg, log: () => undefined };
    const subject = (name: string) => ({
      kind: 'intake' as const,
      outcome: outcomeOf(RUN, counts),
      source: { container: 'autopilot-intake', name },
    });
    const other = await prepareNotification(deps, { subject: subject('fabrikam/a.csv'), now: NOW });
    // ops takes only run.completed: a run needing attention is still a completed run for it.
    expect(other.deliveries.map((d) => [d.channel, d.event])).toEqual([['ops', 'run.completed']]);
    const own = await prepareNotification(deps, { subject: subject('contoso/2026/a.csv'), now: NOW });
    expect(own.deliveries.map((d) => [d.channel, d.event])).toEqual([
      ['ops', 'run.completed'],
      ['contoso', 'run.needsAttention'],
    ]);
  });
});

describe('Teams card (Adaptive Card 1.4 in a Workflows message)', () => {
  it('every card rendered validates against the vendored Adaptive Card 1.4 schema, with Action.OpenUrl to the dashboard', async () => {
    const runs = [
      await prepared(serials(5).map((serialNumber) => ({ serialNumber }))),
      await prepared([{ serialNumber: 'X', failure: { code: '808', stage: 'import' } }]),
      await prepared([], { fileRejected: 'empty file' }),
      await prepared(bigRun()),
    ];
    for (const { events } of runs)
      for (const n of events.values()) {
        const message = teamsMessage(n);
        const envelope = JSON.parse(message.body) as {
          type: string;
          attachments: { contentType: string; content: { actions: unknown[] } }[];
        };
        expect(envelope.type).toBe('message');
        expect(envelope.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
        expect(validateCard(envelope.attachments[0]!.content)).toEqual([]);
        expect(envelope.attachments[0]!.content.actions).toEqual([
          { type: 'Action.OpenUrl', title: 'Open the run', url: n.links.run },
          { type: 'Action.OpenUrl', title: 'Download report.csv', url: n.links.report },
        ]);
      }
  });

  it('a 10,000-device run with many problems stays under the 28 KB limit (summarised, not truncated JSON)', async () => {
    const { events } = await prepared(bigRun(), {}, `contoso/${'very-long-folder-name/'.repeat(40)}drop.csv`);
    const n = events.get('run.needsAttention')!;
    expect(n.run!.counts.rows).toBe(10_000);
    expect(n.run!.problemCodes).toBe(42);
    const message = teamsMessage(n);
    expect(message.bytes).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(message.bytes).toBeLessThan(TEAMS_LIMIT_BYTES);
    const text = message.body;
    expect(text).toMatch(/\d+ more problem code\(s\) in the report\./);
    expect(validateCard(JSON.parse(text).attachments[0].content)).toEqual([]);
    // The webhook body of the same run is as bounded.
    expect(Buffer.byteLength(JSON.stringify(n))).toBeLessThan(20 * 1024);
    expect(validateNotification(JSON.parse(JSON.stringify(n)))).toEqual([]);
    console.log(
      `10,000-device run: Teams message ${message.bytes} bytes (shape ${message.shape}), webhook body ${Buffer.byteLength(JSON.stringify(n))} bytes`,
    );
  });

  it('the validators are not vacuous: they refuse what Teams or a receiver would', () => {
    const card = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'x' }] };
    expect(validateCard(card)).toEqual([]);
    expect(validateCard({ ...card, msteams: { width: 'Full' } })).not.toEqual([]);
    expect(validateCard({ ...card, body: [{ type: 'TextBlock', text: 'x', colour: 'red' }] })).not.toEqual([]);
    expect(validateCard({ ...card, actions: [{ type: 'Action.OpenUrl', title: 'no url' }] })).not.toEqual([]);
    expect(validateNotification({ specVersion: '1' })).not.toEqual([]);
  });

  it('shrinks to fewer problems and shorter texts when the full card would not fit', () => {
    const long = 'z'.repeat(500);
    const problems = Array.from({ length: 10 }, (_, i) => ({
      code: `C${i}`,
      count: 10 - i,
      stage: 'import',
      message: long,
      remediation: long,
      examples: ['Ω'.repeat(100), 'Ω'.repeat(100), 'Ω'.repeat(100), 'Ω'.repeat(100), 'Ω'.repeat(100)],
    }));
    const n: Notification = {
      specVersion: '1',
      id: 'intake-x:run.needsAttention',
      event: 'run.needsAttention',
      occurredAt: NOW,
      title: 't'.repeat(200),
      summary: long,
      attention: ['fileRejected', 'registeredElsewhere', 'deadlinesPassed', 'stopped'].map((reason) => ({
        reason: reason as 'stopped',
        detail: long,
      })),
      links: {},
      run: {
        runId: 'intake-x',
        source: { container: 'autopilot-intake', name: 'n'.repeat(1024) },
        status: 'completed',
        reportPath: 'autopilot-reports/intake-x/',
        counts: {
          rows: 1,
          valid: 1,
          rejectedRows: 0,
          duplicateRows: 0,
          imported: 0,
          importFailed: 0,
          registered: 0,
          inGroup: 0,
          profileAssigned: 0,
          espConfirmed: 0,
          confirmed: 0,
          failed: 1,
          pending: 0,
        },
        problemCodes: 10,
        problems,
      },
    };
    const m = teamsMessage(n);
    expect(m.bytes).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(validateCard(m.card)).toEqual([]);
    // No dashboard: no actions, the report's storage path instead.
    expect(m.card.actions).toBeUndefined();
    expect(m.body).toContain('Report: autopilot-reports/intake-x/');
  });

  it('text from the CSV cannot add links or formatting to the card', async () => {
    const hostile = '[click](https://evil.example/x) **bold** <b>x</b> `code` _i_';
    const { events } = await prepared(
      [{ serialNumber: hostile, failure: { code: '808', stage: 'import' } }],
      {},
      'oem/[x](https://evil.example).csv',
    );
    const body = teamsMessage(events.get('run.needsAttention')!).body;
    expect(body).not.toContain('[click](https://evil.example/x)');
    expect(body).not.toContain('**bold**');
    expect(body).not.toContain('[x](https://evil.example)');
    expect(escapeMarkdown(hostile)).toBe('\\[click\\]\\(https://evil.example/x\\) \\*\\*bold\\*\\* \\<b\\>x\\</b\\> \\`code\\` \\_i\\_');
  });
});

describe('webhook signature', () => {
  it('signs timestamp.body with HMAC-SHA256 and a receiver verifies it; any change to body, timestamp or secret fails', async () => {
    const { events } = await prepared(serials(3).map((serialNumber) => ({ serialNumber })));
    const n = events.get('run.completed')!;
    const channel = config().channels.find((c) => c.type === 'webhook')!;
    const now = new Date('2026-11-28T11:00:05.000Z');
    const { body, headers } = render(
      channel,
      n,
      { channel: 'contoso', type: 'webhook', event: n.event, key: n.id, subjectId: RUN, attempt: 2 },
      now,
    );
    const ts = Math.floor(now.getTime() / 1000);
    expect(headers[HEADERS.timestamp]).toBe(String(ts));
    expect(headers[HEADERS.idempotencyKey]).toBe(`${RUN}:run.completed`);
    expect(headers[HEADERS.attempt]).toBe('2');
    expect(headers[HEADERS.signature]).toBe(sign(SECRET, ts, body));
    expect(headers[HEADERS.signature]).toMatch(/^sha256=[0-9a-f]{64}$/);
    const sig = { signature: headers[HEADERS.signature], timestamp: headers[HEADERS.timestamp] };
    expect(verify(SECRET, sig, body, ts + 10)).toEqual({ ok: true });
    expect(verify(SECRET, sig, body.replace('"rows":3', '"rows":4'), ts).ok).toBe(false);
    expect(verify(SECRET, { ...sig, timestamp: String(ts + 1) }, body, ts).ok).toBe(false);
    expect(verify(`${SECRET}x`, sig, body, ts).ok).toBe(false);
    expect(verify(SECRET, sig, body, ts + 301)).toEqual({ ok: false, reason: 'timestamp outside the tolerance (a replay?)' });
    expect(verify(SECRET, { signature: undefined, timestamp: undefined }, body, ts).ok).toBe(false);
    // The body is the event as stored: the same bytes on every attempt.
    expect(JSON.parse(body)).toEqual(n);
  });
});
