// Technician, on a phone: my dispatches by SLA deadline, each with the device, where, why, the
// part to pick up and where, and the next step as one big button.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api.ts';
import { dateTime, duration, el, label } from '../format.ts';
import { live, type WorkOrderView } from '../state.ts';

const NEXT: Record<string, { to: string; text: string } | undefined> = {
  assigned: { to: 'acknowledged', text: 'Acknowledge' },
  acknowledged: { to: 'en_route', text: 'En route' },
  en_route: { to: 'on_site', text: 'On site' },
};

interface DeviceService {
  device: { id: string; modelId: string; serial: string; siteName: string | null; city: string | null; lat: number | null; lon: number | null; customerName: string | null };
}

export function techView(root: HTMLElement): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status', id: 'tech-status' });
  const list = el('div', { id: 'my-jobs', class: 'jobs' });
  root.append(el('h2', { text: 'My dispatches' }), status, list);
  const sites = new Map<string, string>();

  const transition = async (o: WorkOrderView, body: Record<string, unknown>) => {
    try {
      await api(`work-orders/${o.id}/transitions`, { method: 'POST', body: { version: o.version, ...body } });
      status.textContent = `${o.id}: ${label(String(body.to))}`;
    } catch (err) {
      status.textContent = `${o.id}: ${(err as Error).message}`;
    }
  };

  const job = (o: WorkOrderView) => {
    const card = el('article', { class: 'job', 'aria-labelledby': `job-${o.id}` });
    card.dataset.workOrderId = o.id;
    card.dataset.state = o.state;
    const where = sites.get(o.deviceId);
    if (where === undefined) {
      sites.set(o.deviceId, '…');
      api<DeviceService>(`devices/${encodeURIComponent(o.deviceId)}/service`)
        .then((r) => {
          const d = r.device;
          const where = d.siteName ? `${d.customerName ? `${d.customerName}, ` : ''}${d.siteName}${d.city ? `, ${d.city}` : ''}` : 'site not recorded';
          const map = d.lat !== null && d.lon !== null ? ` (${d.lat.toFixed(4)}, ${d.lon.toFixed(4)})` : '';
          sites.set(o.deviceId, `${where}${map} · serial ${d.serial}`);
          render();
        })
        .catch((err: Error) => {
          sites.set(o.deviceId, `site unavailable (${err.message})`);
          render();
        });
    }
    card.append(
      el('h3', { id: `job-${o.id}` }, el('a', { href: `#/device/${encodeURIComponent(o.deviceId)}`, text: o.deviceId }), ` — ${label(o.mode)}`),
      el('p', { class: 'meta', text: `${o.id} · ${label(o.state)} · ${o.severity ?? ''} · SLA resolve by ${dateTime(o.slaResolveByMs)} (${duration(o.slaResolveByMs ? o.slaResolveByMs - Date.now() : null)})` }),
      el('p', { class: 'meta', text: `Where: ${where ?? '…'}` }),
      el('p', { class: 'meta', text: `Part: ${o.partName ?? o.partSku ?? 'none'}${o.partDepotId ? ` — pick up at ${o.partDepotId}` : ''}${o.partStatus ? ` (${label(o.partStatus)})` : ''}${o.warrantyCovered ? ' · under warranty: no charge' : ''}` }),
      el('p', { class: 'why', text: `Why: ${o.evidence?.explanation ?? ''}` }),
      evidenceChart(o),
    );
    const next = NEXT[o.state];
    if (next) {
      const b = el('button', { type: 'button', class: 'big', text: next.text });
      b.addEventListener('click', () => void transition(o, { to: next.to }));
      card.append(b);
    }
    if (o.state === 'on_site') {
      const code = el('select', { id: `code-${o.id}` },
        ...[['fault_confirmed_part_replaced', 'Fault confirmed, part replaced'], ['fault_confirmed_no_part', 'Fault confirmed, no part needed'], ['no_fault_found', 'No fault found']].map(([v, t]) => el('option', { value: v, text: t })));
      const notes = el('textarea', { id: `notes-${o.id}`, rows: '2' });
      const b = el('button', { type: 'button', class: 'big', text: 'Resolve' });
      b.addEventListener('click', () => void transition(o, { to: 'resolved', resolutionCode: code.value, note: notes.value || undefined }));
      card.append(el('label', { for: `code-${o.id}`, text: 'Resolution' }), code, el('label', { for: `notes-${o.id}`, text: 'Notes' }), notes, b);
    }
    return card;
  };

  // The evidence: the driving metric over the hour before the work order opened, with the threshold.
  const charts = new Map<string, HTMLElement>();
  const evidenceChart = (o: WorkOrderView): HTMLElement => {
    const existing = charts.get(o.id);
    if (existing) return existing;
    const metric = o.evidence?.metric ?? 'vibration';
    const holder = el('figure', { class: 'evidence', 'aria-label': `${metric} of ${o.deviceId} before the work order` });
    charts.set(o.id, holder);
    const threshold = metric === 'temperature' ? o.evidence?.evidence?.ratedMax : o.evidence?.evidence?.zoneCD;
    api<{ points: { tsMs: number; values: Record<string, number> }[] }>(`devices/${encodeURIComponent(o.deviceId)}/telemetry?from=${o.createdAtMs - 3600_000}&to=${Date.now()}&limit=2000`)
      .then(({ points }) => {
        const rows = points.filter((p) => p.values[metric] !== undefined);
        new uPlot(
          {
            width: Math.min(340, Math.max(240, list.clientWidth - 40)),
            height: 120,
            legend: { show: false },
            scales: { x: { time: true } },
            series: [{}, { stroke: '#4dabf7', width: 2 }, { stroke: '#f85149', width: 1 }],
            axes: [{ stroke: '#9aa7b4', size: 30 }, { stroke: '#9aa7b4', size: 40 }],
          },
          [rows.map((p) => p.tsMs / 1000), rows.map((p) => p.values[metric]), rows.map(() => threshold ?? null)] as uPlot.AlignedData,
          holder,
        );
      })
      .catch((err: Error) => holder.append(el('figcaption', { text: `evidence chart unavailable: ${err.message}` })));
    return holder;
  };

  const render = () => {
    const mine = live.activeOrders().sort((a, b) => (a.slaResolveByMs ?? Infinity) - (b.slaResolveByMs ?? Infinity));
    // Keep what the technician is typing: do not re-render a card being edited.
    if (list.contains(document.activeElement) && (document.activeElement?.tagName === 'TEXTAREA' || document.activeElement?.tagName === 'SELECT')) return;
    list.replaceChildren(...(mine.length ? mine.map(job) : [el('p', { class: 'empty', text: 'No dispatches for you right now.' })]));
  };
  render();
  return live.subscribe(({ workOrders, snapshot }) => {
    if (snapshot || workOrders.length) render();
  });
}
