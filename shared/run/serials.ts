import type { DeviceState } from './model';

/** The service registers a device under the serial inside its hash, which a row may misspell. */
export function registeredSerial(d: Pick<DeviceState, 'serialNumber' | 'hashSerialNumber'>): string {
  return d.hashSerialNumber ?? d.serialNumber;
}
