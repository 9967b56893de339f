/**
 * The reconciliation's rules, pure: a ledger device and what the tenant shows → its class, the
 * evidence, and the actions of each tier. No I/O and no clock of its own (the view carries `now`),
 * so every class is testable from a table. The first rule that applies wins, in the order a
 * device's life goes: registration → Entra object → tag → group → profile.
 */
import type { IdSet } from '../graph/gateway';
import type { LedgerEntry } from '../ledger/entry';
import type { AutoAction, Finding, ProposedAction } from './model';

/** The parts of an Autopilot registration the rules read. */
export interface Registration {
  id: string;
  serialNumber: string;
  groupTag: string;
  /** The Entra deviceId Autopilot linked (lower case), empty when none. */
  aadDeviceId: string;
  profileStatus: string;
  detailedStatus: string;
  /** `notContacted` until the device enrolls. */
  enrollmentState: string;
}

export interface TenantView {
  now: string;
  registrations(serial: string): readonly Registration[];
  /** The Entra device by its deviceId (lower case): its physical ids. */
  entraDevice(deviceId: string): { physicalIds: readonly string[] } | undefined;
  /** An expected group: whether it exists, its rule processing state, its device members' deviceIds. */
  group(groupId: string): { exists: boolean; processing: string; members: IdSet } | undefined;
  /** A deployment profile: the Autopilot ids it is assigned to, and the groups it targets (or excludes). */
  profile(profileId: string): { devices: IdSet; targets: ReadonlySet<string>; excludes: ReadonlySet<string> } | undefined;
  /** How long a profile may stay `pending` before it counts as stuck. */
  stuckMinutes: number;
}

const notEnrolled = (r: Registration) => r.enrollmentState === '' || r.enrollmentState === 'notContacted';

function reimport(entry: LedgerEntry, ztdId?: string): ProposedAction[] {
  // Without the archived file there is no hash to import again: the finding says so, nothing is proposed.
  return entry.archived
    ? [
        {
          kind: 'delete-and-reimport',
          serialNumber: entry.serialNumber,
          ...(ztdId ? { ztdId } : {}),
          archivedPath: entry.archived.path,
          line: entry.archived.line,
        },
      ]
    : [];
}

export function classify(entry: LedgerEntry, view: TenantView): Finding {
  const base = { serialNumber: entry.serialNumber, runId: entry.runId, since: entry.confirm.at ?? entry.recordedAt };
  const finding = (
    cls: Finding['class'],
    evidence: string[],
    auto: AutoAction[] = [],
    proposed: ProposedAction[] = [],
    ztdId?: string,
  ): Finding => ({
    ...base,
    class: cls,
    evidence,
    auto,
    proposed,
    ...(ztdId ? { ztdId } : {}),
  });

  const regs = view.registrations(entry.serialNumber);
  if (regs.length === 0) {
    // An approved re-import whose old registration is gone now: import it again.
    if (entry.pendingReimport && entry.archived) {
      return finding(
        'registration-missing',
        ['the registration is gone after the approved deletion; importing it again from the archived hash'],
        [{ kind: 'reimport', serialNumber: entry.serialNumber, archivedPath: entry.archived.path, line: entry.archived.line }],
      );
    }
    // Re-imported by a reconciliation: like an intake run, wait for the registration and ask for the
    // Autopilot sync that brings it (the intake's confirm phase does the same), until it is late by
    // as long as a profile may take to assign; then propose again.
    if (
      entry.confirm.outcome === 'pending' &&
      entry.import.at &&
      Date.parse(view.now) - Date.parse(entry.import.at) <= view.stuckMinutes * 60_000
    ) {
      return finding(
        'registration-missing',
        [`imported again by ${entry.runId} at ${entry.import.at}; waiting for the Autopilot sync to register it`],
        [{ kind: 'request-sync' }],
      );
    }
    return finding(
      'registration-missing',
      [
        `no Autopilot registration has serial ${entry.serialNumber} (${entry.confirm.outcome === 'pending' ? `imported again by ${entry.runId} at ${entry.import.at ?? '?'}, still not registered` : `the run registered it${entry.ztdId ? ` as ${entry.ztdId}` : ''}`})`,
      ],
      [],
      reimport(entry),
    );
  }
  if (regs.length > 1) {
    return finding('duplicate-registration', [
      `${regs.length} Autopilot registrations have serial ${entry.serialNumber}: ${regs.map((r) => r.id).join(', ')}`,
    ]);
  }
  const reg = regs[0]!;
  const enrolled = !notEnrolled(reg);
  if (entry.pendingReimport)
    return finding(
      'registration-missing',
      [`re-import approved ${entry.pendingReimport.approvedAt}: waiting for the service to remove registration ${reg.id}`],
      [],
      [],
      reg.id,
    );

  const entra = reg.aadDeviceId ? view.entraDevice(reg.aadDeviceId) : undefined;
  if (!entra) {
    return finding(
      'entra-device-deleted',
      [
        reg.aadDeviceId
          ? `Entra device ${reg.aadDeviceId} no longer exists; the registration ${reg.id} stays`
          : `registration ${reg.id} has no Entra device`,
      ],
      [],
      reimport(entry, reg.id),
      reg.id,
    );
  }
  if (!entra.physicalIds.some((p) => p.toLowerCase() === `[ztdid]:${reg.id}`.toLowerCase())) {
    return finding(
      'ztdid-mismatch',
      [`Entra device ${reg.aadDeviceId} does not carry [ZTDID]:${reg.id} (physicalIds: ${entra.physicalIds.join(' ') || 'none'})`],
      [],
      reimport(entry, reg.id),
      reg.id,
    );
  }

  const wantedTag = entry.groupTag ?? '';
  if (reg.groupTag !== wantedTag) {
    const evidence = [
      `group tag is "${reg.groupTag}", the ledger says "${wantedTag}"`,
      enrolled ? `the device is ${reg.enrollmentState}: changing its tag moves it between profiles` : 'not enrolled yet',
    ];
    return enrolled
      ? finding(
          'group-tag-drift',
          evidence,
          [],
          [{ kind: 'retag-enrolled', serialNumber: entry.serialNumber, ztdId: reg.id, from: reg.groupTag, to: wantedTag }],
          reg.id,
        )
      : finding(
          'group-tag-drift',
          evidence,
          [{ kind: 'restore-group-tag', ztdId: reg.id, serialNumber: entry.serialNumber, from: reg.groupTag, to: wantedTag }],
          [],
          reg.id,
        );
  }

  const outside: string[] = [];
  for (const groupId of entry.expected.groupIds) {
    const g = view.group(groupId);
    if (!g?.exists) outside.push(`expected group ${groupId} does not exist`);
    else if (!g.members.has(reg.aadDeviceId))
      outside.push(
        g.processing !== 'On'
          ? `not a member of ${groupId}: its rule processing is ${g.processing}`
          : `not a member of ${groupId} (the rule does not select it)`,
      );
  }
  if (outside.length > 0) return finding('not-in-group', outside, [], [], reg.id);

  const profileId = entry.expected.profileId;
  const status = reg.profileStatus;
  const detail = reg.detailedStatus && reg.detailedStatus !== 'none' ? `; detailed status ${reg.detailedStatus}` : '';
  if (status.startsWith('assigned')) {
    const p = profileId ? view.profile(profileId) : undefined;
    if (profileId && !p?.devices.has(reg.id))
      return finding('unexpected-profile', [`assigned a profile other than ${profileId}`], [], [], reg.id);
  } else {
    const p = profileId ? view.profile(profileId) : undefined;
    const targeting = !profileId
      ? 'no expected profile'
      : !p
        ? `expected profile ${profileId} does not exist`
        : entry.expected.groupIds.some((g) => p.excludes.has(g))
          ? `expected profile ${profileId} excludes an expected group`
          : entry.expected.groupIds.some((g) => p.targets.has(g))
            ? `expected profile ${profileId} targets the expected group`
            : `expected profile ${profileId} does not target ${entry.expected.groupIds.join(', ') || 'any expected group'}`;
    const evidence = [`deploymentProfileAssignmentStatus "${status || 'unknown'}"${detail}`, 'a member of every expected group', targeting];
    if (status === 'failed') return finding('profile-failed', evidence, [], [], reg.id);
    // Pending for longer than an assignment takes is stuck; before that it is still on its way.
    const stuck = status === 'pending' && Date.parse(view.now) - Date.parse(base.since) > view.stuckMinutes * 60_000;
    return finding(stuck ? 'profile-stuck' : 'profile-not-assigned', evidence, [{ kind: 'request-sync' }], [], reg.id);
  }

  if (entry.confirm.outcome !== 'confirmed' && !entry.lateSuccessAt) {
    const reported =
      entry.confirm.outcome === 'pending'
        ? `re-imported by ${entry.runId}`
        : `its run reported ${entry.confirm.code ?? 'a failure'}${entry.confirm.stage ? ` at ${entry.confirm.stage}` : ''}`;
    return finding(
      'late-success',
      [`${reported}; every stage is in order now`],
      [{ kind: 'mark-late-success', serialNumber: entry.serialNumber, runId: entry.runId }],
      [],
      reg.id,
    );
  }
  return finding('in-order', [], [], [], reg.id);
}

/** An Autopilot registration the ledger does not hold: reported, never touched. */
export function foreign(reg: Registration): Finding {
  return {
    serialNumber: reg.serialNumber,
    class: 'foreign',
    evidence: [`registered outside the pipeline (no ledger entry); group tag "${reg.groupTag}", ${reg.enrollmentState || 'state unknown'}`],
    ztdId: reg.id,
    auto: [],
    proposed: [],
  };
}

/**
 * The run an importId belongs to, when it is one of this app's: an intake run's chunk
 * (`{runId}-c{k}`) or a reconciliation's re-import (`{reconcileId}-r`).
 */
export function ownerOf(importId: string): string | undefined {
  return (/^(intake-[0-9a-f]{32})-c\d+$/.exec(importId) ?? /^(reconcile-[0-9a-zA-Z]+)-r$/.exec(importId))?.[1];
}

/** Whether an import record is the pipeline's own and may be deleted: one of its runs' importIds, settled. */
export function leftoverRecord(
  record: { id: string; serialNumber: string; importId: string; status: string },
  runExists: (runId: string) => boolean,
): Finding | undefined {
  const owner = ownerOf(record.importId);
  const m = owner ? [record.importId, owner] : null;
  if (!m || !runExists(m[1]!)) return undefined;
  const settled = record.status === 'complete' || record.status === 'error';
  return {
    serialNumber: record.serialNumber,
    class: 'leftover-import-record',
    evidence: [
      `import record ${record.id} of run ${m[1]} left behind in state ${record.status}`,
      settled ? 'settled: deleted' : 'still being processed: left alone',
    ],
    runId: m[1]!,
    auto: settled ? [{ kind: 'delete-import-record', recordId: record.id, importId: record.importId }] : [],
    proposed: [],
  };
}
