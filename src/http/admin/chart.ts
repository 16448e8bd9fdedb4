/**
 * Small charts drawn on the server as inline SVG: no script, no external asset and no style
 * attribute (the CSP's `style-src 'self'` blocks them), only presentation attributes and the
 * classes `chart-bar`, `chart-line`, `chart-point` and `chart-axis`, which /assets/paperboy.css
 * colours for light and dark (`currentColor` otherwise). Each chart is an image with its summary
 * as its accessible name, followed by its figures in a plain table. Every value goes through
 * hono's `html`, which escapes it.
 */
import { html } from 'hono/html';

/** One series: a value per label. */
export interface ChartSeries {
  /** What it counts ("joined"), the table's column heading and part of each bar's tooltip. */
  name: string;
  values: number[];
  /** `bar` (the default) or `line`, drawn on a scale of its own from its lowest to its highest value. */
  kind?: 'bar' | 'line';
  /** A bar series drawn downwards from the baseline (leavers under joiners). */
  below?: boolean;
}

/** A chart to draw: its summary, its labels and its series. */
export interface Chart {
  /** The chart's accessible name and title, e.g. "New subscribers per day, last 30 days: 42 in total". */
  summary: string;
  /** One label per point (the days), the table's first column. */
  labels: string[];
  series: ChartSeries[];
  /** The first column's heading (default "Day"). */
  labelHeading?: string;
}

const WIDTH = 600;
const HEIGHT = 180;
const LEFT = 40;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 22;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

/** A coordinate, short. */
const n = (x: number) => String(Math.round(x * 10) / 10);
/** A class-safe name: "joined" → "joined", "Active readers" → "active-readers". */
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'series';
const finite = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The chart: `<figure class="chart">` holding the SVG and a `<details>` with its figures. */
export function chart(c: Chart) {
  const count = c.labels.length;
  const bars = c.series.filter((s) => (s.kind ?? 'bar') === 'bar');
  const lines = c.series.filter((s) => s.kind === 'line');
  const up = bars.filter((s) => !s.below);
  const down = bars.filter((s) => s.below);
  const maxOf = (ss: ChartSeries[]) => Math.max(0, ...ss.flatMap((s) => s.values.slice(0, count).map(finite)));
  const maxUp = maxOf(up);
  const maxDown = maxOf(down);
  // The baseline splits the plot in proportion to what goes up and what goes down.
  const total = maxUp + maxDown;
  const baseline = TOP + (down.length === 0 ? PLOT_H : up.length === 0 ? 0 : total === 0 ? PLOT_H / 2 : (PLOT_H * maxUp) / total);
  const scale = total === 0 ? 0 : PLOT_H / total;
  const slot = count === 0 ? PLOT_W : PLOT_W / count;
  const gap = Math.min(2, slot / 4);
  const barW = (slot - gap) / Math.max(1, up.length, down.length);
  const xOf = (i: number) => LEFT + i * slot + gap / 2;

  const barsOf = (ss: ChartSeries[], below: boolean) =>
    ss.map(
      (s, k) =>
        html`<g class="chart-bars chart-bars-${slug(s.name)}" fill="currentColor"${below ? html` opacity="0.55"` : ''}>${c.labels.map((label, i) => {
          const v = finite(s.values[i]);
          const h = v * scale;
          return html`<rect class="chart-bar" x="${n(xOf(i) + k * barW)}" y="${n(below ? baseline : baseline - h)}" width="${n(Math.max(0, barW - 0.5))}" height="${n(h)}"><title>${label}: ${v} ${s.name}</title></rect>`;
        })}</g>`,
    );
  const lineOf = (s: ChartSeries) => {
    const values = c.labels.map((_, i) => finite(s.values[i]));
    const lo = Math.min(0, ...values);
    const hi = Math.max(0, ...values);
    const yOf = (v: number) => (hi === lo ? TOP + PLOT_H : TOP + PLOT_H - ((v - lo) / (hi - lo)) * PLOT_H);
    const points = values.map((v, i) => [xOf(i) + (slot - gap) / 2, yOf(v)] as const);
    return html`<g class="chart-lines chart-lines-${slug(s.name)}">${
      points.length > 1
        ? html`<polyline class="chart-line" fill="none" stroke="currentColor" stroke-width="2" points="${points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}"></polyline>`
        : ''
    }${points.map(([x, y], i) => html`<circle class="chart-point" cx="${n(x)}" cy="${n(y)}" r="2.5" fill="currentColor"><title>${c.labels[i]}: ${values[i]} ${s.name}</title></circle>`)}</g>`;
  };
  // The scale's figures at the left: the highest bar (or line value) and, below, the lowest.
  const lineMax = Math.max(0, ...lines.flatMap((s) => s.values.slice(0, count).map(finite)));
  const topFigure = bars.length ? maxUp : lineMax;
  const first = c.labels[0];
  const last = c.labels[count - 1];
  const svg = html`<svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${c.summary}" focusable="false"><title>${c.summary}</title>
<g class="chart-axis" stroke="currentColor"><line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + PLOT_H}"></line><line x1="${LEFT}" y1="${n(baseline)}" x2="${WIDTH - RIGHT}" y2="${n(baseline)}"></line></g>
<g class="chart-label" fill="currentColor" font-size="11"><text x="${LEFT - 4}" y="${TOP + 9}" text-anchor="end">${topFigure}</text>${
    down.length ? html`<text x="${LEFT - 4}" y="${TOP + PLOT_H}" text-anchor="end">−${maxDown}</text>` : ''
  }${first !== undefined ? html`<text x="${LEFT}" y="${HEIGHT - 6}">${first}</text>` : ''}${
    count > 1 ? html`<text x="${WIDTH - RIGHT}" y="${HEIGHT - 6}" text-anchor="end">${last}</text>` : ''
  }</g>
${barsOf(up, false)}${barsOf(down, true)}${lines.map(lineOf)}</svg>`;
  return html`<figure class="chart">${svg}
<details><summary>The figures</summary>${
    count
      ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="${c.summary}: the figures"><table class="data"><thead><tr><th scope="col">${c.labelHeading ?? 'Day'}</th>${c.series.map((s) => html`<th scope="col">${s.name}</th>`)}</tr></thead>
<tbody>${c.labels.map((label, i) => html`<tr><th scope="row">${label}</th>${c.series.map((s) => html`<td>${finite(s.values[i])}</td>`)}</tr>`)}</tbody></table></div>`
      : html`<p>No figures.</p>`
  }</details></figure>`;
}
