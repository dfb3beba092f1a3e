// Technician, on a phone: my dispatches by SLA deadline, each with the device, where, why, the
// part to pick up and where, and the next step as one big button.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api.ts';
import { timeChart } from '../charts.ts';
import { explain } from '../explain.ts';
import { el } from '../format.ts';
import { dateTime, duration, labelOf, num, t, type MessageKey } from '../i18n.ts';
import { live, partLine, type WorkOrderView } from '../state.ts';
import { diagnoseForm } from './customer-voice.ts';

const NEXT: Record<string, { to: string; text: MessageKey } | undefined> = {
  assigned: { to: 'acknowledged', text: 'tech.next.acknowledge' },
  acknowledged: { to: 'en_route', text: 'tech.next.enRoute' },
  en_route: { to: 'on_site', text: 'tech.next.onSite' },
};

interface DeviceService {
  device: {
    id: string;
    modelId: string;
    serial: string;
    siteName: string | null;
    city: string | null;
    lat: number | null;
    lon: number | null;
    customerName: string | null;
    timeZone: string | null;
  };
}

/** What the job card says about the site, once the device's service record has come. */
type Where = { text: string; timeZone: string | null } | 'loading';

export function techView(root: HTMLElement): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status', id: 'tech-status' });
  const list = el('div', { id: 'my-jobs', class: 'jobs' });
  root.append(el('h2', { text: t('tech.title') }), status, list);
  const sites = new Map<string, Where>();

  const transition = async (o: WorkOrderView, body: Record<string, unknown>) => {
    try {
      await api(`work-orders/${o.id}/transitions`, { method: 'POST', body: { version: o.version, ...body } });
      status.textContent = t('tech.moved', { id: o.id, state: labelOf('workOrderState', String(body.to)) });
    } catch (err) {
      status.textContent = t('board.actionFailed', { id: o.id, reason: (err as Error).message });
    }
  };

  const job = (o: WorkOrderView) => {
    const card = el('article', { class: 'job', 'aria-labelledby': `job-${o.id}` });
    card.dataset.workOrderId = o.id;
    card.dataset.state = o.state;
    const where = sites.get(o.deviceId);
    if (where === undefined) {
      sites.set(o.deviceId, 'loading');
      api<DeviceService>(`devices/${encodeURIComponent(o.deviceId)}/service`)
        .then((r) => {
          const d = r.device;
          // Site names often carry the customer's and the town's name already: each said once.
          const place = d.siteName
            ? [d.customerName?.replace(/^PT /, ''), d.city].reduce<string>(
                (text, part) => (part && !text.includes(part) ? `${text}, ${part}` : text),
                d.siteName,
              )
            : t('tech.siteNotRecorded');
          const text =
            d.lat !== null && d.lon !== null
              ? t('tech.whereAt', { place, lat: num(d.lat, 4), lon: num(d.lon, 4), serial: d.serial })
              : t('tech.whereSerial', { place, serial: d.serial });
          sites.set(o.deviceId, { text, timeZone: d.timeZone });
          render();
        })
        .catch((err: Error) => {
          sites.set(o.deviceId, { text: t('tech.siteUnavailable', { reason: err.message }), timeZone: null });
          render();
        });
    }
    const known = where && where !== 'loading' ? where : null;
    // The site's zone: the deadline as the customer's clock says it (the fleet's, until the record comes).
    const zone = known?.timeZone ?? live.devices.get(o.deviceId)?.timeZone ?? null;
    const left = o.slaResolveByMs ? o.slaResolveByMs - Date.now() : null;
    card.append(
      el(
        'h3',
        { id: `job-${o.id}` },
        el('a', { href: `#/device/${encodeURIComponent(o.deviceId)}`, text: o.deviceId }),
        ` — ${labelOf('failureMode', o.mode)}`,
      ),
      el('p', {
        class: 'meta',
        text: [o.id, labelOf('workOrderState', o.state), labelOf('severity', o.severity)].filter(Boolean).join(' · '),
      }),
      el('p', {
        class: 'meta sla',
        text:
          left === null
            ? ''
            : t('tech.sla', {
                by: dateTime(o.slaResolveByMs, zone),
                left: duration(Math.abs(left)),
                overdue: left < 0 ? 'yes' : 'no',
              }),
      }),
      el('p', { class: 'meta where', text: t('tech.where', { where: known?.text ?? '…' }) }),
      el('p', {
        class: 'meta',
        text: t('tech.part', {
          ...partLine(o),
          status: labelOf('partStatus', o.partStatus),
          warranty: o.warrantyCovered ? 'yes' : 'no',
        }),
      }),
      el('p', { class: 'why', text: t('tech.why', { why: explain(o.evidence) }) }),
      evidenceChart(o, zone),
    );
    const next = NEXT[o.state];
    if (next) {
      const b = el('button', { type: 'button', class: 'big', text: t(next.text) });
      b.addEventListener('click', () => void transition(o, { to: next.to }));
      card.append(b);
    }
    // On site, the technician says what a customer-reported fault really is.
    if (o.state === 'on_site' && o.mode === 'customer_reported')
      card.append(
        diagnoseForm({ id: o.id, version: o.version, deviceId: o.deviceId }, (text) => {
          status.textContent = text;
        }),
      );
    if (o.state === 'on_site') {
      const code = el(
        'select',
        { id: `code-${o.id}` },
        ...['fault_confirmed_part_replaced', 'fault_confirmed_no_part', 'no_fault_found'].map((v) =>
          el('option', { value: v, text: labelOf('resolutionCode', v) }),
        ),
      );
      const notes = el('textarea', { id: `notes-${o.id}`, rows: '2' });
      const b = el('button', { type: 'button', class: 'big', text: t('tech.resolve') });
      b.addEventListener(
        'click',
        () => void transition(o, { to: 'resolved', resolutionCode: code.value, note: notes.value || undefined }),
      );
      card.append(
        el('label', { for: `code-${o.id}`, text: t('tech.resolution') }),
        code,
        el('label', { for: `notes-${o.id}`, text: t('tech.notes') }),
        notes,
        b,
      );
    }
    return card;
  };

  // The evidence: the driving metric over the hour before the work order opened, with the threshold.
  const charts = new Map<string, HTMLElement>();
  const evidenceChart = (o: WorkOrderView, zone: string | null): HTMLElement => {
    const existing = charts.get(o.id);
    if (existing) return existing;
    const metric = o.evidence?.metric ?? 'vibration';
    const holder = el('figure', {
      class: 'evidence',
      'aria-label': t('tech.evidenceLabel', { metric: labelOf('metric', metric), device: o.deviceId }),
    });
    charts.set(o.id, holder);
    const threshold = metric === 'temperature' ? o.evidence?.evidence?.ratedMax : o.evidence?.evidence?.zoneCD;
    const fromMs = o.createdAtMs - 3600_000;
    const toMs = Math.max(Date.now(), o.createdAtMs + 60_000);
    api<{ points: { tsMs: number; values: Record<string, number> }[] }>(
      `devices/${encodeURIComponent(o.deviceId)}/telemetry?from=${fromMs}&to=${toMs}&limit=2000`,
    )
      .then(({ points }) => {
        const rows = points.filter((p) => p.values[metric] !== undefined);
        const x = timeChart(zone);
        new uPlot(
          {
            width: Math.min(340, Math.max(240, list.clientWidth - 40)),
            height: 120,
            legend: { show: false },
            tzDate: x.tzDate,
            // The hour before the work order up to now, however few readings there are.
            scales: { x: { time: true, range: [fromMs / 1000, toMs / 1000] } },
            series: [x.xSeries, { stroke: '#4dabf7', width: 2 }, { stroke: '#f85149', width: 1 }],
            axes: [
              { ...x.xAxis, size: 30 },
              { stroke: '#9aa7b4', size: 40 },
            ],
          },
          [
            rows.map((p) => p.tsMs / 1000),
            rows.map((p) => p.values[metric]),
            rows.map(() => threshold ?? null),
          ] as uPlot.AlignedData,
          holder,
        );
      })
      .catch((err: Error) =>
        holder.append(el('figcaption', { text: t('tech.evidenceUnavailable', { reason: err.message }) })),
      );
    return holder;
  };

  const render = () => {
    const mine = live.activeOrders().sort((a, b) => (a.slaResolveByMs ?? Infinity) - (b.slaResolveByMs ?? Infinity));
    // Keep what the technician is typing: do not re-render a card being edited.
    if (
      list.contains(document.activeElement) &&
      (document.activeElement?.tagName === 'TEXTAREA' || document.activeElement?.tagName === 'SELECT')
    )
      return;
    list.replaceChildren(...(mine.length ? mine.map(job) : [el('p', { class: 'empty', text: t('tech.none') })]));
  };
  render();
  return live.subscribe(({ workOrders, snapshot }) => {
    if (snapshot || workOrders.length) render();
  });
}
