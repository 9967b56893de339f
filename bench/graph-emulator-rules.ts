/**
 * Membership rule evaluations per second over 20,000 synthetic devices, for the rules the
 * pipeline and tests use. Prints one line per rule; nothing is asserted (figures go to
 * docs/PERFORMANCE.md, "Membership rules").
 *
 * npx tsx bench/graph-emulator-rules.ts [--devices 20000] [--rounds 15]
 */
import { performance } from 'node:perf_hooks';
import { parseMembershipRule, type RuleSubject } from '../local/graph-emulator/membership';

const RULES: Record<string, string> = {
  ztdid: '(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))',
  groupTag: '(device.devicePhysicalIds -any _ -eq "[OrderID]:Sales")',
  combined:
    '(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")) -and (device.deviceOSType -eq "Windows") ' +
    '-and -not (device.displayName -match "^KIOSK-[0-9]+$") -and device.deviceManufacturer -in ["Contoso","Fabrikam"]',
  allPhysicalIds: 'device.devicePhysicalIds -all (_ -match "^\\[(ZTDID|OrderID|PurchaseOrderId|HWID)\\]:")',
};

function option(argv: string[], flag: string, fallback: number): number {
  const at = argv.indexOf(flag);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer, got ${argv[at + 1]}`);
  return value;
}

function devices(count: number): RuleSubject[] {
  const tags = ['Sales', 'HR', 'Kiosk', 'Lab'];
  const makers = ['Contoso', 'Fabrikam', 'Northwind'];
  return Array.from({ length: count }, (_, i) => {
    const autopilot = i % 10 !== 0; // one in ten is not an Autopilot device
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return {
      objectId: id,
      deviceId: id,
      displayName: i % 7 === 0 ? `KIOSK-${i}` : `SN${i}`,
      deviceOSType: 'Windows',
      deviceOSVersion: '10.0.22631.4460',
      deviceManufacturer: makers[i % makers.length] as string,
      accountEnabled: true,
      devicePhysicalIds: autopilot
        ? [`[ZTDID]:${id}`, `[OrderID]:${tags[i % tags.length] as string}`, `[PurchaseOrderId]:PO-${i}`, `[HWID]:h:${i}`]
        : [`[HWID]:h:${i}`],
    };
  });
}

function main(argv: string[]): void {
  const deviceCount = option(argv, '--devices', 20_000);
  const rounds = option(argv, '--rounds', 15);
  const subjects = devices(deviceCount);
  console.log(`membership rules: ${deviceCount} devices x ${rounds} rounds, node ${process.version}`);
  for (const [name, text] of Object.entries(RULES)) {
    const parseStart = performance.now();
    const rule = parseMembershipRule(text);
    const parseMs = performance.now() - parseStart;
    if (!rule.ok) throw new Error(`bench rule ${name} does not parse: ${rule.error}`);
    let members = 0;
    for (const subject of subjects) if (rule.evaluate(subject)) members++; // warm-up, also the member count
    // The median pass, because the machine is shared and single passes are noisy.
    const passes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      for (const subject of subjects) rule.evaluate(subject);
      passes.push(performance.now() - start);
    }
    passes.sort((a, b) => a - b);
    const medianMs = passes[Math.floor(passes.length / 2)] as number;
    const perSecond = Math.round(deviceCount / (medianMs / 1000));
    console.log(
      `${name.padEnd(15)} ${perSecond.toLocaleString('en-US').padStart(12)} evaluations/s  ` +
        `(${members} of ${deviceCount} members; median pass ${medianMs.toFixed(1)} ms; parse ${parseMs.toFixed(2)} ms)`,
    );
  }
}

main(process.argv.slice(2));
