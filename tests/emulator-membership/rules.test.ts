import { describe, expect, it } from 'vitest';
import { MAX_RULE_LENGTH, parseMembershipRule, type RuleSubject } from '../../local/graph-emulator/membership';

function compiled(rule: string): (subject: RuleSubject) => boolean {
  const parsed = parseMembershipRule(rule);
  if (!parsed.ok) throw new Error(`expected "${rule}" to parse, got: ${parsed.error}`);
  return (subject) => parsed.evaluate(subject);
}

function rejection(rule: string): string {
  const parsed = parseMembershipRule(rule);
  if (parsed.ok) throw new Error(`expected "${rule}" to be rejected`);
  return parsed.error;
}

const surface: RuleSubject = {
  objectId: '11111111-2222-3333-4444-555555555555',
  deviceId: 'd4fe7726-5966-431c-b3b8-cddc8fdb717d',
  displayName: 'SN-ABC-001',
  deviceOSType: 'Windows',
  deviceOSVersion: '10.0.22631.4460',
  deviceModel: 'Surface Laptop 5',
  deviceManufacturer: 'Microsoft Corporation',
  deviceOwnership: 'Company',
  enrollmentProfileName: 'Autopilot "Kiosk" profile',
  accountEnabled: true,
  isRooted: false,
  managementType: 'MDM',
  devicePhysicalIds: ['[ZTDID]:6349bbfe-c07a-444c-a7e0-eee62553f000', '[OrderID]:Sales', '[PurchaseOrderId]:76222342342'],
  systemLabels: ['M365Managed'],
};
const bare: RuleSubject = {
  objectId: '99999999-0000-0000-0000-000000000000',
  displayName: 'kiosk-7',
  accountEnabled: false,
  devicePhysicalIds: [],
};

describe('device string operators', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['device.deviceOSType -eq "Windows"', true, false],
    ['device.deviceOSType -ne "Windows"', false, true],
    ['device.deviceOSVersion -startsWith "10.0.2"', true, false],
    ['device.deviceOSVersion -notStartsWith "10.0.2"', false, true],
    ['device.deviceModel -endsWith "Laptop 5"', true, false],
    ['device.deviceModel -notEndsWith "Laptop 5"', false, true],
    ['device.deviceManufacturer -contains "Microsoft"', true, false],
    ['device.deviceManufacturer -notContains "Microsoft"', false, true],
    ['device.displayName -match "^SN-[A-Z]+-[0-9]{3}$"', true, false],
    ['device.displayName -notMatch "^SN-"', false, true],
    ['device.deviceOwnership -in ["Company","Personal"]', true, false],
    ['device.deviceOwnership -notIn ["Company","Personal"]', false, true],
    ['device.managementType -eq "MDM"', true, false],
    ['device.objectId -ne null', true, true],
    ['device.deviceModel -eq null', false, true],
  ];
  it.each(cases)('%s → %s for a registered device, %s for a bare one', (rule, onSurface, onBare) => {
    const evaluate = compiled(rule);
    expect(evaluate(surface)).toBe(onSurface);
    expect(evaluate(bare)).toBe(onBare);
  });

  it('compares strings, property names and operators case-insensitively', () => {
    expect(compiled('device.DEVICEOSTYPE -EQ "windows"')(surface)).toBe(true);
    expect(compiled('Device.deviceostype -StartsWith "WIN"')(surface)).toBe(true);
    expect(compiled('device.deviceOwnership -in ["company"]')(surface)).toBe(true);
    expect(compiled('device.displayName -match "^sn-abc"')(surface)).toBe(true);
    // Subjects whose keys are spelled differently from the rule are still found.
    expect(compiled('device.devicePhysicalIds -any _ -startsWith "[ztdid]"')({ devicePhysicalIDs: ['[ZTDId]:x'] })).toBe(true);
  });

  it('accepts operators without the hyphen and with the en dash the docs print', () => {
    expect(compiled('device.deviceOSType eq "Windows"')(surface)).toBe(true);
    expect(compiled('device.deviceOSType \u2013eq "Windows" \u2013and device.accountEnabled \u2013eq true')(surface)).toBe(true);
    expect(compiled('(device.deviceOSType eq "Windows") and (device.isRooted eq false)')(surface)).toBe(true);
  });

  it('reads backtick-escaped quotes and single-quoted strings', () => {
    expect(compiled('device.enrollmentProfileName -eq "Autopilot `"Kiosk`" profile"')(surface)).toBe(true);
    expect(compiled("device.displayName -eq 'kiosk-7'")(bare)).toBe(true);
    expect(compiled("device.displayName -eq 'O''Brien'")({ displayName: "O'Brien" })).toBe(true);
  });

  it('treats a missing property as null: it satisfies -eq null and negated operators, no positive one', () => {
    const subject: RuleSubject = {};
    expect(compiled('device.deviceCategory -eq null')(subject)).toBe(true);
    expect(compiled('device.deviceCategory -ne "BYOD"')(subject)).toBe(true);
    expect(compiled('device.deviceCategory -contains ""')(subject)).toBe(false);
    expect(compiled('device.deviceCategory -notContains "x"')(subject)).toBe(true);
    expect(compiled('device.deviceCategory -in ["BYOD"]')(subject)).toBe(false);
  });
});

describe('boolean properties', () => {
  it('compares accountEnabled and isRooted with true/false and null', () => {
    expect(compiled('device.accountEnabled -eq true')(surface)).toBe(true);
    expect(compiled('device.accountEnabled -eq True')(bare)).toBe(false);
    expect(compiled('device.accountEnabled -ne true')(bare)).toBe(true);
    expect(compiled('device.isRooted -eq false')(surface)).toBe(true);
    expect(compiled('device.isRooted -eq null')(bare)).toBe(true);
    expect(compiled('device.isRooted -ne null')(surface)).toBe(true);
  });
});

describe('devicePhysicalIds with -any and -all', () => {
  const ztd = { devicePhysicalIds: ['[ZTDID]:a', '[ZTDID]:b'] };
  it.each([
    ['device.devicePhysicalIDs -any (_ -contains "[ZTDID]")', true, true, false],
    ['device.devicePhysicalIds -any _ -startsWith "[ZTDId]"', true, true, false],
    ['device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:76222342342")', true, false, false],
    ['device.devicePhysicalIds -any (_ -match "^\\[OrderID\\]:Sal")', true, false, false],
    ['device.devicePhysicalIds -any (_ -in ["[OrderID]:Sales","[OrderID]:HR"])', true, false, false],
    ['device.devicePhysicalIds -all (_ -contains "[ZTDID]")', false, true, true],
    ['device.devicePhysicalIds -all (_ -startsWith "[ZTDID]" -or _ -startsWith "[OrderID]")', false, true, true],
    ['device.devicePhysicalIds -any (_ -contains "[ZTDID]" -and -not (_ -contains ":b"))', true, true, false],
  ])('%s → %s / %s / %s', (rule, onSurface, onZtdOnly, onEmpty) => {
    const evaluate = compiled(rule);
    expect(evaluate(surface)).toBe(onSurface);
    expect(evaluate(ztd)).toBe(onZtdOnly);
    expect(evaluate({ devicePhysicalIds: [] })).toBe(onEmpty);
  });

  it('applies a direct operator to every element (any for positive, none for negated)', () => {
    expect(compiled('device.systemLabels -startsWith "M365"')(surface)).toBe(true);
    expect(compiled('device.systemLabels -notStartsWith "M365"')(surface)).toBe(false);
    expect(compiled('device.systemLabels -notStartsWith "M365"')(bare)).toBe(true);
    expect(compiled('device.devicePhysicalIds -eq null')(bare)).toBe(true);
    expect(compiled('device.devicePhysicalIds -ne null')(surface)).toBe(true);
  });

  it('selects by group tag and purchase order exactly, not by prefix', () => {
    const byTag = compiled('(device.devicePhysicalIds -any _ -eq "[OrderID]:Sales")');
    expect(byTag(surface)).toBe(true);
    expect(byTag({ devicePhysicalIds: ['[OrderId]:sales'] })).toBe(true);
    expect(byTag({ devicePhysicalIds: ['[OrderID]:Sales2'] })).toBe(false);
    expect(byTag({ devicePhysicalIds: ['[PurchaseOrderId]:Sales'] })).toBe(false);
  });
});

describe('precedence and grouping', () => {
  const t = 'device.accountEnabled -eq true';
  const f = 'device.accountEnabled -eq false';
  const on = { accountEnabled: true };
  it('-and binds tighter than -or', () => {
    expect(compiled(`${t} -or ${f} -and ${f}`)(on)).toBe(true); // t or (f and f)
    expect(compiled(`(${t} -or ${f}) -and ${f}`)(on)).toBe(false);
    expect(compiled(`${f} -and ${f} -or ${t}`)(on)).toBe(true); // (f and f) or t
  });
  it('-not binds tighter than -and and applies to a whole comparison', () => {
    expect(compiled(`-not ${f} -and ${t}`)(on)).toBe(true);
    expect(compiled(`-not (${t} -and ${f})`)(on)).toBe(true);
    expect(compiled(`-not ${t} -or ${t}`)(on)).toBe(true); // (not t) or t
    expect(compiled(`-not -not ${t}`)(on)).toBe(true);
  });
  it('combines the Autopilot rule with other device properties', () => {
    const rule = compiled(
      '(device.devicePhysicalIds -any (_ -contains "[ZTDID]")) -and (device.deviceOSType -eq "Windows") -and -not (device.displayName -startsWith "kiosk")',
    );
    expect(rule(surface)).toBe(true);
    expect(rule({ ...surface, displayName: 'Kiosk-1' })).toBe(false);
    expect(rule(bare)).toBe(false);
  });
  it('lets an unparenthesised -any condition end at -and', () => {
    const rule = compiled('device.devicePhysicalIds -any _ -contains "[ZTDID]" -and device.accountEnabled -eq true');
    expect(rule(surface)).toBe(true);
    expect(rule({ ...surface, accountEnabled: false })).toBe(false);
  });
});

describe('memberOf', () => {
  it('matches a device in one of the listed groups', () => {
    const rule = compiled("device.memberOf -any (group.objectId -in ['g1','g2'])");
    expect(rule({ memberOf: ['g0', 'g2'] })).toBe(true);
    expect(rule({ memberOf: ['g3'] })).toBe(false);
    expect(rule({})).toBe(false);
  });
});

describe('rules the service rejects', () => {
  it.each([
    ['', /the rule is empty/],
    ['   ', /the rule is empty/],
    ['device.colour -eq "red"', /unknown device property 'colour'/],
    ['device.deviceOSType -equals "Windows"', /unknown operator -equals/],
    ['device.deviceOSType "Windows"', /expected an operator after device.deviceOSType/],
    ['(device.deviceOSType -eq "Windows"', /unbalanced parentheses: '\(' is never closed/],
    ['device.deviceOSType -eq "Windows")', /unbalanced parentheses: unexpected '\)'/],
    ['device.devicePhysicalIds -any (_ -contains "[ZTDID]"', /unbalanced parentheses/],
    ['device.accountEnabled -eq "yes"', /boolean property; the value must be true or false/],
    ['device.accountEnabled -contains true', /only -eq and -ne apply/],
    ['device.deviceOSType -eq true', /string property; the value must be a quoted string/],
    ['device.deviceOSType -eq 10', /wrong value type/],
    ['device.deviceOSType -eq Windows', /string values must be quoted/],
    ['user.department -eq "Sales"', /'user.department' is a user property/],
    ['(device.deviceOSType -eq "Windows") -or (user.userType -eq "Member")', /user property/],
    ['accountEnabled -eq true', /must be qualified with its object/],
    ['group.displayName -eq "x"', /unknown object 'group'/],
    ['device.deviceOSType -in "Windows"', /needs a list of values/],
    ['device.deviceOSType -eq ["Windows"]', /a value list is allowed only with -in and -notIn/],
    ['device.deviceOSType -in []', /the value list is empty/],
    ['device.deviceOSType -in ["a" "b"]', /expected ',' or '\]'/],
    ['device.deviceOSType -contains null', /null can be compared only with -eq or -ne/],
    ['device.displayName -match "(unclosed"', /not a valid regular expression/],
    ['device.displayName -any (_ -eq "x")', /invalid operands found for operator -any: device.displayName is not a multi-valued property/],
    ['device.devicePhysicalIds -any (device.displayName -eq "x")', /must refer to _/],
    ['_ -eq "x"', /'_' can only be used inside -any or -all/],
    ['device.devicePhysicalIds -any', /a condition must follow/],
    ['device.deviceOSType -eq "Windows" device.isRooted -eq false', /expected -and, -or or the end of the rule/],
    ['device.deviceOSType -eq "Windows" -and', /the rule ends where an expression was expected/],
    ['device.displayName -eq "unterminated', /unterminated string/],
    ['device.displayName -eq \u201cfancy\u201d', /typographic quote/],
    ['device.deviceOSVersion -ge "10"', /operator -ge is not supported/],
    ['device.deviceOSType - eq "Windows"', /must be followed by an operator name/],
    ["device.memberOf -any (group.objectId -in ['g1']) -and device.accountEnabled -eq true", /memberOf cannot be combined/],
    ["device.memberOf -all (group.objectId -in ['g1'])", /memberOf supports only -any/],
    ['device.deviceOSType # "x"', /unexpected character '#'/],
  ])('%j is rejected', (rule, message) => {
    const error = rejection(rule);
    expect(error.startsWith('Invalid membership rule: ')).toBe(true);
    expect(error).toMatch(message);
  });

  it('points at the offending character', () => {
    expect(rejection('device.deviceOSType -foo "x"')).toBe('Invalid membership rule: unknown operator -foo (at character 21)');
  });

  it('enforces the documented 3,072-character limit', () => {
    const clause = ' -or device.displayName -eq "x"';
    let rule = 'device.displayName -eq "x"';
    while (rule.length + clause.length <= MAX_RULE_LENGTH) rule += clause;
    expect(parseMembershipRule(rule).ok).toBe(true);
    expect(rejection(`${rule}${clause}`)).toMatch(/maximum is 3072/);
  });
});
