// Planner: the service KPIs over a selectable period, refreshed as work orders change.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ServiceKpis } from '../../../core/types.ts';
import { api } from '../api.ts';
import { duration, el, fmt } from '../format.ts';
import { live } from '../state.ts';

type Kpis = ServiceKpis;

export function kpiView(root: HTMLElement): () => void {
  const period = el('select', { id: 'kpi-period' }, ...[['7', 'last 7 days'], ['30', 'last 30 days'], ['90', 'last 90 days'], ['365', 'last year']].map(([v, t]) => el('option', { value: v, text: t })));
  period.value = '90';
  const tiles = el('dl', { class: 'kpis', id: 'kpis' });
  const byModel = el('div', { id: 'kpi-models' });
  const trendHolder = el('figure', { class: 'chart', id: 'kpi-trend', 'aria-label': 'Weekly trend: work orders, failures prevented, SLA compliance' }, el('figcaption', { text: 'Per week: work orders created, failures prevented, SLA compliance %' }));
  root.append(el('h2', { text: 'Service KPIs' }), el('p', {}, el('label', { for: 'kpi-period', text: 'Period ' }), period), tiles, trendHolder, el('h3', { text: 'Failure rate by product model' }), byModel);
  let trend: uPlot | null = null;

  const load = async () => {
    const to = Date.now();
    const from = to - Number(period.value) * 86_400_000;
    try {
      const { kpis } = await api<{ kpis: Kpis }>(`kpis?from=${from}&to=${to}`);
      const pct = (v: number | null) => (v === null ? '—' : `${fmt(v, 0)} %`);
      tiles.replaceChildren(
        ...([
          ['Work orders', String(kpis.workOrders.created), 'kpi-created'],
          ['Active', String(kpis.workOrders.active), 'kpi-active'],
          ['Resolved', String(kpis.workOrders.resolved), 'kpi-resolved'],
          ['Failures prevented', String(kpis.failuresPrevented), 'kpi-prevented'],
          ['Mean time to respond', duration(kpis.meanTimeToRespondMs), 'kpi-mttr'],
          ['Mean time to resolve', duration(kpis.meanTimeToResolveMs), 'kpi-mttres'],
          ['SLA compliance', pct(kpis.slaCompliancePct), 'kpi-sla'],
          ['First-time fix', pct(kpis.firstTimeFixRatePct), 'kpi-ftf'],
          ['No fault found', pct(kpis.noFaultFoundRatePct), 'kpi-nff'],
          ['Parts stock-outs', String(kpis.partsStockOuts), 'kpi-stockouts'],
          ['CSAT', kpis.csatAverage === null ? '—' : `${fmt(kpis.csatAverage, 1)} / 5`, 'kpi-csat'],
          ['NPS', kpis.nps === null ? '—' : fmt(kpis.nps, 0), 'kpi-nps'],
        ] as const).map(([k, v, id]) => el('div', {}, el('dt', { text: k }), el('dd', { id, text: v }))),
      );
      const max = Math.max(0.0001, ...kpis.failureRateByModel.map((m) => m.failuresPerDeviceYear));
      byModel.replaceChildren(
        ...kpis.failureRateByModel.map((m) =>
          el('div', { class: 'hbar', role: 'img', 'aria-label': `${m.modelId}: ${fmt(m.failuresPerDeviceYear, 2)} failures per device-year` },
            el('span', { class: 'hbar-label', text: m.modelId }),
            el('span', { class: 'hbar-bar', style: `width:${(60 * m.failuresPerDeviceYear) / max}%` }),
            el('span', { text: `${fmt(m.failuresPerDeviceYear, 2)} / device-year (${m.confirmedFailures} of ${m.devices} devices)` })),
        ),
      );
      const { buckets } = await api<{ buckets: (Kpis & { fromMs: number })[] }>(`kpis/trend?from=${from}&to=${to}&bucket=week`);
      const data: uPlot.AlignedData = [
        buckets.map((b) => b.fromMs / 1000),
        buckets.map((b) => b.workOrders.created),
        buckets.map((b) => b.failuresPrevented),
        buckets.map((b) => b.slaCompliancePct),
      ];
      if (!trend) {
        trend = new uPlot(
          {
            width: Math.min(900, Math.max(320, root.clientWidth - 40)),
            height: 220,
            scales: { x: { time: true }, pct: { range: [0, 100] } },
            series: [{}, { label: 'work orders', stroke: '#4dabf7', width: 2 }, { label: 'failures prevented', stroke: '#3fb950', width: 2 }, { label: 'SLA %', stroke: '#d29922', width: 2, scale: 'pct' }],
            axes: [{ stroke: '#9aa7b4' }, { stroke: '#9aa7b4' }, { side: 1, scale: 'pct', stroke: '#9aa7b4' }],
          },
          data,
          trendHolder,
        );
      } else trend.setData(data);
    } catch (err) {
      tiles.replaceChildren(el('p', { class: 'error', text: (err as Error).message }));
    }
  };
  period.addEventListener('change', () => void load());
  void load();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const off = live.subscribe(({ workOrders }) => {
    if (!workOrders.length || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void load();
    }, 500);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
    trend?.destroy();
  };
}
