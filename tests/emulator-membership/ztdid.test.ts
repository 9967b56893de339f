import { describe, expect, it } from 'vitest';
import { parseMembershipRule } from '../../local/graph-emulator/membership';

const autopilot = { devicePhysicalIds: ['[ZTDID]:6349bbfe-c07a-444c-a7e0-eee62553f000', '[OrderID]:Sales', '[PurchaseOrderId]:PO-77'] };
const plain = { devicePhysicalIds: ['[HWID]:h:6825816683144846'] };

describe('the Autopilot ZTDID rule', () => {
  it('selects devices carrying a ZTDID physical id and nothing else', () => {
    const rule = parseMembershipRule('(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))');
    if (!rule.ok) throw new Error(rule.error);
    expect(rule.evaluate(autopilot)).toBe(true);
    expect(rule.evaluate(plain)).toBe(false);
    expect(rule.evaluate({})).toBe(false);
  });

  it('selects by group tag with the unparenthesised OrderID form', () => {
    const rule = parseMembershipRule('(device.devicePhysicalIds -any _ -eq "[OrderID]:Sales")');
    if (!rule.ok) throw new Error(rule.error);
    expect(rule.evaluate(autopilot)).toBe(true);
    expect(rule.evaluate({ devicePhysicalIds: ['[ZTDID]:x', '[OrderID]:Salesforce'] })).toBe(false);
  });
});
