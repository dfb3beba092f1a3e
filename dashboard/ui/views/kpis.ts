// Planner: the service KPIs over a selectable period, refreshed as work orders change.
import { api } from '../api.ts';
import { duration, el, fmt } from '../format.ts';
import { live } from '../state.ts';

interface Kpis {
  workOrders: { created: number; resolved: number; cancelled: number; active: number };
  failuresPrevented: number;
  failuresNotPrevented: number;
  meanTimeToRespondMs: number | null;
  meanTimeToResolveMs: number | null;
  slaCompliancePct: number | null;
  firstTimeFixRatePct: number | null;
  noFaultFoundRatePct: number | null;
  partsStockOuts: number;
  csatAverage: number | null;
  nps: number | null;
  failureRateByModel: { modelId: string; devices: number; confirmedFailures: number; failuresPerDeviceYear: number }[];
}

export function kpiView(root: HTMLElement): () => void {
  const period = el('select', { id: 'kpi-period' }, ...[['7', 'last 7 days'], ['30', 'last 30 days'], ['90', 'last 90 days'], ['365', 'last year']].map(([v, t]) => el('option', { value: v, text: t })));
  period.value = '90';
  const tiles = el('dl', { class: 'kpis', id: 'kpis' });
  const byModel = el('div', { id: 'kpi-models' });
  root.append(el('h2', { text: 'Service KPIs' }), el('p', {}, el('label', { for: 'kpi-period', text: 'Period ' }), period), tiles, el('h3', { text: 'Failure rate by product model' }), byModel);

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
  };
}
