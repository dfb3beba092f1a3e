// Planner (and the technician on the job): one device — a live chart of every metric its
// catalogue model declares, each with its rated limits (upper and/or lower), the detector's
// baseline band and, on the metric the health is about, the forecast line to the limit it is
// heading for; its health with the reason, and its work orders.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Socket } from 'socket.io-client';
import type { DeviceSummary } from '../../fleet-view.ts';
import type { ProductModelVersion } from '../../../core/product-catalogue.ts';
import type { HealthReport } from '../../../core/types.ts';
import { api } from '../api.ts';
import { timeChart, valueIn } from '../charts.ts';
import { explain } from '../explain.ts';
import { el } from '../format.ts';
import { dateTime, duration, labelOf, t, time, type MessageKey } from '../i18n.ts';
import { live } from '../state.ts';

interface Point {
  tsMs: number;
  values: Record<string, number>;
}

/** One chart: a metric of the device's model, with the limits the catalogue gives it. */
interface ChartSpec {
  key: string;
  title: string;
  color: string;
  digits: number;
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
    digits: 2,
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

const MAX_POINTS = 3600;

export function deviceView(root: HTMLElement, deviceId: string, socket: Socket): () => void {
  const title = el('h2', { id: 'device-title', text: deviceId });
  const healthLine = el('p', { class: 'health-line', id: 'device-health', role: 'status', 'aria-live': 'polite' });
  const orders = el('ul', { id: 'device-orders' });
  const events = el('ol', { id: 'device-events', class: 'alerts', 'aria-live': 'polite' });
  const charts = el('div', { class: 'charts', id: 'device-charts' });
  root.append(
    el('p', {}, el('a', { href: '#/fleet', text: t('device.backToFleet') })),
    title,
    healthLine,
    charts,
    el('h3', { text: t('device.workOrders') }),
    orders,
    el('h3', { text: t('device.events') }),
    events,
  );
  // The device's times are the site's: where the technician and the customer read the clock.
  const zone = () => live.devices.get(deviceId)?.timeZone ?? null;

  type Series = {
    t: number[];
    v: number[];
    lo: number[];
    hi: number[];
    upper: number[];
    lower: number[];
    an: (number | null)[];
  };
  let specs: ChartSpec[] = [];
  let series: Series[] = [];
  const plots: uPlot[] = [];
  let lastHealth: HealthReport | null = null;
  // Every reading since the page opened (bounded), so the charts can be drawn once the model is known.
  const received: { tsMs: number; values: Record<string, number>; h: HealthReport | null; judged: boolean }[] = [];
  /** 'waiting' for a model id, 'loading' it, 'drawn' once the charts exist. */
  let charted: 'waiting' | 'loading' | 'drawn' = 'waiting';

  const makePlot = (c: ChartSpec) => {
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
    );
    charts.append(holder);
    const x = timeChart(zone());
    const value = valueIn(c.digits);
    const opts: uPlot.Options = {
      // A phone's width too: the chart never pushes the page sideways.
      width: Math.min(900, Math.max(280, root.clientWidth - 40)),
      height: 220,
      tzDate: x.tzDate,
      scales: { x: x.xScale },
      series: [
        x.xSeries,
        { label: labelOf('metric', c.key), stroke: c.color, width: 2, value },
        { label: t('device.chart.baselineLow'), stroke: 'rgba(150,160,170,0.6)', dash: [4, 4], value },
        { label: t('device.chart.baselineHigh'), stroke: 'rgba(150,160,170,0.6)', dash: [4, 4], value },
        { label: t('device.chart.threshold'), stroke: '#f85149', width: 1.5, value },
        { label: t('device.chart.lowerThreshold'), stroke: '#f85149', width: 1.5, dash: [2, 3], value },
        { label: t('device.chart.forecast'), stroke: '#d29922', dash: [8, 4], width: 2, spanGaps: true, value },
        // Anomaly markers: the samples analytics judged warning or critical on this metric.
        {
          label: t('device.chart.anomaly'),
          stroke: '#f85149',
          fill: '#f85149',
          paths: () => null,
          points: { show: true, size: 7, fill: '#f85149', stroke: '#f85149' },
          value,
        },
      ],
      axes: [x.xAxis, { stroke: '#9aa7b4' }],
    };
    plots.push(new uPlot(opts, [[], [], [], [], [], [], [], []], holder));
  };

  const redraw = () => {
    specs.forEach((c, i) => {
      const s = series[i];
      // The forecast: from the latest smoothed value to the limit at the forecast time.
      const t = [...s.t];
      const fc = s.t.map(() => null as number | null);
      const h = lastHealth?.metric === c.key ? lastHealth : null;
      const tt = h?.timeToThresholdMs ?? null;
      const target = h ? forecastTarget(c, h) : undefined;
      // What is drawn, said on the figure too (a screen reader's and a test's view of the canvas).
      const figure = plots[i].root.parentElement!;
      figure.dataset.points = String(s.t.length);
      if (tt && tt > 0 && target !== undefined && s.t.length > 0 && tt < 30 * 86_400_000) {
        figure.dataset.forecast = String(target);
        fc[fc.length - 1] = s.v[s.v.length - 1];
        t.push(s.t[s.t.length - 1] + tt / 1000);
        fc.push(target);
        plots[i].setData([
          t,
          [...s.v, null],
          [...s.lo, null],
          [...s.hi, null],
          [...s.upper, s.upper.at(-1) ?? null],
          [...s.lower, s.lower.at(-1) ?? null],
          fc,
          [...s.an, null],
        ] as uPlot.AlignedData);
      } else {
        delete figure.dataset.forecast;
        plots[i].setData([t, s.v, s.lo, s.hi, s.upper, s.lower, fc, s.an] as uPlot.AlignedData);
      }
    });
  };

  /** `judged`: the health report is this sample's own (live), not today's applied to history. */
  const add = (tsMs: number, values: Record<string, number>, h: HealthReport | null, judged: boolean) => {
    specs.forEach((c, i) => {
      const v = values[c.key];
      if (v === undefined) return;
      const s = series[i];
      if (s.t.length && tsMs / 1000 <= s.t[s.t.length - 1]) return;
      const mine = h?.metric === c.key ? h : null;
      const mean = mine?.evidence.baselineMean;
      const std = mine?.evidence.baselineStd;
      const none = null as unknown as number;
      s.t.push(tsMs / 1000);
      s.v.push(v);
      s.lo.push(mean !== undefined && std !== undefined ? mean - 2 * std : none);
      s.hi.push(mean !== undefined && std !== undefined ? mean + 2 * std : none);
      // The catalogue's limits; without a model, what the health report names (as before the catalogue).
      s.upper.push(c.upper ?? mine?.evidence.ratedUpper ?? mine?.evidence.ratedMax ?? mine?.evidence.zoneCD ?? none);
      s.lower.push(c.lower ?? mine?.evidence.ratedLower ?? none);
      s.an.push(judged && mine && (mine.state === 'warning' || mine.state === 'critical') ? v : null);
      if (s.t.length > MAX_POINTS)
        for (const k of ['t', 'v', 'lo', 'hi', 'upper', 'lower', 'an'] as const) s[k].shift();
    });
  };

  const record = (tsMs: number, values: Record<string, number>, h: HealthReport | null, judged: boolean) => {
    received.push({ tsMs, values, h, judged });
    if (received.length > MAX_POINTS) received.shift();
    if (charted === 'drawn') add(tsMs, values, h, judged);
  };

  const draw = (model: ProductModelVersion | null) => {
    if (charted === 'drawn') return;
    charted = 'drawn';
    const keys = [...new Set(received.flatMap((r) => Object.keys(r.values)))];
    specs = chartsOf(model, keys.length ? keys : ['temperature', 'vibration']);
    for (const c of specs) makePlot(c);
    replay();
  };

  /** The charts drawn again from every reading received, in time order (history may come after a live reading). */
  const replay = () => {
    series = specs.map(() => ({ t: [], v: [], lo: [], hi: [], upper: [], lower: [], an: [] }));
    for (const r of [...received].sort((a, b) => a.tsMs - b.tsMs)) add(r.tsMs, r.values, r.h, r.judged);
    redraw();
  };

  /** Once the device's model is known: its catalogue entry (any signed-in role may read it), then the charts. */
  let modelIdKnown: string | null = null;
  const chartModel = (modelId: string | null | undefined) => {
    if (!modelId) return;
    if (!modelIdKnown) {
      modelIdKnown = modelId;
      title.textContent = `${deviceId} · ${modelId}`;
    }
    if (charted !== 'waiting') return;
    charted = 'loading';
    api<{ model: ProductModelVersion }>(`catalogue/models/${encodeURIComponent(modelId)}`)
      .then(({ model }) => draw(model))
      .catch(() => draw(null));
  };

  const showHealth = (d: DeviceSummary | undefined) => {
    const h = d?.health ?? null;
    lastHealth = h;
    chartModel(d?.modelId);
    const modelId = d?.modelId ?? modelIdKnown;
    title.textContent = `${deviceId}${modelId ? ` · ${modelId}` : ''}`;
    healthLine.textContent = h
      ? t('device.healthLine', {
          score: Math.round(h.score),
          state: labelOf('deviceState', h.state),
          why: explain(h),
          forecast: h.timeToThresholdMs ? duration(h.timeToThresholdMs) : 'none',
        })
      : t('device.noHealthYet');
    healthLine.className = `health-line state-${h?.state ?? 'waiting'}`;
  };

  const showOrders = () => {
    const mine = [...live.workOrders.values()]
      .filter((o) => o.deviceId === deviceId)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
    orders.replaceChildren(
      ...(mine.length
        ? mine.map((o) =>
            el(
              'li',
              {},
              el('a', { href: `#/work-orders/${o.id}`, text: o.id }),
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

  // The registry says the device's model (the live view knows it only for devices registered before start).
  api<{ device: { modelId: string } }>(`devices/${encodeURIComponent(deviceId)}/service`)
    .then(({ device }) => chartModel(device.modelId))
    .catch(() => {
      if (charted === 'waiting') draw(null);
    });

  const now = Date.now();
  api<{ points: Point[] }>(
    `devices/${encodeURIComponent(deviceId)}/telemetry?from=${now - 3600_000}&to=${now + 60_000}&limit=${MAX_POINTS}`,
  )
    .then(({ points }) => {
      const d = live.devices.get(deviceId);
      for (const p of points) record(p.tsMs, p.values, d?.health ?? null, false);
      if (charted === 'drawn') replay();
    })
    .catch((err: Error) => healthLine.append(' ', t('device.historyUnavailable', { reason: err.message })));

  let lastState = '';
  let lastStatus = '';
  const event = (text: string, cls = '') => {
    events.prepend(el('li', { class: cls }, el('time', { text: time(Date.now(), zone()) }), ` ${text}`));
    while (events.children.length > 100) events.lastElementChild!.remove();
  };
  const onDevice = (d: DeviceSummary) => {
    if (d.deviceId !== deviceId) return;
    const state = d.health?.state ?? '';
    if (state && state !== lastState) {
      if (lastState)
        event(
          t('device.event.health', {
            from: labelOf('deviceState', lastState),
            to: labelOf('deviceState', state),
            why: explain(d.health),
          }),
          `state-${state}`,
        );
      lastState = state;
    }
    if (d.status !== lastStatus) {
      if (lastStatus) event(t('device.event.connection', { status: labelOf('deviceState', d.status) }));
      lastStatus = d.status;
    }
    showHealth(d);
    if (d.latestTsMs !== null) record(d.latestTsMs, d.latest, d.health, true);
    if (charted === 'drawn') redraw();
  };
  socket.on('device', onDevice);
  socket.emit('watch-device', deviceId);
  const off = live.subscribe(({ workOrders }) => {
    if (workOrders.some((o) => o.deviceId === deviceId)) showOrders();
  });
  showHealth(live.devices.get(deviceId));
  showOrders();
  return () => {
    socket.off('device', onDevice);
    off();
    for (const p of plots) p.destroy();
  };
}
