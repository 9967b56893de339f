/**
 * Preflight: can this deployment work against this tenant, and if not, what to fix. Run before the
 * first drop by `npm run doctor` and served by the Function App as GET /api/health. Every check is a
 * read (it changes nothing in the tenant) and ends in a line: ok, a warning, or a failure with the fix.
 *
 * Permissions are checked twice where they can be: from the app roles in the token (what the grant
 * says) and by the cheapest read that needs each one (what the service does). A write permission
 * cannot be proven by a read, so without a roles claim it is only reported as unverified.
 */
import type { RunSettings } from '../contracts';
import { readEsps, readGroupDeviceIds, type EspConfig } from '../graph/autopilot-api';
import { GraphPermanentError, GraphTransientError } from '../graph/errors';
import type { GraphGateway } from '../graph/gateway';
import { appOperations, requiredGraphPermissions, type GraphPermission } from '../graph/operations';
import { resolveEsp } from '../run/confirm/esp';
import { readDeviceManagement, readGroup, readProfile, readProfileAssignments, readSyncSettings } from './reads';
import { matchesAutopilotDevices } from './rule';
import { rolesOf } from './token';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** Stable key, for machines (e.g. `permission:Device.Read.All`). */
  id: string;
  status: CheckStatus;
  title: string;
  detail?: string;
  fix?: string;
}

export interface PreflightReport {
  ok: boolean;
  checks: Check[];
}

export interface PreflightDeps {
  graph: GraphGateway;
  /** The token the app sends to Graph (its `roles` claim is read when it is a JWT). */
  token: () => Promise<string>;
}

export interface PreflightInput {
  expected: RunSettings['expected'];
  /** Where the app talks to: shown in the first line. */
  endpoint: string;
  /** AppConfig.notifyProblems: the channels left out for bad settings (none given: no line). */
  notifyProblems?: string[];
}

const GRANT_FIX =
  "Grant it to the Function App's managed identity: `azd provision` grants every permission the app needs (infra/graph-app-roles.json); docs/PERMISSIONS.md has the commands to grant one by hand.";

export async function runPreflight(deps: PreflightDeps, input: PreflightInput): Promise<PreflightReport> {
  const checks: Check[] = [];
  const add = (check: Check) => checks.push(check);
  if (input.notifyProblems) add(notifyCheck(input.notifyProblems));
  /** Runs one check; a Graph failure becomes that check's line (a transient one a warning), anything else propagates. */
  const guarded = async (id: string, title: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      if (error instanceof GraphPermanentError) add({ id, status: 'fail', title, detail: error.failure.message, fix: error.failure.fix });
      else if (error instanceof GraphTransientError)
        add({
          id,
          status: 'warn',
          title: `${title}: could not be checked`,
          detail: error.message,
          fix: 'Run the check again; the service answered with a temporary failure.',
        });
      else throw error;
    }
  };

  // The token first: without one nothing else can be asked.
  let roles: ReadonlySet<string> | undefined;
  try {
    roles = rolesOf(await deps.token());
    add({
      id: 'token',
      status: 'ok',
      title: `Token for Microsoft Graph obtained (${input.endpoint})`,
      detail: roles
        ? `app roles: ${[...roles].sort().join(', ') || 'none'}`
        : 'not a JWT with app roles: permissions are checked by reads only',
    });
  } catch (error) {
    const failure = error instanceof GraphPermanentError ? error.failure : undefined;
    add({
      id: 'token',
      status: 'fail',
      title: 'Token for Microsoft Graph',
      detail: failure?.message ?? (error as Error).message,
      fix: failure?.fix ?? 'Check GRAPH_AUTH and AZURE_CLIENT_ID.',
    });
    return { ok: false, checks };
  }

  await checkPermissions(deps.graph, input, roles, add);
  await guarded('intune', 'Intune subscription', async () => {
    const dm = await readDeviceManagement(deps.graph);
    add(
      dm.subscriptionState === 'active'
        ? { id: 'intune', status: 'ok', title: 'Intune subscription is active' }
        : {
            id: 'intune',
            status: 'fail',
            title: `Intune subscription is "${dm.subscriptionState ?? 'unknown'}"`,
            fix: 'Every Intune call needs an active Intune licence in the tenant, with Intune as the MDM authority (Microsoft Intune admin center > Tenant administration).',
          },
    );
  });
  await checkGroups(deps.graph, input, add, guarded);
  await checkProfile(deps.graph, input, add, guarded);
  await checkEsp(deps.graph, input, add, guarded);
  await guarded('sync', 'Autopilot sync', async () => {
    const sync = await readSyncSettings(deps.graph);
    // The service answers 0001-01-01 for "never" (an unset Edm.DateTimeOffset).
    const when = (iso: string | null | undefined) => (!iso || iso.startsWith('0001-') ? 'never' : iso);
    const detail = `last sync ${when(sync.lastSyncDateTime)}, last manual trigger ${when(sync.lastManualSyncTriggerDateTime)}, status ${sync.syncStatus ?? 'unknown'}`;
    add(
      sync.syncStatus === 'failed'
        ? {
            id: 'sync',
            status: 'warn',
            title: 'The last Autopilot sync failed',
            detail,
            fix: 'Sync in the Intune admin center (Devices > Windows > Enrollment > Devices > Sync) and check the service health.',
          }
        : { id: 'sync', status: 'ok', title: 'Autopilot sync', detail },
    );
  });
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

type Add = (check: Check) => void;
type Guarded = (id: string, title: string, body: () => Promise<void>) => Promise<void>;

/** Each permission the catalog needs: in the token's roles, and granted by the service for its cheapest read. */
async function checkPermissions(
  graph: GraphGateway,
  input: PreflightInput,
  roles: ReadonlySet<string> | undefined,
  add: Add,
): Promise<void> {
  const firstGroup = input.expected.groupIds[0];
  const probes: Partial<Record<GraphPermission, () => Promise<string | undefined>>> = {
    // Reading the sync settings needs a service-configuration permission (read is enough for it).
    'DeviceManagementServiceConfig.ReadWrite.All': async () => {
      await readSyncSettings(graph);
      return undefined;
    },
    'GroupMember.Read.All': async () => {
      if (!firstGroup) return 'no expected group configured to read';
      await readGroup(graph, firstGroup);
      return undefined;
    },
    // Without a device permission the members come back without deviceId ("limited information").
    'Device.Read.All': async () => {
      if (!firstGroup) return 'no expected group configured to read';
      const read = await readGroupDeviceIds(graph, firstGroup, new Set());
      if (read && read.withoutDeviceId > 0)
        throw new Error(`device members of ${firstGroup} come back without their deviceId (limited information)`);
      return read && read.withoutDeviceId === 0 ? undefined : 'the group has no device member to prove it on';
    },
  };
  for (const permission of requiredGraphPermissions()) {
    const id = `permission:${permission}`;
    const uses = appOperations()
      .filter(
        ([, op]) =>
          (op.permissions as readonly string[]).includes(permission) ||
          (permission.endsWith('.ReadWrite.All') &&
            (op.permissions as readonly string[]).includes(permission.replace('.ReadWrite.All', '.Read.All'))),
      )
      .map(([name]) => name);
    const what = `used by ${uses.join(', ')}`;
    if (roles && !roles.has(permission)) {
      add({
        id,
        status: 'fail',
        title: `Permission ${permission} is not granted`,
        detail: `the token's app roles lack it (${what})`,
        fix: GRANT_FIX,
      });
      continue;
    }
    const probe = probes[permission];
    let unproven: string | undefined;
    let failure: string | undefined;
    try {
      unproven = probe ? await probe() : 'no read proves it';
    } catch (error) {
      if (error instanceof GraphTransientError) unproven = `the read failed for now (${error.message})`;
      else if (error instanceof GraphPermanentError) failure = error.failure.message;
      else if (error instanceof Error) failure = error.message;
      else throw error;
    }
    if (failure) add({ id, status: 'fail', title: `Permission ${permission} is not granted`, detail: failure, fix: GRANT_FIX });
    else if (roles)
      add({
        id,
        status: 'ok',
        title: `Permission ${permission}`,
        detail: unproven ? `in the token's roles (${unproven})` : "in the token's roles, and a read that needs it succeeds",
      });
    else if (unproven)
      add({
        id,
        status: 'warn',
        title: `Permission ${permission} could not be verified`,
        detail: unproven,
        fix: `Check the grant of ${permission} in Entra ID > Enterprise applications > the app > Permissions.`,
      });
    else add({ id, status: 'ok', title: `Permission ${permission}`, detail: 'a read that needs it succeeds' });
  }
}

async function checkGroups(graph: GraphGateway, input: PreflightInput, add: Add, guarded: Guarded): Promise<void> {
  if (input.expected.groupIds.length === 0) {
    add({
      id: 'group',
      status: 'warn',
      title: 'No expected group (EXPECTED_GROUP_IDS): the group stage is skipped',
      fix: 'Set EXPECTED_GROUP_IDS to the dynamic device group every Autopilot device must join.',
    });
    return;
  }
  for (const groupId of input.expected.groupIds) {
    const id = `group:${groupId}`;
    await guarded(id, `Expected group ${groupId}`, async () => {
      const group = await readGroup(graph, groupId);
      if (!group) {
        add({
          id,
          status: 'fail',
          title: `Expected group ${groupId} does not exist`,
          fix: 'Fix EXPECTED_GROUP_IDS, or create the group (npm run baseline -- apply).',
        });
        return;
      }
      const name = `"${group.displayName ?? groupId}"`;
      if (!(group.groupTypes ?? []).includes('DynamicMembership') || !group.membershipRule) {
        add({
          id,
          status: 'fail',
          title: `Group ${name} is not a dynamic device group`,
          fix: 'Autopilot devices join a group by its rule: make it dynamic with (device.devicePhysicalIDs -any (_ -contains "[ZTDID]")).',
        });
        return;
      }
      const rule = matchesAutopilotDevices(group.membershipRule);
      if (!rule.ok) {
        add({
          id,
          status: 'fail',
          title: `The rule of ${name} does not select Autopilot devices`,
          detail: group.membershipRule,
          fix: 'Use (device.devicePhysicalIDs -any (_ -contains "[ZTDID]")), or the [OrderID]:<group tag> / [PurchaseOrderId]:<order> forms.',
        });
        return;
      }
      if (group.membershipRuleProcessingState !== 'On') {
        add({
          id,
          status: 'fail',
          title: `Rule processing of ${name} is ${group.membershipRuleProcessingState ?? 'not On'}`,
          fix: 'Turn dynamic membership processing On (Entra ID > Groups > the group > Dynamic membership rules).',
        });
        return;
      }
      add({ id, status: 'ok', title: `Group ${name} is dynamic and selects Autopilot devices (${rule.form}); processing On` });
    });
  }
}

async function checkProfile(graph: GraphGateway, input: PreflightInput, add: Add, guarded: Guarded): Promise<void> {
  const profileId = input.expected.profileId;
  if (!profileId) {
    add({ id: 'profile', status: 'warn', title: 'No expected deployment profile (EXPECTED_PROFILE_ID): any assigned profile is accepted' });
    return;
  }
  await guarded('profile', `Deployment profile ${profileId}`, async () => {
    const profile = await readProfile(graph, profileId);
    if (!profile) {
      add({
        id: 'profile',
        status: 'fail',
        title: `Deployment profile ${profileId} does not exist`,
        fix: 'Fix EXPECTED_PROFILE_ID, or create the profile (npm run baseline -- apply).',
      });
      return;
    }
    const name = `"${profile.displayName ?? profileId}"`;
    const assignments = await readProfileAssignments(graph, profileId);
    const groups = input.expected.groupIds;
    const excluded = assignments.filter((a) => a.kind === 'exclusion' && a.groupId && groups.includes(a.groupId));
    const included = assignments.filter((a) => (a.kind === 'group' && a.groupId && groups.includes(a.groupId)) || a.kind === 'allDevices');
    if (excluded.length > 0)
      add({
        id: 'profile',
        status: 'fail',
        title: `Deployment profile ${name} excludes the expected group`,
        fix: "Remove the exclusion of the expected group from the profile's assignments.",
      });
    else if (included.length === 0)
      add({
        id: 'profile',
        status: 'fail',
        title: `Deployment profile ${name} is not assigned to the expected group`,
        fix: 'Assign the profile to the expected group (Devices > Windows > Enrollment > Deployment profiles > the profile > Assignments).',
      });
    else add({ id: 'profile', status: 'ok', title: `Deployment profile ${name} exists and is assigned to the expected group` });
  });
}

async function checkEsp(graph: GraphGateway, input: PreflightInput, add: Add, guarded: Guarded): Promise<void> {
  const espId = input.expected.espId;
  if (!espId) {
    add({ id: 'esp', status: 'warn', title: 'No expected ESP (EXPECTED_ESP_ID): the ESP stage is skipped' });
    return;
  }
  await guarded('esp', `Enrollment Status Page ${espId}`, async () => {
    const esps = await readEsps(graph);
    const expected = esps.find((e) => e.id === espId);
    if (!expected) {
      add({
        id: 'esp',
        status: 'fail',
        title: `Enrollment Status Page ${espId} does not exist`,
        fix: 'Fix EXPECTED_ESP_ID, or create the ESP (npm run baseline -- apply).',
      });
      return;
    }
    // What a device in the expected group(s) would get (a device in other groups too may get another).
    const resolution = resolveEsp(esps, new Set(input.expected.groupIds));
    const label = (e: EspConfig) => `"${e.displayName}" (${e.isDefault ? 'default' : `priority ${e.priority}`})`;
    if (resolution.kind === 'filtered') {
      add({
        id: 'esp',
        status: 'warn',
        title: `ESP ${label(resolution.esp)} reaches the expected group through assignment filter ${resolution.filterId} (${resolution.filterType})`,
        detail: 'Intune evaluates filters on the device: runs report that stage as "cannot be confirmed".',
        fix: 'Assign the ESP to the group without a filter to have devices confirmed.',
      });
      return;
    }
    const applies = resolution.esp;
    if (applies?.id === espId) {
      add({ id: 'esp', status: 'ok', title: `A device in the expected group gets the expected ESP ${label(expected)}` });
      return;
    }
    add({
      id: 'esp',
      status: 'fail',
      title: `A device in the expected group would get ${applies ? label(applies) : 'no ESP'}, not the expected ${label(expected)}`,
      fix:
        applies && !applies.isDefault
          ? "Give the expected ESP a higher priority (a lower number) than the one that wins, or remove that one's assignment to the group."
          : 'Assign the expected ESP to the expected group.',
    });
  });
}

/**
 * The notification settings: a bad channel does not stop the app (it is left out), but the admin who
 * configured it expects to hear from it, so it fails the preflight with every problem named.
 */
function notifyCheck(problems: string[]): Check {
  return problems.length === 0
    ? { id: 'notify', status: 'ok', title: 'Notification settings' }
    : {
        id: 'notify',
        status: 'fail',
        title: 'Notification settings have problems: the channels named are off until fixed',
        detail: problems.join('; '),
        fix: 'Fix the NOTIFY_* / DASHBOARD_URL settings named (README, "Notifications"); the other channels and the runs are not affected.',
      };
}
