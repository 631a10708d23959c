/**
 * Go's `text/tabwriter`, the part kubectl uses: cells end with `\t`, a column's width is its
 * widest cell plus padding (at least `minWidth`), and the text after a line's last tab is not a
 * cell (never padded). Columns are aligned per *column block*, consecutive lines that have a cell
 * in that column, exactly as Go does, so a line without tabs (a blank line between the tables of
 * `get pods,svc`, a `Containers:` heading in `describe`) starts the alignment afresh.
 *
 * kubectl's settings: tables use `{minWidth: 6, padding: 3}` (printers.GetNewTabWriter); describe
 * uses `{minWidth: 0, padding: 2}`.
 */

/** Widths and padding, as `tabwriter.NewWriter(out, minwidth, tabwidth, padding, ' ', flags)`. */
export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

/** kubectl's table settings (`get`, `events`, `api-resources`, custom columns). */
export const TABLE_TABS: TabwriterOptions = { minWidth: 6, padding: 3 };
/** kubectl's describe settings. */
export const DESCRIBE_TABS: TabwriterOptions = { minWidth: 0, padding: 2 };

/**
 * Aligns `text` (lines of `\t`-terminated cells) as Go's tabwriter does. `remembered` carries the
 * column widths of earlier output (Go's RememberWidths, which `kubectl get -w` uses so that rows
 * printed one by one stay under their header); it is updated in place.
 */
export function alignTabs(text: string, options: TabwriterOptions, remembered?: number[]): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let line = '';
      cells.forEach((cell, j) => {
        const last = j === cells.length - 1;
        line += !last && j < widths.length ? cell.padEnd(widths[j] ?? 0) : cell;
      });
      out.push(line);
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let at = line0; at < line1; at++) {
      if (column >= (lines[at]?.length ?? 0) - 1) continue;
      // A cell in this column: a block begins here and runs while lines have one.
      writeLines(start, at);
      start = at;
      let width = Math.max(options.minWidth, remembered?.[column] ?? 0);
      for (; at < line1 && column < (lines[at]?.length ?? 0) - 1; at++) {
        width = Math.max(width, widthOf(lines[at]?.[column] ?? '') + options.padding);
      }
      if (remembered) remembered[column] = width;
      widths.push(width);
      format(start, at);
      widths.pop();
      start = at;
      at--; // the for loop's increment would skip the line that ended the block
    }
    writeLines(start, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}

/** Display width of a cell: code points (kubectl's tables are mostly ASCII). */
function widthOf(cell: string): number {
  return [...cell].length;
}
