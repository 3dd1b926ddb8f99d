// Plain-text tables for a terminal: the cost summary, the balances, the catalog listing.

/** Left/right-aligned columns; `right[i]` right-aligns column i (numbers). */
export function table(headings: string[], rows: string[][], right: boolean[] = []): string[] {
  const widths = headings.map((heading, at) => Math.max(heading.length, ...rows.map((row) => (row[at] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, at) => (right[at] ? cell.padStart(widths[at] ?? 0) : cell.padEnd(widths[at] ?? 0)))
      .join("  ")
      .trimEnd();
  return [render(headings), ...rows.map(render)];
}
