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
      size: 40,
    },
  };
}

/** A legend value with `digits` decimals in the viewer's language. */
export const valueIn =
  (digits: number): uPlot.Series.Value =>
  (_u, v) =>
    num(v, digits);
