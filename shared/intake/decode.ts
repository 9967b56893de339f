/**
 * Bytes → text for the CSV intake, as a stream. The encoding is decided from the first bytes:
 * a BOM wins (UTF-8, UTF-16LE — what Windows PowerShell 5.1's Out-File writes — or UTF-16BE);
 * without one, UTF-16 is recognised by its NUL pattern, and otherwise the file is UTF-8 unless its
 * first non-ASCII bytes are not valid UTF-8, in which case it is an "ANSI" (Windows-1252) file as
 * the Intune portal's own instructions produce. Pure-ASCII text decodes the same under both, so
 * the decision can wait for the first non-ASCII byte without buffering the file.
 */
import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { IntakeEncoding } from './types';
import { EXPECTED_FILE } from './expected';

/** How much of the start of the file is read before anything is decided. */
export const SNIFF_BYTES = 64 * 1024;

export interface TextStream {
  /** Best knowledge so far; may change once (ASCII start → Windows-1252) while `chunks` is read. */
  readonly encoding: IntakeEncoding;
  readonly warnings: readonly string[];
  readonly chunks: AsyncGenerator<string, void, undefined>;
}

export type OpenedText = { kind: 'text'; text: TextStream } | { kind: 'empty' } | { kind: 'not-text'; reason: string };

const MAGIC: Array<{ bytes: number[]; what: string }> = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    what: "a ZIP archive (an Excel .xlsx workbook is one: save it with 'CSV (Comma delimited)' instead)",
  },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: "a legacy Office document such as an .xls workbook (save it as 'CSV (Comma delimited)')" },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an executable (ELF)' },
];

function startsWith(buf: Uint8Array, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

function firstNonAscii(buf: Uint8Array): number {
  if (isAscii(buf)) return -1;
  for (let i = 0; i < buf.length; i++) if ((buf[i] as number) >= 0x80) return i;
  return -1;
}

/** UTF-16 without a BOM: ASCII characters show up as a NUL every other byte. */
function utf16WithoutBom(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(head.length, 64) & ~1;
  if (n < 4) return undefined;
  let le = 0;
  let be = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] !== 0 && head[i + 1] === 0) le++;
    if (head[i] === 0 && head[i + 1] !== 0) be++;
  }
  const pairs = n / 2;
  if (le >= pairs * 0.9) return 'utf-16le';
  if (be >= pairs * 0.9) return 'utf-16be';
  return undefined;
}

/**
 * Judges UTF-8 from the bytes starting at the first non-ASCII one. Clean UTF-8 → yes. Mostly valid
 * multi-byte sequences with a few broken bytes → a damaged UTF-8 file (decoding it as 1252 would turn
 * every "ü" into "Ã¼"); otherwise the bytes are single-byte "ANSI" text.
 */
function looksLikeUtf8(window: Uint8Array): boolean {
  // stream: true so a sequence cut at the window's end is not held against the file.
  const text = new TextDecoder('utf-8').decode(window, { stream: true });
  let good = 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) bad++;
    else if (c >= 0x80) good++;
  }
  return bad === 0 || good > bad;
}

/** Bytes only: a string chunk (a stream with setEncoding) has already been decoded, maybe wrongly. */
function asBuffer(chunk: unknown): Buffer {
  if (!(chunk instanceof Uint8Array)) {
    throw new TypeError(
      `readIntakeCsv: the source yielded ${typeof chunk} chunks; pass raw bytes (Uint8Array/Buffer), e.g. a stream without setEncoding()`,
    );
  }
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function decoderLabel(encoding: IntakeEncoding): string {
  return encoding === 'utf-8-bom' ? 'utf-8' : encoding;
}

class Decoding implements TextStream {
  encoding: IntakeEncoding;
  readonly warnings: string[] = [];
  readonly chunks: AsyncGenerator<string, void, undefined>;
  private decoder: TextDecoder | undefined;

  constructor(
    private readonly head: Buffer,
    private readonly rest: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    private restDone: boolean,
    encoding: IntakeEncoding | undefined,
  ) {
    this.encoding = encoding ?? 'utf-8';
    // undefined decoder = "ASCII so far, not decided": such bytes are emitted as latin1 text.
    if (encoding) this.decoder = new TextDecoder(decoderLabel(encoding));
    this.chunks = this.run();
  }

  private decide(window: Uint8Array): TextDecoder {
    this.encoding = looksLikeUtf8(window) ? 'utf-8' : 'windows-1252';
    this.decoder = new TextDecoder(decoderLabel(this.encoding));
    return this.decoder;
  }

  private async *run(): AsyncGenerator<string, void, undefined> {
    let carry: Buffer | undefined;
    const feed = (bytes: Buffer, last: boolean): string => {
      if (this.decoder) return this.decoder.decode(bytes, { stream: !last });
      const buf = carry ? Buffer.concat([carry, bytes]) : bytes;
      carry = undefined;
      const at = firstNonAscii(buf);
      if (at < 0) return buf.toString('latin1');
      // Need a few bytes past the first non-ASCII one to judge it; wait for them unless at the end.
      if (buf.length - at < 4 && !last) {
        carry = buf.subarray(at);
        return buf.subarray(0, at).toString('latin1');
      }
      const decoder = this.decide(buf.subarray(at, at + SNIFF_BYTES));
      return buf.subarray(0, at).toString('latin1') + decoder.decode(buf.subarray(at), { stream: !last });
    };

    try {
      let out = feed(this.head, this.restDone);
      if (out) yield out;
      while (!this.restDone) {
        const next = await this.rest.next();
        if (next.done) {
          this.restDone = true;
          out = feed(Buffer.alloc(0), true);
        } else {
          out = feed(asBuffer(next.value), false);
        }
        if (out) yield out;
      }
    } finally {
      // Stopped early (file rejected, consumer gone): release the source, e.g. a blob download socket.
      if (!this.restDone) await this.rest.return?.();
    }
  }
}

/** Reads the start of the stream, recognises non-text files and the encoding, and returns the text stream. */
export async function openText(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<OpenedText> {
  const rest: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const parts: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < SNIFF_BYTES) {
    const next = await rest.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = asBuffer(next.value);
    parts.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(parts);
  if (head.length === 0) return { kind: 'empty' };

  const magic = MAGIC.find((m) => startsWith(head, m.bytes));
  if (magic) {
    if (!done) await rest.return?.();
    return { kind: 'not-text', reason: `The file is ${magic.what}, not a CSV of devices. ${EXPECTED_FILE}` };
  }

  let encoding: IntakeEncoding | undefined;
  const warnings: string[] = [];
  if (startsWith(head, [0xef, 0xbb, 0xbf])) encoding = 'utf-8-bom';
  else if (startsWith(head, [0xff, 0xfe])) encoding = 'utf-16le';
  else if (startsWith(head, [0xfe, 0xff])) encoding = 'utf-16be';
  else {
    const utf16 = utf16WithoutBom(head);
    if (utf16) {
      encoding = utf16;
      warnings.push(
        `The file is ${utf16.toUpperCase()} without a byte-order mark; it was read as ${utf16.toUpperCase()}. Save it as UTF-8 to be safe.`,
      );
    } else {
      const at = firstNonAscii(head);
      if (at >= 0) encoding = looksLikeUtf8(head.subarray(at)) ? 'utf-8' : 'windows-1252';
      else if (done) encoding = 'utf-8';
      // else: ASCII so far; the decision waits for the first non-ASCII byte.
    }
  }
  const text = new Decoding(head, rest, done, encoding);
  text.warnings.push(...warnings);
  return { kind: 'text', text };
}
