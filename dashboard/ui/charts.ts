// uPlot in the viewer's language and the device's zone: time axes and the legend through Intl
// (uPlot's own templates write English month names and a 12-hour clock), numbers with the
// language's decimal separator.
import uPlot from 'uplot';
import { dateTime, day, num, shortTime, t } from './i18n.ts';

/** The x-axis and legend of a time chart whose times belong to `timeZone` (null: the viewer's). */
export function timeChart(
  timeZone: string | null,
): Pick<uPlot.Options, 'tzDate'> & { xScale: uPlot.Scale; xSeries: uPlot.Series; xAxis: uPlot.Axis } {
  const zone = timeZone ?? undefined;
  return {
    // Splits at the zone's own hour and day boundaries.
    tzDate: (ts) => (zone ? uPlot.tzDate(new Date(ts * 1000), zone) : new Date(ts * 1000)),
    // A first reading alone is a point, not a range: half an hour before it (else uPlot spans from 1970).
    xScale: { time: true, range: (_u, min, max) => (max - min < 60 ? [min - 1800, max + 60] : [min, max]) },
    xSeries: { label: t('chart.time'), value: (_u, v) => (v === null ? '—' : dateTime(v * 1000, zone)) },
    xAxis: {
      stroke: '#9aa7b4',
      // Under two days a tick says the time (with the zone's name), else the day.
      values: (u, splits) => {
        const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
        return splits.map((s) => (span < 2 * 86_400 ? shortTime(s * 1000, zone) : day(s * 1000, zone)));
      },
      // At least the widest label's width plus a gap between ticks: uPlot's default 50 px put
      // "10.00 WIB" labels (about 62 px) on top of each other on a 390 px phone.
      space: (u, _axisIdx, min, max) =>
        GAP_PX + textWidth(u, max - min < 2 * 86_400 ? shortTime(WIDEST_TIME_MS, zone) : day(WIDEST_DAY_MS, zone)),
      size: 40,
    },
  };
}

/** Space between two x-axis labels, in CSS px. */
const GAP_PX = 16;
/** 28 December 2026 20:08 UTC: its day and time have the widest digits (2, 0, 8) and a long month. */
const WIDEST_DAY_MS = Date.UTC(2026, 11, 28, 20, 8);
const WIDEST_TIME_MS = WIDEST_DAY_MS;

/** `text`'s width in CSS px in the x axis's font (uPlot keeps it scaled to device pixels). */
function textWidth(u: uPlot, text: string): number {
  const font = (u.axes[0] as uPlot.Axis & { font?: string | [string, number, number] }).font;
  const ctx = u.ctx;
  ctx.save();
  if (Array.isArray(font)) ctx.font = font[0];
  const width = ctx.measureText(text).width / (Array.isArray(font) ? uPlot.pxRatio : 1);
  ctx.restore();
  return Math.ceil(width);
}

/**
 * A draw hook that writes where the x axis's labels were drawn (`data-x-ticks` on the chart's
 * root: [{ text, left, right }] in CSS px), so a browser test can check no two overlap — the
 * labels are drawn on a canvas and are not in the DOM.
 */
export function recordXTicks(u: uPlot): void {
  const axis = u.axes[0] as uPlot.Axis & { _splits?: number[]; _values?: (string | null)[] };
  const splits = axis._splits ?? [];
  const values = axis._values ?? [];
  const boxes = [];
  for (let i = 0; i < splits.length; i++) {
    const text = values[i];
    if (text === null || text === undefined || text === '') continue;
    const center = u.bbox.left / uPlot.pxRatio + u.valToPos(splits[i], 'x');
    const half = textWidth(u, String(text)) / 2;
    boxes.push({ text: String(text), left: Math.round(center - half), right: Math.round(center + half) });
  }
  u.root.dataset.xTicks = JSON.stringify(boxes);
}

/** A legend value with `digits` decimals in the viewer's language. */
export const valueIn =
  (digits: number): uPlot.Series.Value =>
  (_u, v) =>
    num(v, digits);
