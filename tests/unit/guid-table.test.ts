/**
 * The compact id tables a large run's confirm step holds (up to 100,000 ids each): they must answer
 * exactly as a Set or a Map of the same ids would, GUIDs compared without case, anything else as given.
 */
import { describe, expect, it } from 'vitest';
import { GuidSet, GuidSlots } from '../../shared/graph/guid-table';
import { RegistrationTable } from '../../shared/graph/registration-table';

/** GUIDs that differ only in their last digits, as the emulator's and many tenants' do. */
const guid = (n: number) => `0d0a0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('GuidSet', () => {
  it('holds 50,000 ids that differ only at the end, and nothing else', () => {
    const set = new GuidSet();
    for (let i = 0; i < 50_000; i++) set.add(guid(i * 2));
    expect(set.size).toBe(50_000);
    let found = 0;
    let strays = 0;
    for (let i = 0; i < 50_000; i++) {
      if (set.has(guid(i * 2))) found++;
      if (set.has(guid(i * 2 + 1))) strays++;
    }
    expect([found, strays]).toEqual([50_000, 0]);
  });

  it('compares GUIDs without case and keeps other ids exactly, once each', () => {
    const set = new GuidSet().add('6F3C1A52-7B1E-4C1F-9D0A-2E5B8C4D7A10').add('6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a10').add('ztd-SN-1');
    expect(set.size).toBe(2);
    expect(set.has('6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a10')).toBe(true);
    expect(set.has('ztd-SN-1')).toBe(true);
    expect(set.has('ztd-sn-1')).toBe(false);
    expect(set.has('6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a1')).toBe(false);
    expect(set.has('6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a1g')).toBe(false);
    expect(set.has('6f3c1a52-7b1e-4c1f-9d0a2e5b8c4d7a10-')).toBe(false);
    expect(set.has('6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a1é')).toBe(false);
    expect(set.items()).toEqual(['6F3C1A52-7B1E-4C1F-9D0A-2E5B8C4D7A10', 'ztd-SN-1']);
  });

  it('lists its ids only while it holds at most 1,000 (small runs take the per-device paths)', () => {
    const set = new GuidSet();
    for (let i = 0; i < 1_000; i++) set.add(guid(i));
    expect(set.items()).toHaveLength(1_000);
    set.add(guid(1_000));
    expect(() => set.items()).toThrow(/more than the 1000/);
  });

  it('takes 16 bytes a GUID, half to three quarters full: 98,000 ids in 132,861 slots of 17 bytes, outside the heap', () => {
    const slots = new GuidSlots();
    for (let i = 0; i < 98_000; i++) {
      slots.locate(guid(i), true);
      const full = slots.size / (slots.bytes / 17);
      if (slots.size > 1_024 && (full < 0.5 || full > 0.75)) throw new Error(`${slots.size} ids, ${full} full`);
    }
    expect(slots.size).toBe(98_000);
    // 1,024 slots grown by half again eleven times (2^17 = 131,072 by doubling would not hold 98,000 at 3/4).
    expect(slots.bytes).toBe(132_861 * 17);
    for (let i = 0; i < 98_000; i++) if (slots.locate(guid(i), false) === undefined) throw new Error(`lost ${guid(i)}`);
  });

  it('marks its ids in place: eight marks each, only on ids it holds, GUIDs without case', () => {
    const set = new GuidSet();
    for (let i = 0; i < 3_000; i++) set.add(guid(i));
    set.add('ztd-SN-1');
    const even = set.marks(0);
    const third = set.marks(7);
    for (let i = 0; i < 6_000; i += 2) even.add(guid(i).toUpperCase());
    for (let i = 0; i < 3_000; i += 3) third.add(guid(i));
    third.add('ztd-SN-1');
    even.add('ztd-sn-1');
    for (let i = 0; i < 6_000; i++) {
      expect(even.has(guid(i))).toBe(i < 3_000 && i % 2 === 0);
      expect(third.has(guid(i))).toBe(i < 3_000 && i % 3 === 0);
      expect(set.marks(3).has(guid(i))).toBe(false);
    }
    expect([third.has('ztd-SN-1'), even.has('ztd-SN-1'), even.has('ztd-sn-1')]).toEqual([true, false, false]);
    // Marking never adds: the walks that mark filter on this very set.
    expect(set.size).toBe(3_001);
    expect(() => set.marks(8)).toThrow(RangeError);
  });
});

describe('RegistrationTable', () => {
  it('gives back what was recorded, as a Map of slim records would', () => {
    const table = new RegistrationTable();
    const expected = new Map<string, object>();
    for (let i = 0; i < 5_000; i++) {
      const id = guid(i);
      const aad = i % 3 === 0 ? undefined : guid(1_000_000 + i);
      const status = ['assignedInSync', 'pending', 'notAssigned', undefined][i % 4];
      table.set(id, aad, status);
      expected.set(id, { id, ...(aad ? { azureAdDeviceId: aad } : {}), deploymentProfileAssignmentStatus: status });
    }
    table.set('ztd-SN-1', 'aad-SN-1', 'assignedInSync');
    table.set(guid(9_999_999), 'not-a-guid', 'pending');
    expected.set('ztd-SN-1', { id: 'ztd-SN-1', azureAdDeviceId: 'aad-SN-1', deploymentProfileAssignmentStatus: 'assignedInSync' });
    expected.set(guid(9_999_999), { id: guid(9_999_999), azureAdDeviceId: 'not-a-guid', deploymentProfileAssignmentStatus: 'pending' });

    expect(table.size).toBe(expected.size);
    for (const [id, record] of expected) {
      expect(table.get(id)).toEqual(record);
      expect(table.has(id)).toBe(true);
    }
    expect(table.get(guid(5_000))).toBeUndefined();
    expect(table.has('ztd-sn-1')).toBe(false);
    // Asked in upper case, a GUID entry answers with the id as asked.
    expect(table.get(guid(1).toUpperCase())).toMatchObject({ id: guid(1).toUpperCase(), deploymentProfileAssignmentStatus: 'pending' });
    expect(new Map([...table.values()].map((r) => [r.id, r]))).toEqual(expected);
  });

  it('marks the registrations a walk finds, and only those it holds', () => {
    const table = new RegistrationTable();
    for (let i = 0; i < 2_000; i++) table.set(guid(i), guid(1_000_000 + i), 'assignedInSync');
    table.set('ztd-SN-1', undefined, undefined);
    const marked = table.marked();
    for (let i = 0; i < 4_000; i += 4) marked.add(guid(i));
    marked.add('ztd-SN-1');
    marked.add('ztd-SN-2');
    for (let i = 0; i < 4_000; i++) expect(marked.has(guid(i))).toBe(i < 2_000 && i % 4 === 0);
    expect([marked.has('ztd-SN-1'), marked.has('ztd-SN-2'), table.size]).toEqual([true, false, 2_001]);
    // The mark does not change what the table gives back.
    expect(table.get(guid(4))).toEqual({
      id: guid(4),
      azureAdDeviceId: guid(1_000_004),
      deploymentProfileAssignmentStatus: 'assignedInSync',
    });
  });

  it('keeps statuses beyond the 254 it can index beside the table', () => {
    const table = new RegistrationTable();
    for (let i = 0; i < 300; i++) table.set(guid(i), undefined, `status-${i}`);
    for (let i = 0; i < 300; i++) expect(table.get(guid(i))!.deploymentProfileAssignmentStatus).toBe(`status-${i}`);
  });
});
