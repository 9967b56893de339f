/**
 * One physical line → fields, RFC 4180 style within the line: a field that starts with `"` is quoted
 * and `""` inside it is a literal quote; a quote in the middle of an unquoted field is kept as data
 * (hand-edited files have them, and Get-WindowsAutopilotInfo strips every quote anyway).
 */

export type SplitResult = { ok: true; fields: string[] } | { ok: false; problem: 'unclosed-quote' | 'text-after-quote'; column: number };

export function splitFields(line: string, delimiter: string): SplitResult {
  // Fast path: the common, quote-free line (a 4 KB hash per row makes this matter).
  if (line.indexOf('"') < 0) return { ok: true, fields: line.split(delimiter) };

  const fields: string[] = [];
  let i = 0;
  for (;;) {
    // Leading spaces before an opening quote are tolerated (`a, "b"`).
    let start = i;
    while (line.charCodeAt(start) === 32) start++;
    if (line.charCodeAt(start) === 34) {
      let value = '';
      let j = start + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return { ok: false, problem: 'unclosed-quote', column: fields.length + 1 };
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      while (line.charCodeAt(j) === 32) j++;
      fields.push(value);
      if (j >= line.length) return { ok: true, fields };
      if (!line.startsWith(delimiter, j)) return { ok: false, problem: 'text-after-quote', column: fields.length };
      i = j + delimiter.length;
    } else {
      const end = line.indexOf(delimiter, i);
      if (end < 0) {
        fields.push(line.slice(i));
        return { ok: true, fields };
      }
      fields.push(line.slice(i, end));
      i = end + delimiter.length;
    }
  }
}
