/**
 * `-o/--output`: which printer, as kubectl parses the flag, and the printers of whole objects
 * (yaml, json, name, jsonpath, custom-columns). Tables are in table.ts.
 */
import { stringify } from 'yaml';
import { CommandError } from './errors.js';
import {
  executeJsonPath,
  type JsonPathTemplate,
  parseJsonPath,
  printValue,
  selectJsonPath,
} from './jsonpath.js';
import { alignRows } from './table.js';

/** One `-o custom-columns` column: `HEADER:.json.path`. */
export interface CustomColumn {
  readonly header: string;
  readonly path: string;
}

/** A parsed `-o` value. */
export type OutputFormat =
  | { readonly kind: 'table' }
  | { readonly kind: 'wide' }
  | { readonly kind: 'yaml' }
  | { readonly kind: 'json' }
  | { readonly kind: 'name' }
  | { readonly kind: 'jsonpath'; readonly template: JsonPathTemplate }
  | { readonly kind: 'custom-columns'; readonly columns: readonly CustomColumn[] };

/** The formats `-o` accepts, for kubectl's "allowed formats are" message. */
export const OUTPUT_FORMATS = ['custom-columns', 'json', 'jsonpath', 'name', 'wide', 'yaml'] as const;

/** Parses `-o` (absent: the table); an unknown format is kubectl's error. */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === '') return { kind: 'table' };
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  switch (name) {
    case 'wide':
    case 'yaml':
    case 'json':
    case 'name':
      if (eq < 0) return { kind: name };
      break;
    case 'jsonpath':
      if (arg === '') throw new CommandError('template format specified but no template given');
      return { kind: 'jsonpath', template: parseJsonPath(arg) };
    case 'custom-columns':
      return { kind: 'custom-columns', columns: parseCustomColumns(arg) };
  }
  throw new CommandError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${OUTPUT_FORMATS.join(',')}`,
  );
}

/** `NAME:.metadata.name,NODE:.spec.nodeName` into columns. */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec === '') throw new CommandError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon <= 0 || colon === part.length - 1) {
      throw new CommandError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    }
    const path = part.slice(colon + 1);
    selectJsonPath(path, {}); // parse now: a bad path fails before anything is fetched
    return { header: part.slice(0, colon), path };
  });
}

/** True for the formats that print whole objects (fetched as JSON, not as a server-side Table). */
export function printsObjects(format: OutputFormat): boolean {
  return format.kind !== 'table' && format.kind !== 'wide';
}

/**
 * What `-o yaml|json|jsonpath` print for a result: the object itself for one named object, else a
 * `List` (kubectl's `{apiVersion: v1, items, kind: List, metadata: {resourceVersion: ""}}`).
 */
export function asPrintable(objects: readonly unknown[], single: boolean): unknown {
  if (single && objects.length === 1) return objects[0];
  return { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
}

/** YAML as kubectl prints it: keys sorted, lists not indented under their key, YAML 1.1 quoting. */
export function toYaml(value: unknown): string {
  return stringify(sortKeys(value), { sortMapEntries: true, indentSeq: false, version: '1.1', lineWidth: 0 });
}

/** JSON as kubectl prints it: keys sorted, four-space indent, a trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 4)}\n`;
}

/** `-o name`: `pod/web`, `deployment.apps/web`, one per line. */
export function toNames(objects: readonly { metadata?: { name?: string } }[], kindPrefix: string): string {
  return objects.map((o) => `${kindPrefix}/${o.metadata?.name ?? ''}\n`).join('');
}

/** `-o jsonpath=…` on the printable value (no newline added, as kubectl). */
export function toJsonPath(template: JsonPathTemplate, value: unknown): string {
  return executeJsonPath(template, value);
}

/** `-o custom-columns=…`: one row per object, `<none>` for what is missing, several values comma-joined. */
export function customColumnRows(columns: readonly CustomColumn[], objects: readonly unknown[]): string[][] {
  return objects.map((o) =>
    columns.map((c) => {
      const values = selectJsonPath(c.path, o);
      return values.length === 0 || values.every((v) => v === undefined || v === null)
        ? '<none>'
        : values.map(printValue).join(',');
    }),
  );
}

/** `-o custom-columns=…` printed as kubectl's table (header first unless `noHeaders`). */
export function toCustomColumns(
  columns: readonly CustomColumn[],
  objects: readonly unknown[],
  options: { readonly noHeaders?: boolean } = {},
): string {
  const header = columns.map((c) => c.header);
  return alignRows([...(options.noHeaders ? [] : [header]), ...customColumnRows(columns, objects)]);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
