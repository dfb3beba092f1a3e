// Planner: the service KPIs over a selectable period, refreshed as work orders change.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ServiceKpis, WorkOrderState } from '../../../core/types.ts';
import { api } from '../api.ts';
import { loadModelNames, modelName } from '../model-names.ts';
import { recordXTicks, timeChart, valueIn } from '../charts.ts';
import { formatIdr } from '../../../core/i18n/format.ts';
import { ACTIVE_STATES } from '../../../core/work-order-states.ts';
import { el } from '../format.ts';
import { date, duration, labelOf, num, pct, t } from '../i18n.ts';
import { live } from '../state.ts';

type Kpis = ServiceKpis;
type DrillRow = { id: string; deviceId: string; mode: string; state: WorkOrderState; createdAtMs: number };

export function kpiView(root: HTMLElement): () => void {
  const period = el(
    'select',
    { id: 'kpi-period' },
    ...[7, 30, 90].map((days) => el('option', { value: String(days), text: t('kpis.period.days', { days }) })),
    el('option', { value: '365', text: t('kpis.period.year') }),
  );
  period.value = '90';
  const tiles = el('dl', { class: 'kpis', id: 'kpis' });
  // How the cohort splits (created = active + resolved + cancelled), each part a way into the jobs behind it.
  const cohort = el('p', { id: 'kpi-cohort', class: 'kpi-cohort' });
  const drill = el('section', { id: 'kpi-drill', 'aria-live': 'polite', hidden: '' });
  const byModel = el('div', { id: 'kpi-models' });
  const byTechnician = el('div', { id: 'kpi-technicians', class: 'table-scroll' });
  const warrantyByModel = el('ul', { id: 'kpi-warranty-models' });
  const trendHolder = el(
    'figure',
    { class: 'chart', id: 'kpi-trend', 'aria-label': t('kpis.trend.label') },
    el('figcaption', { text: t('kpis.trend.caption') }),
  );
  root.append(
    el('h2', { text: t('kpis.title') }),
    el('p', {}, el('label', { for: 'kpi-period', text: t('kpis.period') }), ' ', period),
    tiles,
    cohort,
    drill,
    trendHolder,
    el('h3', { text: t('kpis.byModel') }),
    byModel,
    el('h3', { text: t('kpis.warrantyByModel') }),
    warrantyByModel,
    el('h3', { text: t('kpis.byTechnician') }),
    byTechnician,
  );
  let trend: uPlot | null = null;

  const load = async () => {
    const to = Date.now();
    const from = to - Number(period.value) * 86_400_000;
    try {
      const [{ kpis }] = await Promise.all([api<{ kpis: Kpis }>(`kpis?from=${from}&to=${to}`), loadModelNames()]);
      tiles.replaceChildren(
        ...(
          [
            [t('kpis.created'), num(kpis.workOrders.created), 'kpi-created'],
            [t('kpis.active'), num(kpis.workOrders.active), 'kpi-active'],
            [t('kpis.resolved'), num(kpis.workOrders.resolved), 'kpi-resolved'],
            [t('kpis.cancelled'), num(kpis.workOrders.cancelled), 'kpi-cancelled'],
            [t('kpis.prevented'), num(kpis.failuresPrevented), 'kpi-prevented'],
            [t('kpis.meanTimeToRespond'), duration(kpis.meanTimeToRespondMs), 'kpi-mttr'],
            [t('kpis.meanTimeToResolve'), duration(kpis.meanTimeToResolveMs), 'kpi-mttres'],
            [t('kpis.slaCompliance'), pct(kpis.slaCompliancePct), 'kpi-sla'],
            [t('kpis.firstTimeFix'), pct(kpis.firstTimeFixRatePct), 'kpi-ftf'],
            [t('kpis.noFaultFound'), pct(kpis.noFaultFoundRatePct), 'kpi-nff'],
            [t('kpis.stockOuts'), num(kpis.partsStockOuts), 'kpi-stockouts'],
            [
              t('kpis.csat'),
              kpis.csatAverage === null ? '—' : t('kpis.csatValue', { value: num(kpis.csatAverage, 1) }),
              'kpi-csat',
            ],
            [t('kpis.nps'), num(kpis.nps), 'kpi-nps'],
            [t('kpis.plannedShare'), pct(kpis.planned.plannedSharePct), 'kpi-planned'],
            [t('kpis.maintenanceCompliance'), pct(kpis.maintenanceCompliancePct), 'kpi-maintenance'],
            [t('kpis.revenue'), formatIdr(kpis.serviceRevenueIdr), 'kpi-revenue'],
            [
              t('kpis.warrantyCost'),
              formatIdr(kpis.warrantyCostByModel.reduce((sum, m) => sum + m.approvedIdr, 0)),
              'kpi-warranty-cost',
            ],
          ] as const
        ).map(([k, v, id]) => el('div', {}, el('dt', { text: k }), el('dd', { id, text: v }))),
        // A count alone says nothing: of how many repair visits, and the share (in smaller type).
        el(
          'div',
          {},
          el('dt', { text: t('kpis.repeatVisits') }),
          el(
            'dd',
            { id: 'kpi-repeat-visits' },
            kpis.repairVisits ? `${num(kpis.repeatVisits30d)} ` : '',
            el('small', {
              text: t('kpis.repeatVisitsOf', {
                visits: kpis.repairVisits,
                visitsShown: num(kpis.repairVisits),
                pct: pct(kpis.repeatVisitRatePct),
              }),
            }),
          ),
        ),
      );
      const wo = kpis.workOrders;
      const part = (state: WorkOrderState[] | null, text: string) => {
        const b = el('button', { type: 'button', class: 'link', text });
        b.addEventListener('click', () => void showJobs(state, text, from, to));
        return b;
      };
      cohort.replaceChildren(
        part(null, t('kpis.cohort.created', { count: wo.created })),
        ' = ',
        part([...ACTIVE_STATES], t('kpis.cohort.active', { count: wo.active })),
        ' + ',
        part(['resolved'], t('kpis.cohort.resolved', { count: wo.resolved })),
        ' + ',
        part(['cancelled'], t('kpis.cohort.cancelled', { count: wo.cancelled })),
      );
      byTechnician.replaceChildren(technicianTable(kpis.byTechnician));
      warrantyByModel.replaceChildren(
        ...(kpis.warrantyCostByModel.length
          ? []
          : [el('li', { class: 'empty', text: t('kpis.warrantyByModel.none') })]),
        ...kpis.warrantyCostByModel.map((m) =>
          el('li', {
            text: t('kpis.warrantyModelLine', {
              model: modelName(m.modelId),
              claims: m.claims,
              approved: formatIdr(m.approvedIdr),
              submitted: formatIdr(m.submittedIdr),
            }),
          }),
        ),
      );
      const max = Math.max(0.0001, ...kpis.failureRateByModel.map((m) => m.failuresPerDeviceYear));
      byModel.replaceChildren(
        ...kpis.failureRateByModel.map((m) =>
          el(
            'div',
            {
              class: 'hbar',
              role: 'img',
              'aria-label': t('kpis.rate.label', {
                model: modelName(m.modelId),
                rate: num(m.failuresPerDeviceYear, 2),
              }),
            },
            el('span', { class: 'hbar-label', text: modelName(m.modelId), title: m.modelId }),
            el('span', { class: 'hbar-bar', style: `width:${(60 * m.failuresPerDeviceYear) / max}%` }),
            el('span', {
              class: 'hbar-text',
              text: t('kpis.rate.text', {
                rate: num(m.failuresPerDeviceYear, 2),
                failures: m.confirmedFailures,
                devices: m.devices,
              }),
            }),
          ),
        ),
      );
      const { buckets } = await api<{ buckets: (Kpis & { fromMs: number })[] }>(
        `kpis/trend?from=${from}&to=${to}&bucket=week`,
      );
      const data: uPlot.AlignedData = [
        buckets.map((b) => b.fromMs / 1000),
        buckets.map((b) => b.workOrders.created),
        buckets.map((b) => b.failuresPrevented),
        buckets.map((b) => b.slaCompliancePct),
      ];
      if (!trend) {
        // Weeks of the whole network: in the viewer's own zone.
        const x = timeChart(null);
        trend = new uPlot(
          {
            width: Math.min(900, Math.max(280, root.clientWidth - 40)),
            height: 220,
            tzDate: x.tzDate,
            scales: { x: x.xScale, pct: { range: [0, 100] } },
            series: [
              x.xSeries,
              { label: t('kpis.trend.workOrders'), stroke: '#4dabf7', width: 2, value: valueIn(0) },
              { label: t('kpis.trend.prevented'), stroke: '#3fb950', width: 2, value: valueIn(0) },
              { label: t('kpis.trend.sla'), stroke: '#d29922', width: 2, scale: 'pct', value: valueIn(0) },
            ],
            axes: [
              { ...x.xAxis, label: t('kpis.trend.axisWeek') },
              { stroke: '#9aa7b4', label: t('kpis.trend.axisCount') },
              { side: 1, scale: 'pct', stroke: '#9aa7b4', label: t('kpis.trend.axisPct') },
            ],
            hooks: { draw: [recordXTicks] },
          },
          data,
          trendHolder,
        );
      } else trend.setData(data);
    } catch (err) {
      tiles.replaceChildren(el('p', { class: 'error', text: (err as Error).message }));
    }
  };
  /** The work orders behind a number: the period's cohort, in the states it counts, each a link to its page. */
  const showJobs = async (states: WorkOrderState[] | null, title: string, from: number, to: number) => {
    const query = `work-orders?from=${from}&to=${to - 1}&limit=500${states ? `&state=${states.join(',')}` : ''}`;
    drill.hidden = false;
    try {
      const { workOrders } = await api<{ workOrders: DrillRow[] }>(query);
      drill.replaceChildren(
        el('h3', { text: title }),
        workOrders.length
          ? el(
              'ul',
              { class: 'kpi-drill-list' },
              ...workOrders.map((o) =>
                el(
                  'li',
                  { 'data-work-order-id': o.id },
                  el('a', { href: `#/work-order/${encodeURIComponent(o.id)}`, text: o.id }),
                  ` · ${o.deviceId} · ${labelOf('failureMode', o.mode)} · ${labelOf('workOrderState', o.state)} · ${date(o.createdAtMs)}`,
                ),
              ),
            )
          : el('p', { class: 'empty', text: t('kpis.drill.none') }),
      );
    } catch (err) {
      drill.replaceChildren(el('p', { class: 'error', text: (err as Error).message }));
    }
  };
  period.addEventListener('change', () => {
    drill.hidden = true;
    void load();
  });
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

/** CSAT and first-time fix per technician: who the customers rate, whose fixes hold. */
function technicianTable(rows: Kpis['byTechnician']): HTMLElement {
  if (!rows.length) return el('p', { class: 'empty', text: t('kpis.tech.none') });
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...(['kpis.tech.name', 'kpis.tech.resolved', 'kpis.tech.firstTimeFix', 'kpis.tech.csat'] as const).map((k) =>
          el('th', { scope: 'col', text: t(k) }),
        ),
      ),
    ),
    el(
      'tbody',
      {},
      ...rows.map((r) => {
        const row = el(
          'tr',
          {},
          el('th', { scope: 'row', text: r.name }),
          el('td', { text: num(r.resolved) }),
          el('td', { text: pct(r.firstTimeFixRatePct) }),
          el('td', {
            text:
              r.csatAverage === null
                ? '—'
                : t('kpis.tech.csatValue', { value: num(r.csatAverage, 1), ratings: num(r.ratings) }),
          }),
        );
        row.dataset.technicianId = r.technicianId;
        return row;
      }),
    ),
  );
}
