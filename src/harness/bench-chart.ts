/**
 * The katas' benches draw what they measure: bars in the terminal, and the same bars as a
 * standalone SVG document (no dependency, opens in any browser) written next to the figures.
 *
 * @example
 * console.log(textBars([{ label: 'src', value: 240 }, { label: 'reference', value: 121 }], 'ms'));
 * fs.writeFileSync('latency.svg', svgBars('median latency', 'Node 24, 2 cores, load 0.4', 'ms', bars));
 */

export interface Bar {
  label: string;
  value: number;
}

/** One line per bar: label, a bar of '█' scaled to the largest value, the value. */
export function textBars(bars: readonly Bar[], unit: string, width = 50): string {
  const max = Math.max(...bars.map((b) => b.value), 1);
  const labelWidth = Math.max(...bars.map((b) => b.label.length));
  return bars
    .map((b) => `${b.label.padEnd(labelWidth)} ${'█'.repeat(Math.max(1, Math.round((b.value / max) * width)))} ${format(b.value)} ${unit}`)
    .join('\n');
}

const WIDTH = 720;
const HEIGHT = 420;
const PLOT = { left: 80, right: 30, top: 80, bottom: 70 };
const COLORS = ['#c0392b', '#2e86c1', '#27ae60', '#8e44ad'];

/**
 * A vertical bar chart with a title, a subtitle, a y axis labelled `axis` (default: the unit), and
 * each value, with its unit, above its bar.
 */
export function svgBars(title: string, subtitle: string, unit: string, bars: readonly Bar[], axis: string = unit): string {
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const step = niceStep(max / 5);
  const top = Math.ceil(max / step) * step;
  const y = (value: number) => PLOT.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / bars.length;
  const barWidth = Math.min(160, slot * 0.6);
  const parts: string[] = [
    `<text x="${WIDTH / 2}" y="30" text-anchor="middle" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="${WIDTH / 2}" y="52" text-anchor="middle" font-size="12" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let tick = 0; tick <= top + step / 2; tick += step) {
    const ty = y(tick).toFixed(1);
    parts.push(`<line x1="${PLOT.left}" y1="${ty}" x2="${WIDTH - PLOT.right}" y2="${ty}" stroke="#ddd"/>`);
    parts.push(`<text x="${PLOT.left - 8}" y="${ty}" dy="4" text-anchor="end" font-size="12">${format(tick)}</text>`);
  }
  const axisY = PLOT.top + plotHeight / 2;
  parts.push(`<text x="22" y="${axisY}" transform="rotate(-90 22 ${axisY})" text-anchor="middle" font-size="13">${escape(axis)}</text>`);
  bars.forEach((bar, i) => {
    const x = PLOT.left + slot * i + (slot - barWidth) / 2;
    const by = y(bar.value);
    parts.push(`<rect x="${x.toFixed(1)}" y="${by.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(PLOT.top + plotHeight - by, 1).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(by - 6).toFixed(1)}" text-anchor="middle" font-size="13" font-weight="bold">${format(bar.value)} ${escape(unit)}</text>`);
    parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${PLOT.top + plotHeight + 22}" text-anchor="middle" font-size="13">${escape(bar.label)}</text>`);
  });
  parts.push(`<line x1="${PLOT.left}" y1="${PLOT.top + plotHeight}" x2="${WIDTH - PLOT.right}" y2="${PLOT.top + plotHeight}" stroke="#333"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...parts.map((p) => `  ${p}`),
    '</svg>',
    '',
  ].join('\n');
}

/** Whole numbers from 10 up; one decimal below, where a rounding would hide the difference. */
function format(n: number): string {
  return Math.abs(n) >= 10 || n === 0 ? n.toFixed(0) : n.toFixed(1);
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
