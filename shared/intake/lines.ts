/**
 * Text → physical lines, with a hard cap on line length. A line over the cap is reported by number
 * and length and its text is dropped as it streams past, so a 10 MB line costs no more memory than
 * one chunk. Line breaks are CRLF, LF or a lone CR (old Mac Excel).
 *
 * Records are physical lines: a quoted field may not span a line break. No column of a device CSV
 * can legitimately hold one, and this way an unclosed quote costs one row instead of swallowing the
 * rest of the file — every later line still gets its own verdict.
 */

export type PhysicalLine = { line: number; text: string; tooLong?: undefined } | { line: number; tooLong: true; length: number };

export async function* splitLines(chunks: AsyncIterable<string>, maxChars: number): AsyncGenerator<PhysicalLine, void, undefined> {
  let lineNo = 1;
  let pending = '';
  let overflow = -1; // ≥ 0: the current line is already too long; counts its characters
  let swallowLf = false; // the previous chunk ended with CR; a leading LF belongs to it
  const lineBreak = /[\r\n]/g; // per call: a shared regex's lastIndex would be clobbered by concurrent files

  const add = (segment: string): void => {
    if (overflow >= 0) {
      overflow += segment.length;
    } else if (pending.length + segment.length > maxChars) {
      overflow = pending.length + segment.length;
      pending = '';
    } else {
      pending += segment;
    }
  };
  const finish = (): PhysicalLine => {
    const result: PhysicalLine = overflow >= 0 ? { line: lineNo, tooLong: true, length: overflow } : { line: lineNo, text: pending };
    pending = '';
    overflow = -1;
    lineNo++;
    return result;
  };

  for await (const chunk of chunks) {
    let pos = 0;
    if (swallowLf) {
      swallowLf = false;
      if (chunk.charCodeAt(0) === 10) pos = 1;
    }
    for (;;) {
      lineBreak.lastIndex = pos;
      const match = lineBreak.exec(chunk);
      if (!match) {
        if (pos < chunk.length) add(chunk.slice(pos));
        break;
      }
      const at = match.index;
      add(chunk.slice(pos, at));
      pos = at + 1;
      if (chunk.charCodeAt(at) === 13) {
        if (pos === chunk.length) swallowLf = true;
        else if (chunk.charCodeAt(pos) === 10) pos++;
      }
      yield finish();
    }
  }
  if (pending.length > 0 || overflow >= 0) yield finish();
}
