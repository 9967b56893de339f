import type { DeviceState } from './model';

/** The service registers a device under the serial inside its hash, which a row may misspell. */
export function registeredSerial(d: Pick<DeviceState, 'serialNumber' | 'hashSerialNumber'>): string {
  return d.hashSerialNumber ?? d.serialNumber;
}

/** contains() is the only serial filter the service accepts, and it fails on hyphens: search on the longest hyphen-free piece. */
export function serialSearchTerm(serial: string): string {
  const pieces = serial.split(/[-\s]/).filter(Boolean).sort((a, b) => b.length - a.length);
  return (pieces[0] ?? serial).replace(/'/g, "''");
}
