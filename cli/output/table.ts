/**
 * kubectl's table printing of a server-side `meta.k8s.io/v1` Table: upper-case headers, cells
 * separated by three spaces (Go's tabwriter), priority-1 columns only with `-o wide`, and the
 * decorations kubectl adds on the client: a NAMESPACE column first with `-A`, a `kind/` prefix on
 * names when several types are printed, a LABELS column with `--show-labels`.
 */
import { alignTabs, TABLE_TABS } from './tabwriter.js';

/** A column as the server describes it. */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly priority?: number;
}

/** The metadata a row's object carries (PartialObjectMetadata or the whole object). */
export interface RowObject {
  readonly kind?: string;
  readonly apiVersion?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly creationTimestamp?: string;
    readonly resourceVersion?: string;
    readonly uid?: string;
  };
  readonly [field: string]: unknown;
}

/** One row: its cells in column order and (with includeObject) its object. */
export interface TableRow {
  readonly cells: readonly unknown[];
  readonly object?: RowObject;
}

/** The `meta.k8s.io/v1` Table the API server renders. */
export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: string;
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly columnDefinitions: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

/** How to print a table, as kubectl's flags ask. */
export interface TableOptions {
  /** `-o wide`: priority columns too. */
  readonly wide?: boolean;
  /** `-A`: a NAMESPACE column first. */
  readonly withNamespace?: boolean;
  /** `pod`, `deployment.apps`: names print as `pod/web` (several types, or `get all`). */
  readonly kindPrefix?: string;
  /** `--show-labels`: a LABELS column last. */
  readonly showLabels?: boolean;
  /** `--no-headers`. */
  readonly noHeaders?: boolean;
}

/** The table's header and rows as cells (before alignment). */
export function tableCells(table: Table, options: TableOptions = {}): string[][] {
  const shown = table.columnDefinitions
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => options.wide || (column.priority ?? 0) === 0);
  const header = [
    ...(options.withNamespace ? ['NAMESPACE'] : []),
    ...shown.map(({ column }) => column.name.toUpperCase()),
    ...(options.showLabels ? ['LABELS'] : []),
  ];
  const rows = table.rows.map((row) => [
    ...(options.withNamespace ? [row.object?.metadata?.namespace ?? ''] : []),
    ...shown.map(({ column, index }) => {
      const cell = cellText(row.cells[index]);
      return column.format === 'name' && options.kindPrefix ? `${options.kindPrefix}/${cell}` : cell;
    }),
    ...(options.showLabels ? [formatLabels(row.object?.metadata?.labels)] : []),
  ]);
  return options.noHeaders ? rows : [header, ...rows];
}

/** Prints a table as kubectl does (with a trailing newline; '' when there are no rows). */
export function printTable(table: Table, options: TableOptions = {}): string {
  if (table.rows.length === 0) return '';
  return alignRows(tableCells(table, options));
}

/** Aligns rows of cells with kubectl's tabwriter settings; `remembered` as in `alignTabs`. */
export function alignRows(rows: readonly (readonly string[])[], remembered?: number[]): string {
  return `${alignTabs(rows.map((r) => r.join('\t')).join('\n'), TABLE_TABS, remembered)}\n`;
}

/** `app=web,tier=front`, or `<none>`, as kubectl's LABELS column. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const pairs = Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

/** A cell as kubectl prints it: numbers and strings as they are, nothing as `<none>`. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '<none>';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value);
}
