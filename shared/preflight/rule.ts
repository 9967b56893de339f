/**
 * Whether a dynamic group's rule selects Autopilot devices, in the forms Microsoft documents
 * (memdocs "Create device groups for Windows Autopilot"): every Autopilot device by its ZTDID
 * physical id, or those of one group tag ([OrderID]:<tag>) or purchase order ([PurchaseOrderId]:<po>).
 * The rule language's keywords and these tokens are case-insensitive (the docs mix
 * devicePhysicalIDs / devicePhysicalIds, [ZTDID] / [ZTDId], [OrderID] / [OrderId]).
 */
export type RuleForm = 'ZTDID' | 'OrderID' | 'PurchaseOrderId';

const FORMS: { form: RuleForm; pattern: RegExp }[] = [
  { form: 'ZTDID', pattern: /device\.devicePhysicalIds\s+-any\s+\(\s*_\s+-(contains|startsWith)\s+"\[ZTDID\]/i },
  { form: 'OrderID', pattern: /device\.devicePhysicalIds\s+-any\s+\(\s*_\s+-(eq|contains|startsWith)\s+"\[OrderID\]:/i },
  { form: 'PurchaseOrderId', pattern: /device\.devicePhysicalIds\s+-any\s+\(\s*_\s+-(eq|contains|startsWith)\s+"\[PurchaseOrderId\]:/i },
];

export function matchesAutopilotDevices(rule: string): { ok: true; form: RuleForm } | { ok: false } {
  for (const { form, pattern } of FORMS) if (pattern.test(rule)) return { ok: true, form };
  return { ok: false };
}
