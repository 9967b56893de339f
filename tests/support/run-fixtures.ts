import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import type { RunSettings } from '../../shared/contracts';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { RunStore } from '../../shared/run/run-store';
import { CONTAINERS } from '../../shared/storage/object-store';

export const GROUP_ID = '11111111-1111-4111-8111-111111111111';
export const PROFILE_ID = '22222222-2222-4222-8222-222222222222';
export const ESP_ID = '33333333-3333-4333-8333-333333333333';

export function settings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    chunkSize: 2,
    poll: { initialSeconds: 10, maxSeconds: 60, factor: 2 },
    deadlines: { importMinutes: 30, registrationMinutes: 30, groupMinutes: 30, profileMinutes: 30, espMinutes: 30 },
    expected: { groupIds: [GROUP_ID], profileId: PROFILE_ID, espId: ESP_ID },
    ...overrides,
  };
}

export function csvOf(serials: string[], header = 'Device Serial Number,Windows Product ID,Hardware Hash'): string {
  const rows = serials.map((s) => `${s},,${generateHardwareHash({ serialNumber: s, manufacturer: 'Contoso', model: 'Model 1' })}`);
  return [header, ...rows].join('\r\n') + '\r\n';
}

export async function storeWithCsv(csv: string, name = 'drops/devices.csv') {
  const objects = new MemoryObjectStore();
  const etag = await objects.put(CONTAINERS.intake, name, csv, 'text/csv');
  return { objects, runs: new RunStore(objects), source: { container: CONTAINERS.intake, name, etag } };
}

export const T0 = '2026-11-28T10:00:00.000Z';
export const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
