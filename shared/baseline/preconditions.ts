/**
 * What the tutorial's steps 1–2 set up by hand and the baseline assumes: users may Microsoft Entra
 * join devices, Intune's MDM user scope takes them, and the tenant has Microsoft Entra ID P1 for
 * dynamic groups. Read only — never written (writing deviceRegistrationPolicy without
 * userDeviceQuota resets the quota to 0: Microsoft365DSC AADDeviceRegistrationPolicy), reported by
 * plan and apply with the fix.
 *
 * Verdicts: `fail` stops apply (dynamic membership needs Entra ID P1 — Learn
 * "groups-dynamic-membership" — so a plan creating or changing a dynamic group would end half
 * applied or with a group that never fills), `warn` is printed and apply goes on (the objects are valid; devices will not enroll until
 * the setting is fixed in the portal), `unknown` says which permission would let it be checked.
 */
import { z } from 'zod';
import type { GraphGateway, GraphRequestSpec } from '../graph/gateway';
import { GraphPermissionError } from '../graph/errors';
import { GRAPH_OPERATIONS } from '../graph/operations';
import type { Plan } from './plan';

export type Verdict = 'ok' | 'warn' | 'fail' | 'unknown';

export interface Precondition {
  name: 'users may join devices' | 'MDM user scope' | 'dynamic groups (Entra ID P1)';
  verdict: Verdict;
  detail: string;
  /** What to do about it; absent when ok. */
  fix?: string;
}

const Membership = z.looseObject({ '@odata.type': z.string() });
const DeviceRegistrationPolicy = z.looseObject({ azureADJoin: z.looseObject({ allowedToJoin: Membership }) });
const MdmPolicy = z.looseObject({ id: z.string(), displayName: z.string().nullable().optional(), appliesTo: z.string() });
const Sku = z.looseObject({
  skuPartNumber: z.string(),
  capabilityStatus: z.string(),
  servicePlans: z.array(z.looseObject({ servicePlanName: z.string(), provisioningStatus: z.string() })),
});

/** Microsoft Intune's application id: its entry in mobileDeviceManagementPolicies. */
export const INTUNE_APP_ID = '0000000a-0000-0000-c000-000000000000';
/** Service plans that carry Microsoft Entra ID P1 (P2 includes it). */
const ENTRA_P1_PLANS = new Set(['AAD_PREMIUM', 'AAD_PREMIUM_P2']);

const JOIN_FIX =
  'Microsoft Entra admin center → Devices → Device settings → "Users may join devices to Microsoft Entra": All (or Selected, with the users who set devices up). Tutorial step 1.';
const MDM_FIX =
  'Intune admin center → Devices → Enrollment → Windows → Automatic Enrollment → "MDM user scope": All (or Some, with the users who set devices up). Tutorial step 2.';
const P1_FIX =
  'Dynamic membership groups need Microsoft Entra ID P1 (for example in EMS E3 or Microsoft 365 E3/E5, or Entra ID P1 alone) — learn.microsoft.com/entra/identity/users/groups-dynamic-membership. Buy or assign it, then apply again.';

/** Pure: the verdicts from what was read (each `undefined` when it could not be read). */
export function judgePreconditions(read: {
  allowedToJoin: string | undefined;
  mdm: z.infer<typeof MdmPolicy>[] | undefined;
  skus: z.infer<typeof Sku>[] | undefined;
  missing: Partial<Record<Precondition['name'], string>>;
}): Precondition[] {
  const unknown = (name: Precondition['name']): Precondition => ({
    name,
    verdict: 'unknown',
    detail: 'could not be read',
    fix: read.missing[name] ?? 'see docs/PERMISSIONS.md, "Baseline"',
  });
  const out: Precondition[] = [];

  const join = read.allowedToJoin?.replace(/^#?microsoft\.graph\./, '');
  if (join === undefined) out.push(unknown('users may join devices'));
  else if (join === 'allDeviceRegistrationMembership') out.push({ name: 'users may join devices', verdict: 'ok', detail: 'all users' });
  else if (join === 'enumeratedDeviceRegistrationMembership')
    out.push({
      name: 'users may join devices',
      verdict: 'warn',
      detail: 'selected users and groups only: a user outside them cannot set a device up',
      fix: JOIN_FIX,
    });
  else
    out.push({ name: 'users may join devices', verdict: 'warn', detail: 'nobody: no user-driven Entra join can complete', fix: JOIN_FIX });

  const intune = read.mdm?.find((p) => p.id === INTUNE_APP_ID);
  if (read.mdm === undefined) out.push(unknown('MDM user scope'));
  else if (!intune)
    out.push({
      name: 'MDM user scope',
      verdict: 'warn',
      detail: 'Microsoft Intune is not an MDM application of this tenant',
      fix: MDM_FIX,
    });
  else if (intune.appliesTo === 'all') out.push({ name: 'MDM user scope', verdict: 'ok', detail: 'Microsoft Intune: all users' });
  else if (intune.appliesTo === 'selected')
    out.push({
      name: 'MDM user scope',
      verdict: 'warn',
      detail: 'Microsoft Intune: some users only — a user outside its groups joins without enrolling',
      fix: MDM_FIX,
    });
  else
    out.push({
      name: 'MDM user scope',
      verdict: 'warn',
      detail: `Microsoft Intune: ${intune.appliesTo} — devices join Entra ID but never enroll`,
      fix: MDM_FIX,
    });

  if (read.skus === undefined) out.push(unknown('dynamic groups (Entra ID P1)'));
  else {
    const holder = read.skus.find(
      (s) =>
        s.capabilityStatus === 'Enabled' &&
        s.servicePlans.some((p) => ENTRA_P1_PLANS.has(p.servicePlanName) && p.provisioningStatus === 'Success'),
    );
    out.push(
      holder
        ? { name: 'dynamic groups (Entra ID P1)', verdict: 'ok', detail: `through ${holder.skuPartNumber}` }
        : {
            name: 'dynamic groups (Entra ID P1)',
            verdict: 'fail',
            detail: 'no active subscription carries Microsoft Entra ID P1, which dynamic membership groups need',
            fix: P1_FIX,
          },
    );
  }
  return out;
}

/** Reads one precondition; a refusal is `undefined` with what to do noted in `missing`; a transient failure throws. */
async function readOne<T>(
  graph: GraphGateway,
  spec: GraphRequestSpec,
  name: Precondition['name'],
  missing: Partial<Record<Precondition['name'], string>>,
  parse: (body: unknown) => T,
): Promise<T | undefined> {
  try {
    const result = await graph.send(spec);
    if (!result.ok) {
      missing[name] = `the read answered ${result.status} ${result.code}; check it in the portal`;
      return undefined;
    }
    return parse(result.body);
  } catch (error) {
    if (!(error instanceof GraphPermissionError)) throw error;
    missing[name] =
      `sign in with the delegated permission ${GRAPH_OPERATIONS[spec.op].permissions.join(' or ')} to check it (docs/PERMISSIONS.md, "Baseline")`;
    return undefined;
  }
}

export async function readPreconditions(graph: GraphGateway): Promise<Precondition[]> {
  const missing: Partial<Record<Precondition['name'], string>> = {};
  const allowedToJoin = await readOne(
    graph,
    { op: 'getDeviceRegistrationPolicy' },
    'users may join devices',
    missing,
    (b) => DeviceRegistrationPolicy.parse(b).azureADJoin.allowedToJoin['@odata.type'],
  );
  const mdm = await readOne(
    graph,
    { op: 'listMobileDeviceManagementPolicies' },
    'MDM user scope',
    missing,
    (b) => z.object({ value: z.array(MdmPolicy) }).parse(b).value,
  );
  const skus = await readOne(
    graph,
    { op: 'listSubscribedSkus' },
    'dynamic groups (Entra ID P1)',
    missing,
    (b) => z.object({ value: z.array(Sku) }).parse(b).value,
  );
  return judgePreconditions({ allowedToJoin, mdm, skus, missing });
}

/**
 * Why apply must not start, or undefined: a failing precondition the plan runs into — without
 * Entra ID P1, a plan that creates or changes a dynamic group is stopped before its first write.
 */
export function preconditionRefusal(found: readonly Precondition[], plan: Plan): string | undefined {
  const touchesGroups = plan.steps.some((s) => (s.kind === 'create' || s.kind === 'update' || s.kind === 'adopt') && s.type === 'group');
  const failed = found.filter((p) => p.verdict === 'fail' && (p.name !== 'dynamic groups (Entra ID P1)' || touchesGroups));
  return failed.length ? `a precondition fails: ${failed.map((p) => p.name).join(', ')} (fix above, then apply again)` : undefined;
}

const MARK: Record<Verdict, string> = { ok: '✔', warn: '!', fail: '✘', unknown: '?' };

export function renderPreconditions(found: readonly Precondition[]): string {
  const lines = ['Preconditions (read only, never changed):'];
  for (const p of found) {
    lines.push(`  ${MARK[p.verdict]} ${p.name}: ${p.detail}`);
    if (p.fix) lines.push(`      fix: ${p.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
