import { describe, expect, it } from 'vitest';
import { expectNoSecretsInMessages, expectWellFormedStream, hash, HEADER, HEADER5, parse, verdicts } from './helpers';

describe('intake formats and CSV dialects', () => {
  it('reads the Intune format with group tag and assigned user, keeping every value', async () => {
    const h1 = hash('SN-1');
    const h2 = hash('SN-2', 'Fabrikam', 'Book 14');
    const p = await parse(`${HEADER5}\r\nSN-1,3300000000001,${h1},Sales,adele@contoso.com\r\nSN-2,,${h2},,\r\n`);
    expectWellFormedStream(p);
    expect(p.header).toEqual({ kind: 'header', format: 'intune', encoding: 'utf-8', columns: HEADER5.split(','), warnings: [] });
    expect(p.rows).toEqual([
      {
        status: 'valid',
        line: 2,
        serialNumber: 'SN-1',
        hardwareHash: h1,
        productKey: '3300000000001',
        groupTag: 'Sales',
        assignedUser: 'adele@contoso.com',
        manufacturer: 'Contoso',
        model: 'Laptop 7',
        hashSerialNumber: 'SN-1',
        warnings: [],
      },
      {
        status: 'valid',
        line: 3,
        serialNumber: 'SN-2',
        hardwareHash: h2,
        manufacturer: 'Fabrikam',
        model: 'Book 14',
        hashSerialNumber: 'SN-2',
        warnings: [],
      },
    ]);
    expect(p.end).toMatchObject({ rowCount: 2, validCount: 2, rejectedCount: 0, duplicateCount: 0, blankLineCount: 0, warnings: [] });
  });

  it('reads the partner format and flags a manufacturer or model that differs from the hash', async () => {
    const p = await parse(
      `${HEADER},Manufacturer name,Device model\n` +
        `P-1,,${hash('P-1', 'Contoso', 'Laptop 7')},Contoso,Laptop 7\n` +
        `P-2,,${hash('P-2', 'Contoso', 'Laptop 7')},Fabrikam,Laptop 9\n`,
    );
    expectWellFormedStream(p);
    expect(p.header!.format).toBe('partner');
    expect(p.rows[0]).toMatchObject({ status: 'valid', rowManufacturer: 'Contoso', rowModel: 'Laptop 7', warnings: [] });
    const second = p.rows[1]!;
    expect(second).toMatchObject({
      status: 'valid',
      rowManufacturer: 'Fabrikam',
      rowModel: 'Laptop 9',
      manufacturer: 'Contoso',
      model: 'Laptop 7',
    });
    expect(second.status === 'valid' && second.warnings.map((w) => w.code)).toEqual(['manufacturer-mismatch', 'model-mismatch']);
  });

  it('maps the legacy OrderID column to the group tag; Group Tag wins when both are filled', async () => {
    const legacy = await parse(`${HEADER},OrderID\nL-1,,${hash('L-1')},PO-42\n`);
    expect(legacy.header!.format).toBe('legacy-orderid');
    expect(legacy.rows[0]).toMatchObject({ status: 'valid', groupTag: 'PO-42' });

    const both = await parse(`${HEADER},Group Tag,OrderID\nB-1,,${hash('B-1')},Sales,PO-42\nB-2,,${hash('B-2')},,PO-43\n`);
    expect(both.header!.format).toBe('intune');
    expect(both.header!.warnings.join(' ')).toContain("'Group Tag' wins");
    expect(both.rows[0]).toMatchObject({ status: 'valid', groupTag: 'Sales', warnings: [{ code: 'group-tag-conflict' }] });
    expect(both.rows[1]).toMatchObject({ status: 'valid', groupTag: 'PO-43', warnings: [] });
  });

  it('accepts header case and whitespace differences, and column order, with a warning per column', async () => {
    const p = await parse(` hardware hash ,DEVICE SERIAL NUMBER,windows product id,GroupTag\n ${hash('X-1')} ,X-1  ,,  Sales \n`);
    expectWellFormedStream(p);
    expect(p.header!.columns).toEqual(['hardware hash', 'DEVICE SERIAL NUMBER', 'windows product id', 'GroupTag']);
    expect(p.header!.warnings).toHaveLength(4);
    expect(p.header!.warnings[0]).toMatch(/'hardware hash' was read as 'Hardware Hash'/);
    expect(p.rows[0]).toMatchObject({ status: 'valid', serialNumber: 'X-1', groupTag: 'Sales' });
  });

  it('handles quoted fields, doubled quotes and quoted empty fields', async () => {
    const h = hash('Q "1"');
    const p = await parse(`"Device Serial Number","Windows Product ID","Hardware Hash","Group Tag"\n"Q ""1""","","${h}", "Lab"\n`);
    expectWellFormedStream(p);
    expect(p.rows[0]).toMatchObject({ status: 'valid', serialNumber: 'Q "1"', hardwareHash: h, groupTag: 'Lab', warnings: [] });
  });

  it('accepts LF, CRLF and lone-CR line endings, ignores blank and all-empty lines, and counts them', async () => {
    const p = await parse(`\n\n${HEADER}\r\nA-1,,${hash('A-1')}\r\n\r\n,,\rA-2,,${hash('A-2')}\rA-3,,${hash('A-3')}\n   \n`);
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual(['4:valid', '7:valid', '8:valid']);
    expect(p.end!.blankLineCount).toBe(3);
  });

  it('tolerates trailing empty columns and missing trailing optional fields', async () => {
    const p = await parse(`${HEADER5},,\nT-1,,${hash('T-1')},,,,\nT-2,,${hash('T-2')}\nT-3,,${hash('T-3')},Sales\n`);
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual(['2:valid', '3:valid', '4:valid']);
    expect(p.rows[2]).toMatchObject({ groupTag: 'Sales' });
  });

  it('reads semicolon- and tab-separated files (regional Excel) with a warning', async () => {
    for (const [sep, name] of [
      [';', 'semicolon'],
      ['\t', 'tab'],
    ] as const) {
      const p = await parse(`Device Serial Number${sep}Windows Product ID${sep}Hardware Hash\nS-1${sep}${sep}${hash('S-1')}\n`);
      expectWellFormedStream(p);
      expect(p.header!.warnings.join(' ')).toContain(`${name}s, not commas`);
      expect(verdicts(p)).toEqual(['2:valid']);
    }
  });

  it("skips PowerShell's #TYPE line and Excel's sep= line before the header", async () => {
    const p = await parse(`#TYPE Selected.System.Management.Automation.PSCustomObject\n${HEADER}\nP-1,,${hash('P-1')}\n`);
    expectWellFormedStream(p);
    expect(p.header!.warnings.join(' ')).toContain('#TYPE');
    expect(verdicts(p)).toEqual(['3:valid']);
    const q = await parse(`sep=,\n${HEADER}\nP-1,,${hash('P-1')}\n`);
    expect(verdicts(q)).toEqual(['3:valid']);
  });

  it('ignores unknown columns with a warning and accepts a file without the product ID column', async () => {
    const p = await parse(`Device Serial Number,Hardware Hash,Asset Tag\nU-1,${hash('U-1')},ASSET-7\n`);
    expectWellFormedStream(p);
    expect(p.header!.warnings.join(' ')).toContain("Ignored unknown column(s): 'Asset Tag'");
    expect(p.header!.warnings.join(' ')).toContain("No 'Windows Product ID' column");
    expect(p.rows[0]).toMatchObject({ status: 'valid', serialNumber: 'U-1' });
    expect(p.rows[0]).not.toHaveProperty('productKey');
  });

  it('flags a serial that differs from the one inside the hash, still imports it, and keeps the hash out of the message', async () => {
    const h = hash('REAL-SERIAL');
    const p = await parse(`${HEADER}\nTYPO-SERIAL,,${h}\nreal-serial ,,${hash('real-serial')}\n`);
    expectWellFormedStream(p);
    const [mismatch, caseOnly] = p.rows;
    expect(mismatch).toMatchObject({
      status: 'valid',
      serialNumber: 'TYPO-SERIAL',
      hashSerialNumber: 'REAL-SERIAL',
      warnings: [{ code: 'serial-mismatch' }],
    });
    expect(mismatch!.status === 'valid' && mismatch!.warnings[0]!.message).toContain('TYPO-SERIAL');
    // Trimmed, case-insensitive comparison: not a mismatch.
    expect(caseOnly).toMatchObject({ status: 'valid', serialNumber: 'real-serial', warnings: [] });
    expectNoSecretsInMessages(p, [h]);
  });

  it('reports duplicates once, by hash or by serial, pointing at the first occurrence', async () => {
    const h1 = hash('D-1');
    const p = await parse(
      `${HEADER}\nD-1,,${h1}\nD-2,,${hash('D-2')}\nD-1,,${h1}\nd-2,,${hash('D-2', 'Other', 'Device')}\nD-1,,${h1}\nD-3,,not base64!\nD-3,,${hash('D-3')}\n`,
    );
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual([
      '2:valid',
      '3:valid',
      '4:duplicate:hash@2',
      '5:duplicate:serial@3',
      '6:duplicate:hash@2',
      '7:rejected:hash-not-base64',
      '8:valid',
    ]);
    expect(p.rows[3]).toMatchObject({ serialNumber: 'd-2' });
    expect(p.rows[3]!.status === 'duplicate' && p.rows[3]!.message).toContain('different hardware hash');
    expect(p.end).toMatchObject({ rowCount: 7, validCount: 3, rejectedCount: 1, duplicateCount: 3 });
  });
});
