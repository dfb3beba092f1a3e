// Planner (and the technician on the job): one device, as an operator expects from Grafana — a
// time range (1 h … 30 d, earlier / later, drag across a chart to zoom), per metric the readings
// with the baseline band and the failure threshold as analytics reported them at each time (the
// stored health history, not only since the page opened), the forecast from the latest report,
// work orders and device events as annotations; the device's customer, site, warranty and
// contract from the service record; health live, and in live mode the charts follow the readings.
// One chart per metric of the device's catalogue model, each with its rated limits (upper and/or
// lower) and, on the metric the health is about, the forecast to the limit it is heading for.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Socket } from 'socket.io-client';
import type { DeviceSummary } from '../../fleet-view.ts';
import type { DeviceEvent, HealthPoint } from '../../history/health-history.ts';
import type { ProductModelVersion } from '../../../core/product-catalogue.ts';
import type { HealthReport } from '../../../core/types.ts';
import { api, ApiError } from '../api.ts';
import { hasModelName, loadModelNames, modelName } from '../model-names.ts';
import { recordXTicks, timeChart } from '../charts.ts';
import { explain } from '../explain.ts';
import { el } from '../format.ts';
import { date, dateTime, duration, labelOf, num, t, time, type MessageKey } from '../i18n.ts';
import { live, type WorkOrderView } from '../state.ts';
import { servicePlanCard } from './device-service-plan.ts';

interface Point {
  tsMs: number;
  values: Record<string, number>;
}

/** What the service registry knows of the device (GET /api/devices/:id/service). */
interface ServiceRecord {
  device: {
    id: string;
    modelId: string;
    serial: string;
    siteId: string | null;
    siteName: string | null;
    city: string | null;
    customerId: string | null;
    customerName: string | null;
    timeZone: string | null;
    installDateMs: number;
    warrantyEndMs: number;
    contractTier: string;
  };
  warrantyActive: boolean;
  workOrders: WorkOrderView[];
}

/** One chart: a metric of the device's model, with the limits the catalogue gives it. */
interface ChartSpec {
  key: string;
  title: string;
  color: string;
  digits: number;
  /** The unit on the value axis and in the legend. */
  unit: string;
  /** Rated limits from the catalogue (vibration's upper is the ISO 10816 zone C/D boundary). */
  upper?: number;
  lower?: number;
}

/** The two built-in metrics keep their long titles; a catalogue metric is its name and unit. */
const TITLES: Record<string, MessageKey> = {
  temperature: 'device.chart.temperature',
  vibration: 'device.chart.vibration',
};
const COLORS = ['#f59f00', '#4dabf7', '#63e6be', '#da77f2', '#ff8787', '#a9e34b', '#ffd43b', '#74c0fc'];

function chartsOf(model: ProductModelVersion | null, keys: readonly string[]): ChartSpec[] {
  if (model)
    return model.metrics.map((m, i) => ({
      key: m.name,
      title:
        TITLES[m.name] && (m.unit === '°C' || m.unit === 'mm/s')
          ? t(TITLES[m.name])
          : `${labelOf('metric', m.name)} (${m.unit})`,
      color: COLORS[i % COLORS.length],
      unit: m.unit,
      // A hundredth of the normal range is what a reading means (0.01 bar, 1 rpm).
      digits: Math.max(0, Math.min(3, Math.ceil(-Math.log10((m.normalRange[1] - m.normalRange[0]) / 100)))),
      upper: m.ratedLimits.upper,
      lower: m.ratedLimits.lower,
    }));
  // No model known: whatever the device sends, limits from its health report when it names them.
  return keys.map((key, i) => ({
    key,
    title: TITLES[key] ? t(TITLES[key]) : labelOf('metric', key),
    color: COLORS[i % COLORS.length],
    unit: key === 'temperature' ? '°C' : key === 'vibration' ? 'mm/s' : '',
    digits: key === 'temperature' ? 1 : 2,
  }));
}

/** The limit the health report says this metric is forecast to reach: the lower one when it is falling. */
function forecastTarget(c: ChartSpec, h: HealthReport): number | undefined {
  const e = h.evidence;
  const falling = e.smoothed !== undefined && e.baselineMean !== undefined && e.smoothed < e.baselineMean;
  const lower = e.ratedLower ?? c.lower;
  const upper = e.ratedUpper ?? e.ratedMax ?? e.zoneCD ?? c.upper;
  return falling && lower !== undefined ? lower : (upper ?? lower);
}

export const RANGES: readonly { key: string; ms: number }[] = [
  { key: '1h', ms: 3600_000 },
  { key: '6h', ms: 6 * 3600_000 },
  { key: '24h', ms: 86_400_000 },
  { key: '7d', ms: 7 * 86_400_000 },
  { key: '30d', ms: 30 * 86_400_000 },
];

/** A zoom never narrower than this (ms): a minute at 1 Hz is 60 readings. */
const MIN_SPAN_MS = 60_000;
const CHART_HEIGHT = 240;
const HEALTH_HEIGHT = 180;

interface Annotation {
  tsMs: number;
  color: string;
  label: string;
}

interface Range {
  fromMs: number;
  toMs: number;
  /** The range ends now and follows the clock (a preset); false after a zoom or a step back. */
  live: boolean;
  preset: string | null;
}

export function deviceView(
  root: HTMLElement,
  deviceId: string,
  socket: Socket,
  opts: { technician?: boolean } = {},
): () => void {
  const title = el('h2', { id: 'device-title', text: deviceId });
  const healthLine = el('p', { class: 'health-line', id: 'device-health', role: 'status', 'aria-live': 'polite' });
  const record = el('dl', { class: 'record', id: 'device-record' });
  const orders = el('ul', { id: 'device-orders', class: 'plain-list' });
  const events = el('ol', { id: 'device-events', class: 'alerts' });
  const charts = el('div', { class: 'charts', id: 'device-charts' });
  // The health as stored over the range: the score, and how far off the forecast put the failure
  // at each report (the forecast's history: when it first said a day, how it moved).
  const healthPanel = el(
    'figure',
    { class: 'chart', id: 'device-health-history', 'aria-label': t('device.chart.healthHistory') },
    el('figcaption', { text: t('device.chart.healthHistory') }),
  );
  const rangeLabel = el('p', { class: 'range-label', id: 'device-range', 'aria-live': 'polite' });
  const status = el('p', { class: 'empty', id: 'device-status', role: 'status' });
  const presets = RANGES.map((r) => {
    const b = el('button', {
      type: 'button',
      class: 'secondary small',
      text: t(`device.range.${r.key}` as MessageKey),
    });
    b.dataset.range = r.key;
    b.addEventListener('click', () => setRange(presetRange(r.key)));
    return b;
  });
  const earlier = el('button', {
    type: 'button',
    class: 'secondary small',
    id: 'range-earlier',
    text: t('device.range.earlier'),
  });
  const later = el('button', {
    type: 'button',
    class: 'secondary small',
    id: 'range-later',
    text: t('device.range.later'),
  });
  const zoomOut = el('button', {
    type: 'button',
    class: 'secondary small',
    id: 'range-zoom-out',
    text: t('device.range.zoomOut'),
  });
  const toolbar = el(
    'div',
    { class: 'range-bar', role: 'group', 'aria-label': t('device.range.label') },
    ...presets,
    earlier,
    later,
    zoomOut,
  );
  // The site's zone comes with the service record, which arrives with the first readings: the
  // planned-service card writes its dates once it is known (its own answers often come first, and
  // a date written in the browser's zone is a day off for a site east of it after its midnight).
  let zoneKnown: () => void = () => {};
  const zoneReady = new Promise<void>((resolve) => {
    zoneKnown = resolve;
  });
  root.append(
    el(
      'p',
      {},
      opts.technician
        ? el('a', { href: '#/tech', text: t('device.backToJobs') })
        : el('a', { href: '#/fleet', text: t('device.backToFleet') }),
    ),
    title,
    healthLine,
    el(
      'section',
      { class: 'record-card', 'aria-labelledby': 'record-title' },
      el('h3', { id: 'record-title', text: t('device.record.title') }),
      record,
    ),
    servicePlanCard(deviceId, () => zone(), zoneReady, !opts.technician),
    el('h3', { text: t('device.history') }),
    toolbar,
    rangeLabel,
    el('p', { class: 'hint', text: t('device.zoomHint') }),
    // Above the charts, where an empty range is seen: below them it read as a footnote to the
    // health chart while the metric charts stood empty without a word.
    status,
    charts,
    healthPanel,
    el('h3', { text: t('device.workOrders') }),
    orders,
    el('h3', { text: t('device.events') }),
    events,
  );

  let service: ServiceRecord | null = null;
  const zone = () => service?.device.timeZone ?? live.devices.get(deviceId)?.timeZone ?? null;
  const now = () => Date.now();
  const presetRange = (key: string): Range => {
    const ms = RANGES.find((r) => r.key === key)!.ms;
    const to = now();
    return { fromMs: to - ms, toMs: to, live: true, preset: key };
  };
  let range: Range = presetRange('1h');

  // The data the charts draw, per metric: readings, then the stored health's band and threshold
  // held from each report until the next; annotations shared by all charts.
  let readings: Point[] = [];
  let healthPoints: HealthPoint[] = [];
  let annotations: Annotation[] = [];
  let lastHealth: HealthReport | null = null;
  const plots: uPlot[] = [];

  const drawAnnotations = (u: uPlot) => {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    let lastLabelX = Number.NEGATIVE_INFINITY;
    const right = u.bbox.left + u.bbox.width;
    // Where each label went, in CSS px of the plot (for the browser test: canvas text is not in the DOM).
    const drawn: { text: string; left: number; right: number }[] = [];
    for (const a of annotations) {
      const x = u.valToPos(a.tsMs / 1000, 'x', true);
      if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) continue;
      ctx.strokeStyle = a.color;
      ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.lineWidth = devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      // A label where there is room for it (the list below names every one).
      if (x - lastLabelX > 90 * devicePixelRatio) {
        ctx.fillStyle = a.color;
        // Right of its line, or left of it near the plot's right edge (it was cut off there).
        const width = ctx.measureText(a.label).width;
        const fits = x + 3 * devicePixelRatio + width <= right;
        const start = fits ? x + 3 * devicePixelRatio : Math.max(u.bbox.left, x - 3 * devicePixelRatio - width);
        ctx.fillText(a.label, start, top + 2 * devicePixelRatio);
        drawn.push({
          text: a.label,
          left: Math.round((start - u.bbox.left) / devicePixelRatio),
          right: Math.round((start + width - u.bbox.left) / devicePixelRatio),
        });
        lastLabelX = x;
      }
    }
    ctx.restore();
    u.root.dataset.annotationLabels = JSON.stringify(drawn);
    u.root.dataset.plotWidth = String(Math.round(u.bbox.width / devicePixelRatio));
  };

  let specs: ChartSpec[] = [];
  const figuresOf: HTMLElement[] = [];
  const forecastNotes: HTMLElement[] = [];

  const makePlot = (c: ChartSpec) => {
    const note = el('p', { class: 'hint forecast-note' });
    const holder = el(
      'figure',
      {
        class: 'chart',
        'data-metric': c.key,
        ...(c.upper !== undefined ? { 'data-upper': String(c.upper) } : {}),
        ...(c.lower !== undefined ? { 'data-lower': String(c.lower) } : {}),
        'aria-label': t('device.chart.label', { metric: c.title, device: deviceId }),
      },
      el('figcaption', { text: c.title }),
      note,
    );
    figuresOf.push(holder);
    forecastNotes.push(note);
    charts.append(holder);
    const x = timeChart(zone());
    const unit = c.unit ? ` ${c.unit}` : '';
    const value: uPlot.Series.Value = (_u, v) => (v === null || v === undefined ? '—' : `${num(v, c.digits)}${unit}`);
    const opts: uPlot.Options = {
      width: chartWidth(),
      height: CHART_HEIGHT,
      tzDate: x.tzDate,
      scales: { x: { time: true, range: () => [range.fromMs / 1000, range.toMs / 1000] } },
      // Drag across a chart to zoom: the selection becomes the range (and is fetched at its resolution).
      cursor: { sync: { key: `device-${deviceId}` }, drag: { x: true, y: false, setScale: false } },
      series: [
        x.xSeries,
        { label: labelOf('metric', c.key), stroke: c.color, width: 2, value },
        { label: t('device.chart.baselineLow'), stroke: 'rgba(150,160,170,0.5)', width: 1, value },
        { label: t('device.chart.baselineHigh'), stroke: 'rgba(150,160,170,0.5)', width: 1, value },
        { label: t('device.chart.threshold'), stroke: '#f85149', width: 1.5, value },
        { label: t('device.chart.lowerThreshold'), stroke: '#f85149', width: 1.5, dash: [2, 3], value },
        { label: t('device.chart.forecast'), stroke: '#d29922', dash: [8, 4], width: 2, spanGaps: true, value },
      ],
      // The normal band: baseline ± 2σ as analytics reported it at each time.
      bands: [{ series: [3, 2], fill: 'rgba(120,140,160,0.18)' }],
      axes: [
        x.xAxis,
        {
          stroke: '#9aa7b4',
          size: 64,
          label: c.unit,
          labelSize: 18,
          values: (_u, splits) => splits.map((v) => num(v, c.digits)),
          grid: { stroke: 'rgba(150,160,170,0.12)' },
        },
      ],
      hooks: {
        draw: [drawAnnotations, recordXTicks],
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const from = u.posToVal(u.select.left, 'x') * 1000;
            const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomTo(from, to);
          },
        ],
      },
    };
    plots.push(new uPlot(opts, [[], [], [], [], [], [], []], holder));
  };
  const chartWidth = () => Math.max(260, charts.clientWidth - 18);
  const resize = new ResizeObserver(() => {
    const width = chartWidth();
    for (const p of plots) if (Math.abs(p.width - width) > 2) p.setSize({ width, height: CHART_HEIGHT });
    if (healthPlot && Math.abs(healthPlot.width - width) > 2) healthPlot.setSize({ width, height: HEALTH_HEIGHT });
  });
  resize.observe(charts);

  let healthPlot: uPlot | null = null;
  // Made with the metric charts, once the site's zone is known from the service record.
  const makeHealthPlot = () => {
    const healthX = timeChart(zone());
    healthPlot = new uPlot(
      {
        width: chartWidth(),
        height: HEALTH_HEIGHT,
        tzDate: healthX.tzDate,
        scales: {
          x: { time: true, range: () => [range.fromMs / 1000, range.toMs / 1000] },
          score: { range: [0, 100] },
          h: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1)] },
        },
        cursor: { sync: { key: `device-${deviceId}` }, drag: { x: true, y: false, setScale: false } },
        series: [
          healthX.xSeries,
          {
            label: t('device.chart.score'),
            scale: 'score',
            stroke: '#3fb950',
            width: 2,
            paths: uPlot.paths.stepped?.({ align: 1 }),
            value: (_u, v) => (v === null ? '—' : num(v, 0)),
          },
          {
            label: t('device.chart.forecastHours'),
            scale: 'h',
            stroke: '#d29922',
            width: 1.5,
            dash: [6, 3],
            points: { show: true, size: 4 },
            value: (_u, v) => (v === null ? '—' : duration(v * 3600_000)),
          },
        ],
        axes: [
          healthX.xAxis,
          { scale: 'score', stroke: '#9aa7b4', size: 64, label: t('device.chart.score'), labelSize: 18 },
          {
            scale: 'h',
            side: 1,
            stroke: '#d29922',
            size: 56,
            label: t('device.chart.hours'),
            labelSize: 18,
            grid: { show: false },
            // Whole hours, days and weeks: a forecast is read as "in 6 hours", never "in 0.4".
            incrs: [1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720],
            values: (_u, splits) => splits.map((v) => num(v, 0)),
          },
        ],
        hooks: {
          draw: [drawAnnotations, recordXTicks],
          setSelect: [
            (u) => {
              if (u.select.width < 4) return;
              const from = u.posToVal(u.select.left, 'x') * 1000;
              const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              zoomTo(from, to);
            },
          ],
        },
      },
      [[], [], []],
      healthPanel,
    );
  };
  /** The stored reports in the range: score, and the forecast's time to the limit in hours (30 days at most). */
  const healthData = (): uPlot.AlignedData => {
    const xs: number[] = [];
    const score: (number | null)[] = [];
    const hours: (number | null)[] = [];
    for (const h of healthPoints) {
      if (h.tsMs < range.fromMs - 86_400_000) continue;
      xs.push(h.tsMs / 1000);
      score.push(h.score);
      const tt = h.timeToThresholdMs;
      hours.push(tt !== null && tt > 0 && tt < 30 * 86_400_000 ? tt / 3600_000 : null);
    }
    healthPanel.dataset.points = String(xs.length);
    healthPanel.dataset.forecasts = String(hours.filter((v) => v !== null).length);
    return [xs, score, hours] as uPlot.AlignedData;
  };

  /** The charts, once: from the device's catalogue model, else from the metrics its readings carry. */
  const makeCharts = (model: ProductModelVersion | null) => {
    if (specs.length) return;
    const keys = [...new Set(readings.flatMap((r) => Object.keys(r.values)))];
    specs = chartsOf(model, keys.length ? keys : ['temperature', 'vibration']);
    for (const c of specs) makePlot(c);
    makeHealthPlot();
  };

  /** Metric `c` with the health in force at each reading: each stored report held until the next on that metric. */
  const dataFor = (c: ChartSpec, i: number): uPlot.AlignedData => {
    const xs: number[] = [];
    const vs: (number | null)[] = [];
    const lo: (number | null)[] = [];
    const hi: (number | null)[] = [];
    const up: (number | null)[] = [];
    const down: (number | null)[] = [];
    const reports = healthPoints.filter((h) => h.metric === c.key);
    let j = -1;
    let upper = c.upper;
    let lower = c.lower;
    for (const p of readings) {
      const v = p.values[c.key];
      if (v === undefined) continue;
      while (j + 1 < reports.length && reports[j + 1].tsMs <= p.tsMs) {
        j++;
        // The catalogue's limits; without a model, what the stored report named.
        const e = reports[j].evidence;
        upper = c.upper ?? e.ratedUpper ?? e.ratedMax ?? e.zoneCD ?? upper;
        lower = c.lower ?? e.ratedLower ?? lower;
      }
      const e = j >= 0 ? reports[j].evidence : undefined;
      xs.push(p.tsMs / 1000);
      vs.push(v);
      const ok = e && Number.isFinite(e.baselineMean) && Number.isFinite(e.baselineStd) && e.baselineStd > 0;
      lo.push(ok ? e.baselineMean - 2 * e.baselineStd : null);
      hi.push(ok ? e.baselineMean + 2 * e.baselineStd : null);
      up.push(upper ?? null);
      down.push(lower ?? null);
    }
    const fc: (number | null)[] = xs.map(() => null);
    // What is drawn, said on the figure too (a screen reader's and a test's view of the canvas).
    const figure = figuresOf[i];
    figure.dataset.points = String(xs.length);
    figure.dataset.band = String(lo.filter((v) => v !== null).length);
    figure.dataset.from = String(Math.round(range.fromMs));
    figure.dataset.to = String(Math.round(range.toMs));
    figure.dataset.annotations = String(
      annotations.filter((a) => a.tsMs >= range.fromMs && a.tsMs <= range.toMs).length,
    );
    // The forecast of the latest report on this metric: from the last reading to the limit it heads
    // for at the forecast time (beyond the range's end it leaves the chart to the right).
    const h = lastHealth?.metric === c.key ? lastHealth : null;
    const target = h ? forecastTarget(c, h) : undefined;
    const tt = h?.timeToThresholdMs ?? null;
    if (h && tt && tt > 0 && target !== undefined && tt < 30 * 86_400_000 && xs.length > 0) {
      figure.dataset.forecast = String(target);
      forecastNotes[i].textContent = t('device.forecastNote', {
        threshold: `${num(target, c.digits)}${c.unit ? ` ${c.unit}` : ''}`,
        in: duration(tt),
      });
      fc[fc.length - 1] = vs[vs.length - 1];
      return [
        [...xs, xs[xs.length - 1] + tt / 1000],
        [...vs, null],
        [...lo, null],
        [...hi, null],
        [...up, up.at(-1) ?? null],
        [...down, down.at(-1) ?? null],
        [...fc, target],
      ] as uPlot.AlignedData;
    }
    delete figure.dataset.forecast;
    forecastNotes[i].textContent = '';
    return [xs, vs, lo, hi, up, down, fc] as uPlot.AlignedData;
  };

  let redrawPending = 0;
  const redraw = () => {
    redrawPending = 0;
    specs.forEach((c, i) => {
      plots[i].setData(dataFor(c, i), false);
      plots[i].setScale('x', { min: range.fromMs / 1000, max: range.toMs / 1000 });
    });
    healthPlot?.setData(healthData(), false);
    healthPlot?.setScale('x', { min: range.fromMs / 1000, max: range.toMs / 1000 });
  };
  const scheduleRedraw = () => {
    if (!redrawPending) redrawPending = requestAnimationFrame(redraw);
  };

  const showRange = () => {
    for (const b of presets) b.setAttribute('aria-pressed', String(range.preset === b.dataset.range));
    later.disabled = range.live;
    rangeLabel.textContent = t('device.range.shown', {
      from: dateTime(range.fromMs, zone()),
      to: range.live ? t('device.range.now') : dateTime(range.toMs, zone()),
    });
  };

  const annotationsOf = (evs: DeviceEvent[], workOrders: WorkOrderView[]): Annotation[] => {
    const out: Annotation[] = [];
    for (const o of workOrders) {
      out.push({ tsMs: o.createdAtMs, color: '#d29922', label: t('device.annotation.opened', { id: o.id }) });
      if (o.resolvedAtMs)
        out.push({ tsMs: o.resolvedAtMs, color: '#3fb950', label: t('device.annotation.resolved', { id: o.id }) });
      if (o.cancelledAtMs)
        out.push({ tsMs: o.cancelledAtMs, color: '#9aa7b4', label: t('device.annotation.cancelled', { id: o.id }) });
    }
    for (const e of evs) out.push({ tsMs: e.tsMs, color: eventColor(e), label: eventText(e, true) });
    return out.sort((a, b) => a.tsMs - b.tsMs);
  };

  const eventColor = (e: DeviceEvent) =>
    e.kind === 'sensor_fault'
      ? '#a371f7'
      : e.kind === 'connection'
        ? '#9aa7b4'
        : e.to === 'critical'
          ? '#f85149'
          : e.to === 'warning' || e.to === 'watch'
            ? '#d29922'
            : '#3fb950';

  const eventText = (e: DeviceEvent, short = false): string => {
    if (e.kind === 'connection') return t('device.event.connection', { status: labelOf('deviceState', e.to) });
    if (e.kind === 'sensor_fault')
      return t('device.event.sensorFault', {
        metric: labelOf('metric', String(e.detail?.metric ?? '')),
        value: num(Number(e.detail?.value), 2),
      });
    const from = labelOf('deviceState', e.from ?? '');
    const to = labelOf('deviceState', e.to);
    return short ? `${from} → ${to}` : t('device.event.transition', { from, to });
  };

  const showEvents = (evs: DeviceEvent[]) => {
    events.replaceChildren(
      ...(evs.length
        ? evs.map((e) => {
            const li = el(
              'li',
              { class: `event kind-${e.kind} level-${e.to}` },
              el('time', { text: dateTime(e.tsMs, zone()) }),
              ` ${eventText(e)}`,
            );
            return li;
          })
        : [el('li', { class: 'empty', text: t('device.noEvents') })]),
    );
  };

  const showOrders = (list: WorkOrderView[]) => {
    const sorted = [...list].sort((a, b) => b.createdAtMs - a.createdAtMs);
    orders.replaceChildren(
      ...(sorted.length
        ? sorted.map((o) =>
            el(
              'li',
              {},
              el('a', { href: `#/work-order/${encodeURIComponent(o.id)}`, text: o.id }),
              ' ',
              t('device.orderLine', {
                mode: labelOf('failureMode', o.mode),
                state: labelOf('workOrderState', o.state),
                opened: dateTime(o.createdAtMs, zone()),
                why: explain(o.evidence),
              }),
            ),
          )
        : [el('li', { class: 'empty', text: t('device.noWorkOrders') })]),
    );
  };

  const showRecord = (r: ServiceRecord | null, error?: string) => {
    if (!r) {
      record.replaceChildren(
        el(
          'div',
          {},
          el('dt', { text: t('device.record.title') }),
          el('dd', { text: error ?? t('device.record.none') }),
        ),
      );
      return;
    }
    const d = r.device;
    const item = (key: string, label: string, value: Node | string) => {
      const div = el('div', {}, el('dt', { text: label }), el('dd', {}, value));
      div.dataset.field = key;
      return div;
    };
    const customer =
      d.customerId && !opts.technician
        ? el('a', { href: `#/customers/${encodeURIComponent(d.customerId)}`, text: d.customerName ?? d.customerId })
        : (d.customerName ?? '—');
    record.replaceChildren(
      item('customer', t('device.record.customer'), customer),
      item('site', t('device.record.site'), [d.siteName, d.city].filter(Boolean).join(', ') || '—'),
      item(
        'model',
        t('device.record.model'),
        `${hasModelName(d.modelId) ? t('model.nameAndId', { name: modelName(d.modelId), id: d.modelId }) : d.modelId} · ${t('device.record.serial', { serial: d.serial })}`,
      ),
      item('installed', t('device.record.installed'), date(d.installDateMs, d.timeZone)),
      item(
        'warranty',
        t('device.record.warranty'),
        t(r.warrantyActive ? 'device.record.warrantyActive' : 'device.record.warrantyEnded', {
          date: date(d.warrantyEndMs, d.timeZone),
        }),
      ),
      item('contract', t('device.record.contract'), labelOf('contractTier', d.contractTier)),
    );
  };

  let fetchSeq = 0;
  const load = async () => {
    const seq = ++fetchSeq;
    const { fromMs, toMs } = range;
    const width = Math.max(260, charts.clientWidth - 18);
    const points = Math.max(10, Math.min(5000, Math.round(width)));
    const q = `from=${Math.round(fromMs)}&to=${Math.round(toMs)}`;
    const id = encodeURIComponent(deviceId);
    status.textContent = t('device.loading');
    try {
      // The service record (the site's zone with it) is taken as soon as it comes, whatever the
      // readings do: the planned-service card waits for the zone, not for the charts.
      const record = service
        ? Promise.resolve(service)
        : api<ServiceRecord>(`devices/${id}/service`)
            .then((rec) => {
              if (!service) {
                service = rec;
                showRecord(rec);
                showOrders(rec.workOrders);
                showTitle();
              }
              return rec;
            })
            .catch((err: unknown) => {
              showRecord(
                null,
                err instanceof ApiError && err.status === 404 ? t('device.record.none') : (err as Error).message,
              );
              return null;
            })
            .finally(zoneKnown); // known now, or never will be: the live summary's zone, if any
      const [tel, hist, evs] = await Promise.all([
        api<{ points: Point[] }>(`devices/${id}/telemetry?${q}&points=${points}`),
        api<{ points: HealthPoint[] }>(`devices/${id}/health?${q}&points=${points}`).catch(() => ({ points: [] })),
        api<{ events: DeviceEvent[] }>(`devices/${id}/events?${q}&limit=500`).catch(() => ({ events: [] })),
        record,
      ]);
      if (seq !== fetchSeq) return; // a newer range was asked for meanwhile
      readings = tel.points;
      healthPoints = hist.points;
      if (!specs.length) {
        // The device's catalogue model (any signed-in role may read it) says which charts, with which limits.
        const modelId = service?.device.modelId ?? live.devices.get(deviceId)?.modelId ?? null;
        const model = modelId
          ? await api<{ model: ProductModelVersion }>(`catalogue/models/${encodeURIComponent(modelId)}`)
              .then((r) => r.model)
              .catch(() => null)
          : null;
        makeCharts(model);
      }
      if (!lastHealth) {
        const last = healthPoints.at(-1);
        if (last)
          lastHealth = {
            deviceId,
            explanation: '',
            ...last,
            metric: last.metric ?? undefined,
            rule: last.rule ?? undefined,
            state: last.state as HealthReport['state'],
            mode: (last.mode ?? undefined) as HealthReport['mode'],
          };
      }
      annotations = annotationsOf(evs.events, service?.workOrders ?? []);
      showEvents(evs.events);
      status.textContent = readings.length ? '' : t('device.noReadings');
      showRange();
      redraw();
    } catch (err) {
      if (seq !== fetchSeq) return;
      const why = t('device.historyUnavailable', { reason: (err as Error).message });
      status.textContent = why;
      healthLine.append(' ', why);
    }
  };

  function setRange(r: Range): void {
    range = r;
    showRange();
    void load();
  }
  function zoomTo(fromMs: number, toMs: number): void {
    const mid = (fromMs + toMs) / 2;
    const span = Math.max(MIN_SPAN_MS, toMs - fromMs);
    const to = Math.min(now(), mid + span / 2);
    setRange({ fromMs: to - span, toMs: to, live: false, preset: null });
  }
  earlier.addEventListener('click', () => {
    const span = range.toMs - range.fromMs;
    setRange({ fromMs: range.fromMs - span / 2, toMs: range.toMs - span / 2, live: false, preset: null });
  });
  later.addEventListener('click', () => {
    const span = range.toMs - range.fromMs;
    const to = Math.min(now(), range.toMs + span / 2);
    // Back at now: the range follows the clock again.
    const atNow = to >= now() - 1000;
    setRange({ fromMs: to - span, toMs: to, live: atNow, preset: atNow ? range.preset : null });
  });
  zoomOut.addEventListener('click', () => {
    const span = Math.min(30 * 86_400_000, (range.toMs - range.fromMs) * 2);
    const mid = (range.fromMs + range.toMs) / 2;
    const to = Math.min(now(), mid + span / 2);
    setRange({ fromMs: to - span, toMs: to, live: range.live && to >= now() - 1000, preset: null });
  });

  const showTitle = (d = live.devices.get(deviceId)) => {
    const modelId = d?.modelId ?? service?.device.modelId;
    // The model by the catalogue's name, its id on hover.
    title.textContent = `${deviceId}${modelId ? ` · ${modelName(modelId)}` : ''}`;
    title.title = modelId ?? '';
  };
  const showHealth = (d: DeviceSummary | undefined) => {
    const h = d?.health ?? null;
    if (h) lastHealth = h;
    showTitle(d);
    healthLine.textContent = h
      ? t('device.healthLine', {
          score: Math.round(h.score),
          state: labelOf('deviceState', h.state),
          why: explain(h, specs.find((c) => c.key === h.metric)?.unit),
          forecast: h.timeToThresholdMs ? duration(h.timeToThresholdMs) : 'none',
        })
      : t('device.noHealthYet');
    healthLine.className = `health-line state-${h?.state ?? 'waiting'}`;
  };

  // Live: the health line always; in live mode the range follows the clock and new readings join.
  let lastState = '';
  const onDevice = (d: DeviceSummary) => {
    if (d.deviceId !== deviceId) return;
    showHealth(d);
    const state = d.health?.state ?? '';
    if (lastState && state && state !== lastState && d.health) {
      const e: DeviceEvent = { tsMs: d.health.tsMs, kind: 'health', from: lastState, to: state, detail: null };
      annotations = [...annotations, { tsMs: e.tsMs, color: eventColor(e), label: eventText(e, true) }];
      events.querySelector('.empty')?.remove();
      events.prepend(
        el(
          'li',
          { class: `event kind-health level-${state}` },
          el('time', { text: time(e.tsMs, zone()) }),
          ` ${eventText(e)}`,
        ),
      );
    }
    if (state) lastState = state;
    if (!range.live || d.latestTsMs === null) return;
    const span = range.toMs - range.fromMs;
    range = { ...range, toMs: Math.max(range.toMs, d.latestTsMs), fromMs: Math.max(range.toMs, d.latestTsMs) - span };
    if (!readings.length || d.latestTsMs > readings[readings.length - 1].tsMs)
      readings.push({ tsMs: d.latestTsMs, values: { ...d.latest } });
    while (readings.length && readings[0].tsMs < range.fromMs) readings.shift();
    if (d.health && (!healthPoints.length || d.health.tsMs > healthPoints[healthPoints.length - 1].tsMs))
      healthPoints.push({
        tsMs: d.health.tsMs,
        score: d.health.score,
        state: d.health.state,
        metric: d.health.metric ?? null,
        rule: d.health.rule ?? null,
        mode: d.health.mode ?? null,
        timeToThresholdMs: d.health.timeToThresholdMs ?? null,
        evidence: d.health.evidence,
      });
    scheduleRedraw();
  };
  socket.on('device', onDevice);
  socket.emit('watch-device', deviceId);
  const labelTimer = setInterval(() => {
    if (range.live) showRange();
  }, 30_000);
  showHealth(live.devices.get(deviceId));
  lastState = live.devices.get(deviceId)?.health?.state ?? '';
  showRecord(null, t('device.loading'));
  showRange();
  void load();
  // The model's name once the catalogue's names are in (the title and the record said its id).
  let closed = false;
  void loadModelNames().then(() => {
    if (closed) return;
    showTitle();
    if (service) showRecord(service);
  });
  return () => {
    closed = true;
    socket.off('device', onDevice);
    clearInterval(labelTimer);
    resize.disconnect();
    if (redrawPending) cancelAnimationFrame(redrawPending);
    for (const p of plots) p.destroy();
    healthPlot?.destroy();
  };
}
