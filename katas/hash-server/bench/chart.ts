/**
 * A vertical bar chart as a standalone SVG document: a title, a subtitle, a y axis with ticks in
 * the given unit, one labelled bar per value with the value printed above it.
 *
 * @example
 * fs.writeFileSync('p99.svg', renderBarChart({ title: 'p99', subtitle: '2 cores', unit: 'ms', bars: [{ label: 'legacy', value: 120 }] }));
 */

export interface BarChart {
  title: string;
  subtitle: string;
  /** Shown on the y axis and after each value. */
  unit: string;
  bars: Array<{ label: string; value: number }>;
}

const WIDTH = 720;
const HEIGHT = 440;
const PLOT = { left: 80, right: 30, top: 80, bottom: 70 };
const COLORS = ['#c0392b', '#2e86c1', '#27ae60', '#8e44ad'];

export function renderBarChart(chart: BarChart): string {
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const step = niceStep(Math.max(...chart.bars.map((b) => b.value), 1) / 5);
  const top = Math.ceil(Math.max(...chart.bars.map((b) => b.value), 1) / step) * step;
  const y = (value: number) => PLOT.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / chart.bars.length;
  const barWidth = Math.min(160, slot * 0.6);

  const parts: string[] = [];
  parts.push(`<text x="${WIDTH / 2}" y="30" text-anchor="middle" font-size="16" font-weight="bold">${escape(chart.title)}</text>`);
  parts.push(`<text x="${WIDTH / 2}" y="52" text-anchor="middle" font-size="12" fill="#555">${escape(chart.subtitle)}</text>`);
  for (let tick = 0; tick <= top + step / 2; tick += step) {
    const ty = y(tick).toFixed(1);
    parts.push(`<line x1="${PLOT.left}" y1="${ty}" x2="${WIDTH - PLOT.right}" y2="${ty}" stroke="#ddd"/>`);
    parts.push(`<text x="${PLOT.left - 8}" y="${ty}" dy="4" text-anchor="end" font-size="12">${format(tick)}</text>`);
  }
  parts.push(`<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.top + plotHeight}" stroke="#333"/>`);
  parts.push(`<line x1="${PLOT.left}" y1="${PLOT.top + plotHeight}" x2="${WIDTH - PLOT.right}" y2="${PLOT.top + plotHeight}" stroke="#333"/>`);
  const axisY = PLOT.top + plotHeight / 2;
  parts.push(`<text x="22" y="${axisY}" transform="rotate(-90 22 ${axisY})" text-anchor="middle" font-size="13">latency (${escape(chart.unit)})</text>`);
  chart.bars.forEach((bar, i) => {
    const x = PLOT.left + slot * i + (slot - barWidth) / 2;
    const by = y(bar.value);
    const h = PLOT.top + plotHeight - by;
    parts.push(`<rect x="${x.toFixed(1)}" y="${by.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(h, 1).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(by - 6).toFixed(1)}" text-anchor="middle" font-size="13" font-weight="bold">${format(bar.value)} ${escape(chart.unit)}</text>`);
    parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${PLOT.top + plotHeight + 22}" text-anchor="middle" font-size="13">${escape(bar.label)}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...parts.map((p) => `  ${p}`),
    '</svg>',
    '',
  ].join('\n');
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
}

function format(n: number): string {
  return n >= 10 ? n.toFixed(0) : n.toFixed(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
