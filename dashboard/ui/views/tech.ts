// Technician, on a phone: my dispatches by SLA deadline, each with the device, where (a call to
// the site, a navigation link), why (now, and when it opened), the part to pick up and where, the
// checklist, and the next step as one big button. Offline the list is the one last seen on this
// phone (field-store.ts), and status changes wait in an outbox, sent in order once back online;
// one the server refuses because the job changed meanwhile (409) is shown, never dropped silently.
import uPlot from 'uplot';
import { DEFAULT_CHECKLIST_LABELS, DEFAULT_READING_LABELS } from '../../../core/product-catalogue.ts';
import type { HealthReport } from '../../../core/types.ts';
import 'uplot/dist/uPlot.min.css';
import '../field-app.css';
import { api, ApiError, type Me } from '../api.ts';
import { timeChart } from '../charts.ts';
import { explain } from '../explain.ts';
import { type Conflict, FieldStore, type QueuedChange, type SiteInfo } from '../field-store.ts';
import { el } from '../format.ts';
import { dateTime, duration, labelOf, num, t, type MessageKey } from '../i18n.ts';
import { depotName, loadDepotNames } from '../depot-names.ts';
import { loadModelNames, modelName } from '../model-names.ts';
import { live, partLine, type WorkOrderView } from '../state.ts';
import { diagnoseForm } from './customer-voice.ts';
import { fieldWorkSection } from './field-work.ts';

const NEXT: Record<string, { to: string; text: MessageKey } | undefined> = {
  assigned: { to: 'acknowledged', text: 'tech.next.acknowledge' },
  acknowledged: { to: 'en_route', text: 'tech.next.enRoute' },
  en_route: { to: 'on_site', text: 'tech.next.onSite' },
};

/** Why a technician hands a job back, offered first; "other" asks for their own words. */
const DECLINE_REASONS = ['no_skill', 'no_part', 'too_far', 'unavailable', 'other'] as const;

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
  siteContact: { name: string | null; role: string | null; phone: string } | null;
}

interface ChecklistEntry {
  deviceId: string;
  itemId: string;
  label: string;
  reading: { metric: string; min: number; max: number } | null;
  required: boolean;
  doneAtMs: number | null;
  value: number | null;
  ok: boolean;
}

/** The phone cannot reach the server (as opposed to the server refusing). */
const unreachable = (err: unknown) => !(err instanceof ApiError);

/** A `geo:` URI (RFC 5870) with the place as its label: the phone's maps or navigation app opens it, no map server assumed. */
function geoLink(lat: number, lon: number, label: string): string {
  return `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(label)})`;
}

export function techView(root: HTMLElement, me: Pick<Me, 'id' | 'technicianId'>): () => void {
  const store = new FieldStore(me.id);
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status', id: 'tech-status' });
  const offline = el('p', { class: 'offline-note', id: 'tech-offline', role: 'status' });
  const conflicts = el('div', { id: 'tech-conflicts', role: 'alert' });
  const list = el('div', { id: 'my-jobs', class: 'jobs' });
  const done = el('div', { id: 'tech-done', 'aria-live': 'polite' });
  root.append(el('h2', { text: t('tech.title') }), offline, conflicts, status, done, list);
  const sites = new Map<string, SiteInfo | 'loading' | { error: string }>(Object.entries(store.sites()));
  const checklists = new Map<string, ChecklistEntry[] | 'loading'>();
  /** Jobs whose state the technician moved while online, shown before the server's delta comes. */
  let fromServer = live.snapshotAtMs !== null;
  /**
   * Whether the server answered lately: a snapshot came, or an API call got an answer. The
   * browser's navigator.onLine only says a network interface is up (a phone on a dead cell, or a
   * captive portal, says true), so a call that fails to connect marks the app offline too.
   */
  let reachable = fromServer && navigator.onLine;
  const answered = () => {
    if (!reachable) {
      reachable = true;
      showOffline();
    }
  };
  const lost = () => {
    if (reachable) {
      reachable = false;
      render();
    }
  };

  const jobs = (): WorkOrderView[] => {
    // Theirs only: a job they declined is back with the planner (open, nobody's) until the next snapshot.
    const orders = (fromServer ? live.activeOrders() : (store.jobs()?.orders ?? [])).filter(
      (o) => o.technicianId === me.technicianId,
    );
    return orders.sort((a, b) => (a.slaResolveByMs ?? Infinity) - (b.slaResolveByMs ?? Infinity));
  };

  const showOffline = () => {
    const queued = store.queue().length;
    const saved = store.jobs();
    const online = reachable;
    offline.hidden = online && queued === 0;
    offline.textContent = online
      ? t('tech.queuedSending', { count: queued })
      : t('tech.offline', { at: saved ? dateTime(saved.savedAtMs) : '—', count: queued });
  };

  const showConflicts = () => {
    conflicts.replaceChildren(
      ...store.conflicts().map((c: Conflict) => {
        const ok = el('button', { type: 'button', class: 'secondary small', text: t('tech.conflict.dismiss') });
        ok.addEventListener('click', () => {
          store.dismissConflict(c.workOrderId);
          showConflicts();
        });
        const p = el('p', {
          class: 'conflict',
          // The job moved meanwhile (or is gone), or it had not and the server said why not (a checklist not done).
          text:
            c.nowState !== null && c.nowState === c.fromState && c.versionMoved
              ? t('tech.conflict.changed', { id: c.workOrderId, wanted: labelOf('workOrderState', c.wanted) })
              : c.nowState !== null && c.nowState === c.fromState
                ? t('tech.conflict.refused', {
                    id: c.workOrderId,
                    wanted: labelOf('workOrderState', c.wanted),
                    reason: c.reason,
                  })
                : t('tech.conflict.text', {
                    id: c.workOrderId,
                    wanted: labelOf('workOrderState', c.wanted),
                    now: c.nowState ?? 'gone',
                    nowLabel: labelOf('workOrderState', c.nowState),
                  }),
        });
        p.dataset.workOrderId = c.workOrderId;
        return el('div', { class: 'conflict-row' }, p, ok);
      }),
    );
  };

  /** Sends the outbox in order; stops at the first change the network does not carry (tried again later). */
  let flushing = false;
  const flush = async () => {
    if (flushing) return;
    flushing = true;
    try {
      // A job's later changes follow on from the version its earlier one produced.
      const versions = new Map<string, number>();
      const refused = new Set<string>();
      let sent = 0;
      for (const c of store.queue()) {
        if (refused.has(c.workOrderId)) {
          store.dequeue(c.key);
          continue;
        }
        const version = versions.get(c.workOrderId) ?? c.version;
        try {
          const r = await api<{ workOrder: WorkOrderView }>(`work-orders/${c.workOrderId}/transitions`, {
            method: 'POST',
            body: { ...c.body, version },
          });
          answered();
          versions.set(c.workOrderId, r.workOrder.version);
          store.dequeue(c.key);
          sent++;
          live.delta([], [r.workOrder]);
          if (c.body.to === 'resolved') void resolvedPanel(r.workOrder);
        } catch (err) {
          if (unreachable(err)) {
            lost();
            break;
          }
          // The server answered (refusing): it is reachable, and the technician's next step goes straight to it.
          answered();
          store.dequeue(c.key);
          refused.add(c.workOrderId);
          await recordConflict(c, err as ApiError, version);
        }
      }
      if (sent) status.textContent = t('tech.synced', { count: sent });
    } finally {
      flushing = false;
      showConflicts();
      render();
    }
  };

  const recordConflict = async (c: QueuedChange, err: ApiError, version: number) => {
    // What the job is now, to say so (a job no longer theirs: the server will not tell).
    const now = await api<{ workOrder: WorkOrderView }>(`work-orders/${c.workOrderId}`).catch(() => null);
    if (now) live.delta([], [now.workOrder]);
    store.addConflict({
      workOrderId: c.workOrderId,
      wanted: c.body.to,
      fromState: c.fromState,
      nowState: now?.workOrder.state ?? null,
      versionMoved: err.status === 409 && now !== null && now.workOrder.version !== version,
      reason: err.message,
      atMs: Date.now(),
    });
  };

  const transition = async (o: WorkOrderView, body: QueuedChange['body']) => {
    // The newest version this phone knows: a part, photo or checklist item recorded since the
    // card was drawn made a new one (the card may not have been redrawn while an input had focus).
    const version = Math.max(o.version, live.workOrders.get(o.id)?.version ?? 0);
    const queue = () => {
      store.enqueue({ workOrderId: o.id, version, fromState: o.state, body });
      status.textContent = t('tech.queued', { id: o.id, state: labelOf('workOrderState', body.to) });
      render();
    };
    // Behind changes already waiting: they go first, in order.
    if (!reachable || store.queue().length) return queue();
    try {
      const r = await api<{ workOrder: WorkOrderView }>(`work-orders/${o.id}/transitions`, {
        method: 'POST',
        body: { version, ...body },
      });
      answered();
      status.textContent = t('tech.moved', { id: o.id, state: labelOf('workOrderState', body.to) });
      live.delta([], [r.workOrder]);
      if (body.to === 'resolved') void resolvedPanel(r.workOrder);
    } catch (err) {
      if (unreachable(err)) {
        lost();
        return queue();
      }
      status.textContent = t('board.actionFailed', { id: o.id, reason: (err as Error).message });
    }
  };

  /** Sites asked of the server since the view opened (the ones this phone kept show meanwhile). */
  const asked = new Set<string>();
  /** After a resolution: the customer's tracking page, where they confirm the fix and rate the visit, to hand over. */
  const resolvedPanel = async (o: WorkOrderView) => {
    const box = el('div', { class: 'done-card' });
    box.dataset.workOrderId = o.id;
    box.append(el('p', { text: t('tech.done.resolved', { id: o.id, device: o.deviceId }) }));
    try {
      const link = await api<{ url: string; contactName: string }>(`work-orders/${o.id}/customer-link`, {
        method: 'POST',
      });
      box.append(
        el(
          'p',
          {},
          el('a', {
            class: 'button-link customer-link',
            href: link.url,
            target: '_blank',
            rel: 'noopener',
            text: t('tech.done.customerLink', { name: link.contactName }),
          }),
        ),
        el('p', { class: 'hint', text: t('tech.done.customerLinkHint') }),
      );
    } catch (err) {
      box.append(el('p', { class: 'hint', text: t('tech.done.noLink', { reason: (err as Error).message }) }));
    }
    done.replaceChildren(box);
  };

  const loadSite = (deviceId: string) => {
    asked.add(deviceId);
    if (!sites.has(deviceId)) sites.set(deviceId, 'loading');
    api<DeviceService>(`devices/${encodeURIComponent(deviceId)}/service`)
      .then((r) => {
        const d = r.device;
        // Site names often carry the customer's and the town's name already: each said once.
        const place = d.siteName
          ? [d.customerName?.replace(/^PT /, ''), d.city].reduce<string>(
              (text, part) => (part && !text.includes(part) ? `${text}, ${part}` : text),
              d.siteName,
            )
          : t('tech.siteNotRecorded');
        const site: SiteInfo = {
          place,
          serial: d.serial,
          lat: d.lat,
          lon: d.lon,
          timeZone: d.timeZone,
          phone: r.siteContact?.phone ?? null,
          contactName: r.siteContact?.name ?? null,
        };
        sites.set(deviceId, site);
        store.saveSite(deviceId, site);
        render();
      })
      .catch((err: Error) => {
        // Offline: what this phone kept, if anything; else said once the network is back.
        if (unreachable(err)) {
          asked.delete(deviceId);
          if (sites.get(deviceId) === 'loading') sites.delete(deviceId);
          lost();
        } else sites.set(deviceId, { error: err.message });
        render();
      });
  };

  const whereLines = (o: WorkOrderView): HTMLElement[] => {
    const where = sites.get(o.deviceId);
    if (!asked.has(o.deviceId) && reachable) loadSite(o.deviceId);
    if (!where || where === 'loading') return [el('p', { class: 'meta where', text: t('tech.where', { where: '…' }) })];
    if ('error' in where)
      return [
        el('p', {
          class: 'meta where',
          text: t('tech.where', { where: t('tech.siteUnavailable', { reason: where.error }) }),
        }),
      ];
    const text =
      where.lat !== null && where.lon !== null
        ? t('tech.whereAt', {
            place: where.place,
            lat: num(where.lat, 4),
            lon: num(where.lon, 4),
            serial: where.serial,
          })
        : t('tech.whereSerial', { place: where.place, serial: where.serial });
    const links = el('p', { class: 'links' });
    if (where.phone)
      links.append(
        el('a', {
          class: 'button-link call',
          href: `tel:${where.phone.replace(/[^+\d]/g, '')}`,
          text: t('tech.call', { name: where.contactName ?? 'none', phone: where.phone }),
        }),
      );
    else links.append(el('span', { class: 'hint', text: t('tech.noPhone') }));
    if (where.lat !== null && where.lon !== null)
      links.append(
        el('a', {
          class: 'button-link navigate',
          href: geoLink(where.lat, where.lon, where.place),
          text: t('tech.navigate'),
        }),
      );
    return [el('p', { class: 'meta where', text: t('tech.where', { where: text }) }), links];
  };

  const checklistSection = (o: WorkOrderView): HTMLElement | null => {
    if (o.state !== 'on_site') return null;
    const items = checklists.get(o.id);
    if (items === undefined) {
      checklists.set(o.id, 'loading');
      api<{ checklist: ChecklistEntry[] }>(`work-orders/${o.id}/checklist`)
        .then((r) => {
          checklists.set(o.id, r.checklist);
          render();
        })
        .catch(() => checklists.delete(o.id));
    }
    const box = el('fieldset', { class: 'checklist' }, el('legend', { text: t('tech.checklist') }));
    if (!Array.isArray(items)) {
      box.append(el('p', { class: 'hint', text: reachable ? '…' : t('tech.needsConnection') }));
      return box;
    }
    if (!items.length) box.append(el('p', { class: 'hint', text: t('tech.checklistEmpty') }));
    for (const item of items) {
      const id = `check-${o.id}-${item.deviceId}-${item.itemId}`;
      const record = async (body: { done?: boolean; value?: number }) => {
        try {
          const r = await api<{ item: ChecklistEntry; workOrder: WorkOrderView }>(`work-orders/${o.id}/checklist`, {
            method: 'POST',
            body: { itemId: item.itemId, deviceId: item.deviceId, ...body },
          });
          // A new version of the job: the card's next step follows on from it.
          live.delta([], [r.workOrder]);
          const now = checklists.get(o.id);
          if (Array.isArray(now))
            checklists.set(
              o.id,
              now.map((e) => (e.itemId === item.itemId && e.deviceId === item.deviceId ? r.item : e)),
            );
          status.textContent = t('tech.checklistSaved', { item: checklistLabel(item) });
        } catch (err) {
          status.textContent = t('board.actionFailed', { id: o.id, reason: (err as Error).message });
        }
        render();
      };
      const label = `${checklistLabel(item)}${item.required ? '' : ` (${t('tech.optional')})`}`;
      if (item.reading) {
        const input = el('input', {
          id,
          type: 'number',
          step: 'any',
          inputmode: 'decimal',
          value: item.value === null ? '' : String(item.value),
        });
        input.addEventListener('change', () => {
          if (input.value !== '') void record({ value: Number(input.value) });
        });
        box.append(
          el(
            'div',
            { class: `check reading${item.doneAtMs !== null ? (item.ok ? ' ok' : ' out') : ''}` },
            el('label', {
              for: id,
              text: t('tech.reading', { label, min: num(item.reading.min, 1), max: num(item.reading.max, 1) }),
            }),
            input,
          ),
        );
      } else {
        const input = el('input', { id, type: 'checkbox' });
        input.checked = item.doneAtMs !== null;
        input.addEventListener('change', () => void record({ done: input.checked }));
        box.append(el('div', { class: 'check' }, input, el('label', { for: id, text: label })));
      }
    }
    return box;
  };

  const declineForm = (o: WorkOrderView): HTMLElement => {
    const details = el('details', { class: 'decline' }, el('summary', { text: t('tech.decline') }));
    details.open = openDeclines.has(o.id);
    details.addEventListener('toggle', () => (details.open ? openDeclines.add(o.id) : openDeclines.delete(o.id)));
    const reason = el(
      'select',
      { id: `decline-reason-${o.id}` },
      ...DECLINE_REASONS.map((r) => el('option', { value: r, text: t(`tech.declineReason.${r}` as MessageKey) })),
    );
    const words = el('textarea', { id: `decline-note-${o.id}`, rows: '2' });
    // The card is rebuilt on every live change of the job list: keep the chosen reason and the
    // words typed so far, or a re-render between choosing and sending declines with another reason.
    const draft = declineDrafts.get(o.id);
    if (draft) {
      reason.value = draft.reason;
      words.value = draft.text;
    }
    const keepDraft = () => declineDrafts.set(o.id, { reason: reason.value, text: words.value });
    reason.addEventListener('change', keepDraft);
    words.addEventListener('input', keepDraft);
    const error = el('p', { class: 'error', role: 'alert' });
    const send = el('button', { type: 'button', class: 'danger', text: t('tech.declineConfirm') });
    send.addEventListener('click', () => {
      const text = words.value.trim();
      if (reason.value === 'other' && text.length < 3) {
        error.textContent = t('tech.declineReasonRequired');
        words.focus();
        return;
      }
      const note = [t(`tech.declineReason.${reason.value}` as MessageKey), text].filter(Boolean).join(': ');
      void transition(o, { to: 'open', note });
    });
    details.append(
      el('label', { for: reason.id, text: t('tech.declineWhy') }),
      reason,
      el('label', { for: words.id, text: t('tech.declineNote') }),
      words,
      error,
      send,
    );
    return details;
  };

  const whyNowText = (h: HealthReport | null | undefined) =>
    h ? t('tech.whyNow', { why: explain(h), health: num(h.score, 0) }) : '';
  const whyNow = (deviceId: string, h: HealthReport | null | undefined) => {
    const p = el('p', { class: 'why now', text: whyNowText(h) });
    p.dataset.deviceId = deviceId;
    return p;
  };
  const fieldSections = new Map<string, ReturnType<typeof fieldWorkSection>>();
  /** The decline forms the technician opened: kept open across re-renders. */
  const openDeclines = new Set<string>();
  /** The reason chosen and the words typed in a decline form not sent yet, by work order. */
  const declineDrafts = new Map<string, { reason: string; text: string }>();

  const job = (o: WorkOrderView, pending: QueuedChange[]) => {
    // While changes wait, the card shows where they take it.
    const shown = pending.length ? pending[pending.length - 1].body.to : o.state;
    const card = el('article', { class: 'job', 'aria-labelledby': `job-${o.id}` });
    card.dataset.workOrderId = o.id;
    card.dataset.state = o.state;
    if (pending.length) card.dataset.pending = shown;
    const site = sites.get(o.deviceId);
    const known = site && site !== 'loading' && !('error' in site) ? site : null;
    // The site's zone: the deadline as the customer's clock says it (the fleet's, until the record comes).
    const zone = known?.timeZone ?? live.devices.get(o.deviceId)?.timeZone ?? null;
    const left = o.slaResolveByMs ? o.slaResolveByMs - Date.now() : null;
    const health = live.devices.get(o.deviceId)?.health;
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
      // What machine it is, by the catalogue's name (the id until the names are in, and offline).
      el('p', { class: 'meta model', text: modelName(live.devices.get(o.deviceId)?.modelId) }),
    );
    if (pending.length)
      card.append(
        el('p', {
          class: 'pending',
          text: t('tech.pending', { state: labelOf('workOrderState', shown), count: pending.length }),
        }),
      );
    card.append(
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
      ...whereLines(o),
      el('p', {
        class: 'meta',
        text: t('tech.part', {
          ...partLine(o, depotName),
          status: labelOf('partStatus', o.partStatus),
          warranty: o.warrantyCovered ? 'yes' : 'no',
        }),
      }),
      // Why now: the device's latest health, live (updated in place); why it was sent: the evidence when it opened.
      whyNow(o.deviceId, health),
      el('p', { class: 'why', text: t('tech.whyOpened', { why: explain(o.evidence) }) }),
    );
    if (reachable || charts.has(o.id)) card.append(evidenceChart(o, zone));
    const checklist = checklistSection(o);
    if (checklist) card.append(checklist);
    if (shown === 'on_site' && o.state === 'on_site' && reachable) {
      // Built once per job and kept: a half-drawn signature survives re-renders.
      let section = fieldSections.get(o.id);
      if (!section) {
        section = fieldWorkSection(o, (text) => {
          status.textContent = text;
        });
        fieldSections.set(o.id, section);
      } else section.update(o);
      card.append(section.element);
    }
    const next = NEXT[shown];
    const actions = el('div', { class: 'actions' });
    if (next) {
      const b = el('button', { type: 'button', class: 'big', text: t(next.text) });
      b.addEventListener(
        'click',
        () => void transition({ ...o, state: shown as WorkOrderView['state'] }, { to: next.to }),
      );
      actions.append(b);
    }
    card.append(actions);
    if (shown === 'assigned' && !pending.length) card.append(declineForm(o));
    // On site, the technician says what a customer-reported fault really is.
    if (shown === 'on_site' && o.mode === 'customer_reported')
      card.append(
        diagnoseForm({ id: o.id, version: o.version, deviceId: o.deviceId }, (text) => {
          status.textContent = text;
        }),
      );
    if (shown === 'on_site') {
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
      .catch((err: Error) => {
        charts.delete(o.id); // tried again once back online
        holder.append(el('figcaption', { text: t('tech.evidenceUnavailable', { reason: err.message }) }));
      });
    return holder;
  };

  // A finger (or mouse button) down on a card: a render now would take the card out of the page
  // between press and release, and the browser then sends no click (a tap on Save lost).
  let pressed = false;
  // A render held back (a card being edited or pressed) happens once that ends, not never.
  let renderHeld = false;
  const renderLater = () => {
    if (renderHeld) setTimeout(render, 0); // after this event's click, not before it
  };
  const release = () => {
    pressed = false;
    renderLater();
  };
  list.addEventListener('pointerdown', () => {
    pressed = true;
  });
  window.addEventListener('pointerup', release);
  window.addEventListener('pointercancel', release);
  list.addEventListener('focusout', renderLater);

  const render = () => {
    showOffline();
    // Keep what the technician is typing, signing or tapping: do not re-render a card being edited.
    const active = document.activeElement;
    renderHeld =
      pressed ||
      list.querySelector('canvas[data-drawing]') !== null ||
      (list.contains(active) &&
        (active?.tagName === 'TEXTAREA' || active?.tagName === 'SELECT' || active?.tagName === 'INPUT'));
    if (renderHeld) return;
    const queue = store.queue();
    const mine = jobs();
    list.replaceChildren(
      ...(mine.length
        ? mine.map((o) =>
            job(
              o,
              queue.filter((c) => c.workOrderId === o.id),
            ),
          )
        : [el('p', { class: 'empty', text: t('tech.none') })]),
    );
  };
  const onOnline = () => void flush();
  const onOffline = () => lost();
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  // While changes wait, try every 15 s as well: the browser's online event does not come when the
  // network was up but the server unreachable.
  const retry = setInterval(() => {
    if (store.queue().length) void flush();
  }, 15_000);
  showConflicts();
  render();
  void Promise.all([loadModelNames(), loadDepotNames()]).then(render);
  if (fromServer) void flush();
  const unsubscribe = live.subscribe(({ workOrders, devices, snapshot }) => {
    if (snapshot) {
      fromServer = true;
      answered();
      void flush(); // connected again: what waited goes now
    }
    if (fromServer && (snapshot || workOrders.length)) store.saveJobs(jobs());
    if (snapshot || workOrders.length) render();
    else
      for (const d of devices)
        for (const p of list.querySelectorAll<HTMLElement>('p.why.now'))
          if (p.dataset.deviceId === d.deviceId) p.textContent = whyNowText(d.health);
  });
  return () => {
    unsubscribe();
    clearInterval(retry);
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    window.removeEventListener('pointerup', release);
    window.removeEventListener('pointercancel', release);
  };
}

/**
 * A checklist step in the viewer's language: Purna's default steps by id (while their label is
 * still the default's), a default reading step's kind before its "metric (unit)"; a model's own
 * wording as its author wrote it.
 */
function checklistLabel(item: { itemId: string; label: string }): string {
  const defaults: Record<string, string> = DEFAULT_CHECKLIST_LABELS;
  if (defaults[item.itemId] === item.label) return labelOf('checklist', item.itemId);
  if (item.itemId.startsWith('reading_'))
    for (const [kind, words] of Object.entries(DEFAULT_READING_LABELS))
      if (item.label.startsWith(`${words}: `))
        return `${labelOf('checklistReading', kind)}: ${item.label.slice(words.length + 2)}`;
  return item.label;
}
