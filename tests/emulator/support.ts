import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import {
  createEmulatorGraphClient,
  relativeLink,
  startGraphEmulator,
  type EmulatorOptions,
  type GraphEmulator,
} from '../../local/graph-emulator';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';

export interface Harness {
  emu: GraphEmulator;
  /** The real Graph SDK client, token "test-app". */
  client: Client;
  clientFor(token: string): Client;
}

export async function startHarness(opts: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startGraphEmulator({ timeScale: 0, ...opts });
  return {
    emu,
    client: createEmulatorGraphClient({ url: emu.url, token: 'test-app' }),
    clientFor: (token) => createEmulatorGraphClient({ url: emu.url, token }),
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A request through the SDK with the raw Response (status and headers of errors included). */
export async function raw(
  client: Client,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  version: 'v1.0' | 'beta',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const request = client.api(path).version(version).headers(headers).responseType(ResponseType.RAW);
  const response = (await (method === 'GET'
    ? request.get()
    : method === 'DELETE'
      ? request.delete()
      : method === 'PATCH'
        ? request.patch(body)
        : request.post(body ?? {}))) as Response;
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Follows @odata.nextLink to the end; returns every item and the number of pages. */
export async function listAll<T>(
  client: Client,
  url: string,
  version: 'v1.0' | 'beta',
  path: string,
  headers: Record<string, string> = {},
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  let next: { version: string; path: string } | undefined = { version, path };
  while (next) {
    const page = (await client.api(next.path).version(next.version).headers(headers).get()) as { value: T[]; '@odata.nextLink'?: string };
    pages++;
    items.push(...page.value);
    next = page['@odata.nextLink'] ? relativeLink(url, page['@odata.nextLink']) : undefined;
  }
  return { items, pages };
}

/** Polls until `check` returns a value, at most `attempts` times; fails with the last observation. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  attempts = 50,
  intervalMs = 20,
): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: condition not met after ${attempts} attempts; last value ${JSON.stringify(last)}`);
}

export function hashFor(serialNumber: string, manufacturer = 'Contoso', model = 'Surface Laptop 5'): string {
  return generateHardwareHash({ serialNumber, manufacturer, model });
}

export interface ImportedRecord {
  id: string;
  serialNumber: string | null;
  state: { deviceImportStatus: string; deviceRegistrationId: string; deviceErrorCode: number; deviceErrorName: string };
}

export function importBody(devices: { serialNumber: string; hardwareIdentifier: string; groupTag?: string }[]): unknown {
  return {
    importedWindowsAutopilotDeviceIdentities: devices.map((d) => ({
      '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
      serialNumber: d.serialNumber,
      hardwareIdentifier: d.hardwareIdentifier,
      groupTag: d.groupTag ?? '',
      productKey: '',
      importId: 'test-import',
      assignedUserPrincipalName: '',
      state: {
        '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
        deviceImportStatus: 'pending',
        deviceRegistrationId: '',
        deviceErrorCode: 0,
        deviceErrorName: '',
      },
    })),
  };
}

export async function importDevices(
  client: Client,
  devices: { serialNumber: string; hardwareIdentifier: string; groupTag?: string }[],
): Promise<ImportedRecord[]> {
  const result = (await client.api('/deviceManagement/importedWindowsAutopilotDeviceIdentities/import').post(importBody(devices))) as {
    value: ImportedRecord[];
  };
  return result.value;
}

export async function getImport(client: Client, id: string): Promise<ImportedRecord> {
  return (await client.api(`/deviceManagement/importedWindowsAutopilotDeviceIdentities/${id}`).get()) as ImportedRecord;
}
