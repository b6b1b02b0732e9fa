/** Inline SVG bar charts for the HTML KPI report; no script and no external resource. */

/** One bar: its label, its length and the text printed after it. */
export interface Bar {
  label: string;
  value: number;
  display: string;
}

const ROW_HEIGHT = 22;
const LABEL_WIDTH = 260;
const BAR_WIDTH = 360;
const VALUE_WIDTH = 110;

/** Escapes text for HTML and SVG element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Draws a horizontal bar chart scaled to its largest value, with each value printed after its
 * bar, so the numbers read without hovering.
 */
export function barChart(title: string, bars: readonly Bar[]): string {
  if (bars.length === 0) return `<p class="empty">${escapeHtml(title)}: none</p>`;
  const max = Math.max(...bars.map((bar) => bar.value), 0);
  const width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;
  const height = bars.length * ROW_HEIGHT + 8;
  const rows = bars.map((bar, i) => {
    const y = 4 + i * ROW_HEIGHT;
    const length = max === 0 ? 0 : Math.max(1, Math.round((bar.value / max) * BAR_WIDTH));
    const label = bar.label.length > 40 ? `${bar.label.slice(0, 39)}…` : bar.label;
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${length}" height="${ROW_HEIGHT - 6}" class="bar"/>`,
      `<text x="${LABEL_WIDTH + length + 6}" y="${y + 15}">${escapeHtml(bar.display)}</text>`,
    ].join('');
  });
  return (
    `<svg role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title>${escapeHtml(title)}</title>${rows.join('')}</svg>`
  );
}
