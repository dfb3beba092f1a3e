// Planner (and the technician on the job): one device — live charts of temperature and
// vibration with the detector's baseline band, the failure threshold and the forecast line, its
// health with the reason, and its work orders.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Socket } from 'socket.io-client';
import type { DeviceSummary } from '../../fleet-view.ts';
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

const METRICS: readonly {
  key: string;
  title: MessageKey;
  color: string;
  digits: number;
  threshold: (h: HealthReport | null) => number | undefined;
}[] = [
  {
    key: 'temperature',
    title: 'device.chart.temperature',
    color: '#f59f00',
    digits: 1,
    threshold: (h) => h?.evidence.ratedMax,
  },
  {
    key: 'vibration',
    title: 'device.chart.vibration',
    color: '#4dabf7',
    digits: 2,
    threshold: (h) => h?.evidence.zoneCD,
  },
];

const MAX_POINTS = 3600;

export function deviceView(root: HTMLElement, deviceId: string, socket: Socket): () => void {
  const title = el('h2', { id: 'device-title', text: deviceId });
  const healthLine = el('p', { class: 'health-line', id: 'device-health', role: 'status', 'aria-live': 'polite' });
  const orders = el('ul', { id: 'device-orders' });
  const events = el('ol', { id: 'device-events', class: 'alerts', 'aria-live': 'polite' });
  const charts = el('div', { class: 'charts' });
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

  const series: { t: number[]; v: number[]; lo: number[]; hi: number[]; thr: number[]; an: (number | null)[] }[] =
    METRICS.map(() => ({ t: [], v: [], lo: [], hi: [], thr: [], an: [] }));
  const plots: uPlot[] = [];
  let lastHealth: HealthReport | null = null;

  const makePlot = (i: number) => {
    const m = METRICS[i];
    const holder = el(
      'figure',
      { class: 'chart', 'aria-label': t('device.chart.label', { metric: t(m.title), device: deviceId }) },
      el('figcaption', { text: t(m.title) }),
    );
    charts.append(holder);
    const x = timeChart(zone());
    const value = valueIn(m.digits);
    const opts: uPlot.Options = {
      // A phone's width too: the chart never pushes the page sideways.
      width: Math.min(900, Math.max(280, root.clientWidth - 40)),
      height: 220,
      tzDate: x.tzDate,
      scales: { x: x.xScale },
      series: [
        x.xSeries,
        { label: labelOf('metric', m.key), stroke: m.color, width: 2, value },
        { label: t('device.chart.baselineLow'), stroke: 'rgba(150,160,170,0.6)', dash: [4, 4], value },
        { label: t('device.chart.baselineHigh'), stroke: 'rgba(150,160,170,0.6)', dash: [4, 4], value },
        { label: t('device.chart.threshold'), stroke: '#f85149', width: 1.5, value },
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
    plots[i] = new uPlot(opts, [[], [], [], [], [], [], []], holder);
  };
  METRICS.forEach((_, i) => makePlot(i));

  const redraw = () => {
    METRICS.forEach((m, i) => {
      const s = series[i];
      // The forecast: from the latest smoothed value to the threshold at the forecast time.
      const t = [...s.t];
      const fc = s.t.map(() => null as number | null);
      const tt = lastHealth?.metric === m.key ? lastHealth.timeToThresholdMs : null;
      const thr = m.threshold(lastHealth);
      if (tt && tt > 0 && thr !== undefined && s.t.length > 0 && tt < 30 * 86_400_000) {
        fc[fc.length - 1] = s.v[s.v.length - 1];
        t.push(s.t[s.t.length - 1] + tt / 1000);
        fc.push(thr);
        plots[i].setData([
          t,
          [...s.v, null],
          [...s.lo, null],
          [...s.hi, null],
          [...s.thr, thr],
          fc,
          [...s.an, null],
        ] as uPlot.AlignedData);
      } else plots[i].setData([t, s.v, s.lo, s.hi, s.thr, fc, s.an] as uPlot.AlignedData);
    });
  };

  /** `judged`: the health report is this sample's own (live), not today's applied to history. */
  const add = (tsMs: number, values: Record<string, number>, h: HealthReport | null, judged: boolean) => {
    METRICS.forEach((m, i) => {
      const v = values[m.key];
      if (v === undefined) return;
      const s = series[i];
      if (s.t.length && tsMs / 1000 <= s.t[s.t.length - 1]) return;
      const mean = h?.metric === m.key ? h.evidence.baselineMean : undefined;
      const std = h?.metric === m.key ? h.evidence.baselineStd : undefined;
      s.t.push(tsMs / 1000);
      s.v.push(v);
      s.lo.push(mean !== undefined && std !== undefined ? mean - 2 * std : (null as unknown as number));
      s.hi.push(mean !== undefined && std !== undefined ? mean + 2 * std : (null as unknown as number));
      s.thr.push(m.threshold(h) ?? (null as unknown as number));
      s.an.push(judged && h?.metric === m.key && (h.state === 'warning' || h.state === 'critical') ? v : null);
      if (s.t.length > MAX_POINTS) for (const k of ['t', 'v', 'lo', 'hi', 'thr', 'an'] as const) s[k].shift();
    });
  };

  const showHealth = (d: DeviceSummary | undefined) => {
    const h = d?.health ?? null;
    lastHealth = h;
    title.textContent = `${deviceId}${d?.modelId ? ` · ${d.modelId}` : ''}`;
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

  const now = Date.now();
  api<{ points: Point[] }>(
    `devices/${encodeURIComponent(deviceId)}/telemetry?from=${now - 3600_000}&to=${now + 60_000}&limit=${MAX_POINTS}`,
  )
    .then(({ points }) => {
      const d = live.devices.get(deviceId);
      for (const p of points) add(p.tsMs, p.values, d?.health ?? null, false);
      redraw();
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
    if (d.latestTsMs !== null) add(d.latestTsMs, d.latest, d.health, true);
    redraw();
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
