/** Synthetic intake files: valid Autopilot CSVs with generated hardware hashes. */
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';

export const CSV_HEADER = 'Device Serial Number,Windows Product ID,Hardware Hash,Group Tag';

export function serialsFor(prefix: string, count: number, first = 1): string[] {
  const width = Math.max(5, String(first + count - 1).length);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(first + i).padStart(width, '0')}`);
}

export function hashFor(serial: string): string {
  return generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
}

export function csvRow(serial: string, groupTag = ''): string {
  return `${serial},,${hashFor(serial)},${groupTag}`;
}

/** A file in the format Get-WindowsAutopilotInfo writes (CRLF, UTF-8). */
export function deviceCsv(serials: string[], groupTag = ''): string {
  return [CSV_HEADER, ...serials.map((s) => csvRow(s, groupTag))].join('\r\n') + '\r\n';
}
