/**
 * Rows as aligned columns, two spaces apart, with an optional header row; no trailing spaces.
 * A line break inside a cell becomes a space, so one row stays one line.
 */
export function formatTable(rows: string[][], header?: string[]): string {
  const all = (header ? [header, ...rows] : rows).map((row) =>
    row.map((cell) => cell.replace(/\s*\n\s*/g, ' ')),
  );
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `2025-03-01 12:34:56`: an ISO 8601 time to the second, in UTC, for tables. */
export function formatTime(iso: string | null): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '-';
}
