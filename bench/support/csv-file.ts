/**
 * Large synthetic intake files written to disk in 256 KB batches (rows of ~2 KB: hashes of
 * 1.1–1.9 KB decoded, like real ones), for the benches that stream a file instead of holding it.
 * Written to `<file>.tmp` and renamed, so an interrupted run never leaves a short file behind.
 */
import { once } from 'node:events';
import { createWriteStream, renameSync } from 'node:fs';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';

export interface LargeCsvOptions {
  encoding?: 'utf-8' | 'utf-16le';
  /** Digits of the serial's number (`BENCH-000042`); files cached by name keep the width they were made with. */
  serialWidth: number;
}

export async function writeLargeCsv(file: string, rows: number, options: LargeCsvOptions): Promise<void> {
  const utf16 = options.encoding === 'utf-16le';
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const write = async (text: string): Promise<void> => {
    if (!out.write(Buffer.from(text, utf16 ? 'utf16le' : 'utf8'))) await once(out, 'drain');
  };
  if (utf16) out.write(Buffer.from([0xff, 0xfe]));
  await write('Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n');
  let batch = '';
  for (let i = 0; i < rows; i++) {
    const serial = `BENCH-${String(i).padStart(options.serialWidth, '0')}`;
    const hash = generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Laptop 7', padding: 1000 + (i % 800) });
    batch += `${serial},,${hash},Sales,user${i % 50}@contoso.com\r\n`;
    if (batch.length > 256 * 1024) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  out.end();
  await once(out, 'finish');
  renameSync(tmp, file);
}
