/**
 * Blob trigger paths: `container[/blob-name-pattern]`, where the pattern holds literal text and
 * `{name}` parameters (`{{` and `}}` are literal braces). As in the WebJobs BindingTemplateSource, every
 * parameter captures greedily (`(?<name>.*)`, anchored at both ends), so 'in/{name}.{ext}' on
 * 'in/a.b.csv' gives name 'a.b', ext 'csv'; a parameter may span '/'.
 */
export interface BlobTriggerPath {
  container: string;
  /** The blob-name pattern ('' = every blob in the container). */
  blobPattern: string;
  parameterNames: string[];
  /** Binding data for a matching blob name, or null when the blob does not match this trigger. */
  match(blobName: string): Record<string, string> | null;
}

const CONTAINER_NAME = /^(\$root|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function parseBlobTriggerPath(path: string): BlobTriggerPath {
  const slash = path.indexOf('/');
  const container = slash < 0 ? path : path.slice(0, slash);
  const blobPattern = slash < 0 ? '' : path.slice(slash + 1);
  if (container.includes('{')) {
    throw new Error(`Blob trigger path '${path}': the container name must be literal; parameters are only allowed in the blob name.`);
  }
  if (!CONTAINER_NAME.test(container)) {
    throw new Error(
      `Blob trigger path '${path}': '${container}' is not a valid container name (3-63 lowercase letters, digits and single dashes).`,
    );
  }

  const parameterNames: string[] = [];
  let regex = '^';
  let i = 0;
  while (i < blobPattern.length) {
    const ch = blobPattern[i] as string;
    const pair = blobPattern.slice(i, i + 2);
    if (pair === '{{' || pair === '}}') {
      regex += escapeRegex(ch);
      i += 2;
    } else if (ch === '{') {
      const close = blobPattern.indexOf('}', i);
      if (close < 0) throw new Error(`Blob trigger path '${path}': unclosed '{' at position ${slash + 1 + i}.`);
      const name = blobPattern.slice(i + 1, close);
      if (!PARAMETER_NAME.test(name)) {
        throw new Error(
          `Blob trigger path '${path}': '{${name}}' is not a valid parameter (expressions are not allowed in a trigger path).`,
        );
      }
      if (parameterNames.some((p) => p.toLowerCase() === name.toLowerCase())) {
        throw new Error(`Blob trigger path '${path}': parameter '{${name}}' appears twice.`);
      }
      parameterNames.push(name);
      regex += '(.*)';
      i = close + 1;
    } else if (ch === '}') {
      throw new Error(`Blob trigger path '${path}': unmatched '}' at position ${slash + 1 + i} (write '}}' for a literal brace).`);
    } else {
      regex += escapeRegex(ch);
      i += 1;
    }
  }
  const matcher = blobPattern === '' ? null : new RegExp(`${regex}$`, 's');

  return {
    container,
    blobPattern,
    parameterNames,
    match(blobName: string) {
      if (!matcher) return {};
      const m = matcher.exec(blobName);
      if (!m) return null;
      const data: Record<string, string> = {};
      parameterNames.forEach((name, index) => (data[name] = m[index + 1] ?? ''));
      return data;
    },
  };
}
