/** Rows of JSON objects as a Markdown table that no cell can break. */

export type Row = Record<string, unknown>;

/** An array of plain objects (at least one): rows. */
export function asRows(value: unknown): Row[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  for (const row of value) if (row === null || typeof row !== 'object' || Array.isArray(row)) return undefined;
  return value as Row[];
}

/**
 * At most `maxRows` rows; columns are the union of their keys in first-seen order. `more` says
 * how to get the rest when some were left out.
 */
export function markdownTable(rows: Row[], maxRows: number, more: (left: number) => string): string {
  const shown = rows.slice(0, maxRows);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of shown) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  if (columns.length === 0) return '';
  const lines = [`| ${columns.map(escapeCell).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const row of shown) lines.push(`| ${columns.map((column) => cell(row, column)).join(' | ')} |`);
  const left = rows.length - shown.length;
  if (left > 0) lines.push('', more(left));
  return lines.join('\n');
}

function cell(row: Row, column: string): string {
  if (!Object.hasOwn(row, column)) return '';
  const value = row[column];
  if (typeof value === 'string') return escapeCell(value);
  if (value === undefined) return '';
  return escapeCell(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/** `|` would end the cell, a newline the row, a backtick open code across cells. */
function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, '\\`').replace(/\r?\n|\r/g, '\\n');
}
