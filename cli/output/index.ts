/** The printers every verb shares: tables, `-o` formats, AGE, kubectl's error lines. */
export { formatAge, humanDuration } from './age.js';
export { CommandError, errorLine, printApiError } from './errors.js';
export {
  asPrintable,
  type CustomColumn,
  customColumnRows,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseCustomColumns,
  parseOutputFormat,
  printsObjects,
  toCustomColumns,
  toJson,
  toJsonPath,
  toNames,
  toYaml,
} from './format.js';
export { executeJsonPath, parseJsonPath, selectJsonPath } from './jsonpath.js';
export {
  alignRows,
  cellText,
  formatLabels,
  printTable,
  type RowObject,
  type Table,
  type TableColumn,
  type TableOptions,
  type TableRow,
  tableCells,
} from './table.js';
export { alignTabs, DESCRIBE_TABS, TABLE_TABS, type TabwriterOptions } from './tabwriter.js';
