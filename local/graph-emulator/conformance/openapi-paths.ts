/**
 * Reads the `paths` section of Microsoft's generated OpenAPI YAML: each path template, its methods
 * and, per method, `x-ms-docs-operation-type` (operation | action | function). Same fixed layout as
 * openapi-schemas.ts: path keys at two spaces (quoted when they hold `{` or `'`), methods at four,
 * method fields at six, so a line scan is enough.
 */
export type OpenApiOperationType = 'operation' | 'action' | 'function';

/** Method (lower case, as in the YAML) -> what kind of operation it is. */
export type OpenApiPathItem = Map<string, OpenApiOperationType>;

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

export function parseOpenApiPaths(yaml: string): Map<string, OpenApiPathItem> {
  const lines = yaml.split('\n');
  const paths = new Map<string, OpenApiPathItem>();
  const start = lines.indexOf('paths:');
  if (start < 0) return paths;
  let item: OpenApiPathItem | undefined;
  let method: string | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line !== '' && !line.startsWith(' ')) break; // next top-level section
    const key = /^ {2}(?:'(.+)'|(\/\S*)):\s*$/.exec(line);
    if (key) {
      const template = key[1] !== undefined ? key[1].replace(/''/g, "'") : (key[2] as string);
      item = paths.get(template) ?? new Map();
      paths.set(template, item);
      method = undefined;
      continue;
    }
    const methodLine = /^ {4}([a-z]+):\s*$/.exec(line);
    if (methodLine && item) {
      method = METHODS.has(methodLine[1] as string) ? (methodLine[1] as string) : undefined;
      if (method) item.set(method, 'operation');
      continue;
    }
    const kind = /^ {6}x-ms-docs-operation-type: (operation|action|function)\s*$/.exec(line);
    if (kind && item && method) item.set(method, kind[1] as OpenApiOperationType);
  }
  return paths;
}
