// Planner: one work order — what it is about, its history, every notice its customer's contacts
// were sent (delivered, held for quiet hours, retrying, failed, not sent, and why) and what the
// customer said back (their report, the survey's stars and comment); the planner's tools: add a
// note, reassign an assigned job to another technician.
import { api, ApiError } from '../api.ts';
import { el, stackOnPhone } from '../format.ts';
import { dateTime, labelOf, num, t } from '../i18n.ts';
import { loadModelNames, modelName } from '../model-names.ts';
import { live, partLine, type WorkOrderView } from '../state.ts';
import type { MessageView } from '../customer-types.ts';
import { diagnoseForm, feedbackSections, type FeedbackView } from './customer-voice.ts';
import { quotePanel } from './quote-panel.ts';
import { proofSection } from './field-work.ts';
import { actorName, historyNote, NO_NAMES, type HistoryNames } from '../history-text.ts';

interface Detail {
  workOrder: WorkOrderView & {
    createdAtMs: number;
    customerReport: string | null;
    partName: string | null;
    note: string | null;
  };
  history: { atMs: number; fromState: string | null; toState: string; actor: string; note: string | null }[];
}
interface DeviceService {
  device: {
    id: string;
    modelId: string;
    customerId: string | null;
    customerName: string | null;
    siteName: string | null;
    timeZone: string | null;
  };
}
interface TechnicianRow {
  id: string;
  name: string;
  active: boolean;
  openJobs: number;
  maxOpenJobs: number;
}
interface Survey {
  answeredAtMs: number | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
}

/** How a message stands, in a planner's words: sent, waiting (and why), or failed (and why). */
export function messageState(m: MessageView, zone: string | null): string {
  if (m.state === 'delivered') return t('workOrder.message.delivered', { at: dateTime(m.deliveredAtMs, zone) });
  if (m.state === 'dead') {
    // Purna's own reason for not sending (customers/notices.ts), in the planner's words; a
    // provider's error as it came.
    const unset =
      /^not sent: (\w+) is not configured \((\w+) unset\) and no other configured channel has an address for (.+)$/.exec(
        m.lastError ?? '',
      );
    if (unset)
      return t('workOrder.message.notConfigured', {
        channel: labelOf('channel', unset[1]),
        setting: unset[2],
        name: unset[3],
      });
    return t('workOrder.message.failed', { reason: m.lastError ?? '' });
  }
  if (m.heldUntilMs !== null && m.attempts === 0)
    return t('workOrder.message.held', { until: dateTime(m.heldUntilMs, zone) });
  if (m.attempts > 0)
    return t('workOrder.message.retrying', {
      attempts: m.attempts,
      reason: m.lastError ?? '',
      next: dateTime(m.nextAttemptAtMs, zone),
    });
  return t('workOrder.message.queued');
}

export function messageTable(
  id: string,
  messages: MessageView[],
  zoneOf: (m: MessageView) => string | null,
  withJob: boolean,
): HTMLElement {
  if (!messages.length) return el('p', { class: 'empty', id, text: t('workOrder.noMessages') });
  const heads = [
    t('workOrder.col.sent'),
    ...(withJob ? [t('customers.col.workOrder')] : []),
    t('workOrder.col.contact'),
    t('customers.col.channel'),
    t('workOrder.col.notice'),
    t('workOrder.col.state'),
    t('workOrder.col.said'),
  ];
  return el(
    'div',
    { class: 'table-scroll' },
    stackOnPhone(
      el(
        'table',
        { id, class: 'messages' },
        el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col', text: h })))),
        el(
          'tbody',
          {},
          ...messages.map((m) => {
            const zone = zoneOf(m);
            const tr = el(
              'tr',
              { class: `message-${m.state}` },
              el('td', { text: dateTime(m.createdAtMs, zone) }),
              ...(withJob
                ? [
                    el(
                      'td',
                      {},
                      el('a', { href: `#/work-order/${encodeURIComponent(m.workOrderId)}`, text: m.workOrderId }),
                    ),
                  ]
                : []),
              el('td', { text: `${m.contactName ?? m.contactId} · ${m.target}` }),
              el('td', { text: labelOf('channel', m.channel) }),
              el('td', { text: labelOf('noticeKind', m.notice) }),
              el('td', { class: 'state', text: messageState(m, zone) }),
              el('td', { class: 'said', text: m.subject || m.text }),
            );
            tr.dataset.notice = m.notice;
            tr.dataset.state = m.state;
            return tr;
          }),
        ),
      ),
    ),
  );
}

export function workOrderView(root: HTMLElement, id: string): () => void {
  const body = el('div', { id: 'work-order' });
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status', id: 'wo-status' });
  root.append(el('p', {}, el('a', { href: '#/work-orders', text: t('workOrder.back') })), status, body);
  let technicians = new Map<string, TechnicianRow>();
  const nameOf = (techId: string | null | undefined) =>
    techId ? (technicians.get(techId)?.name ?? techId) : t('workOrder.nobody');
  let zone: string | null = null;
  let customer: { id: string | null; name: string | null; site: string | null } = { id: null, name: null, site: null };
  let modelId: string | null = null;
  // Who the history's ids are: users, depots and the customer's contacts change rarely, read once.
  let names: HistoryNames = NO_NAMES;
  let staff: Promise<[Map<string, string>, Map<string, string>]> | null = null;

  const load = async () => {
    try {
      const [detail, { messages }, techs, feedback] = await Promise.all([
        api<Detail>(`work-orders/${encodeURIComponent(id)}`),
        api<{ messages: MessageView[] }>(`work-orders/${encodeURIComponent(id)}/messages`),
        api<{ technicians: TechnicianRow[] }>('technicians'),
        api<FeedbackView>(`work-orders/${encodeURIComponent(id)}/feedback`),
      ]);
      technicians = new Map(techs.technicians.map((x) => [x.id, x]));
      // A survey goes out when a job is resolved: before, there is none to ask for (a 404 in the console).
      const survey =
        detail.workOrder.state !== 'resolved'
          ? null
          : await api<{ survey: Survey }>(`work-orders/${encodeURIComponent(id)}/survey`).then(
              (r) => r.survey,
              (err) => {
                if (err instanceof ApiError && err.status === 404) return null;
                throw err;
              },
            );
      staff ??= Promise.all([
        api<{ people: { id: string; name: string }[] }>('people').then(
          (r) => new Map(r.people.map((u) => [u.id, u.name])),
        ),
        api<{ depots: { id: string; name: string }[] }>('depots').then(
          (r) => new Map(r.depots.map((x) => [x.id, x.name])),
        ),
      ]);
      if (customer.id === null) {
        const d = (await api<DeviceService>(`devices/${encodeURIComponent(detail.workOrder.deviceId)}/service`)).device;
        zone = d.timeZone;
        customer = { id: d.customerId, name: d.customerName, site: d.siteName };
        modelId = d.modelId;
        await loadModelNames();
        const contacts = d.customerId
          ? (
              await api<{ contacts: { id: string; name: string }[] }>(
                `customers/${encodeURIComponent(d.customerId)}/contacts`,
              )
            ).contacts
          : [];
        names = { ...names, contacts: new Map(contacts.map((c) => [c.id, c.name])) };
      }
      const [users, depots] = await staff;
      names = {
        ...names,
        users,
        depots,
        technicians: new Map([...technicians.values()].map((x) => [x.id, x.name])),
        parts: new Map([
          ...(detail.workOrder.partSku && detail.workOrder.partName
            ? [[detail.workOrder.partSku, detail.workOrder.partName] as const]
            : []),
          ...(detail.workOrder.parts ?? []).map((p) => [p.sku, p.name] as const),
        ]),
      };
      render(detail, messages, survey, feedback);
    } catch (err) {
      body.replaceChildren(el('p', { class: 'error', text: (err as Error).message }));
    }
  };

  const render = (d: Detail, messages: MessageView[], survey: Survey | null, feedback: FeedbackView) => {
    const o = d.workOrder;
    // A reload while the planner types (a poll, a live change) would throw their text away.
    if (body.contains(document.activeElement) && document.activeElement?.matches('input, textarea, select')) return;
    body.dataset.version = String(o.version);
    body.replaceChildren(
      el('h2', {
        id: 'work-order-title',
        text: t('workOrder.title', { id: o.id, state: labelOf('workOrderState', o.state) }),
      }),
      el(
        'p',
        { class: 'meta' },
        el('a', { href: `#/device/${encodeURIComponent(o.deviceId)}`, text: o.deviceId }),
        modelId ? ` · ` : '',
        modelId ? el('span', { class: 'model', title: modelId, text: modelName(modelId) }) : '',
        ` · ${labelOf('failureMode', o.mode)} · ${labelOf('severity', o.severity)} · `,
        customer.id
          ? el('a', { href: `#/customers/${encodeURIComponent(customer.id)}`, text: customer.name ?? customer.id })
          : '',
        customer.site ? ` · ${customer.site}` : '',
      ),
      el('p', {
        class: 'meta',
        id: 'wo-facts',
        text: t('workOrder.facts', {
          state: labelOf('workOrderState', o.state),
          severity: labelOf('severity', o.severity),
          technician: nameOf(o.technicianId),
          opened: dateTime(o.createdAtMs, zone),
        }),
      }),
      el('p', {
        class: 'meta',
        id: 'wo-sla',
        text: o.slaResolveByMs ? t('workOrder.sla', { by: dateTime(o.slaResolveByMs, zone) }) : '',
      }),
      el('p', {
        class: 'meta',
        id: 'wo-part',
        text: t('board.card.part', {
          ...partLine(o, (depotId) => names.depots.get(depotId) ?? depotId),
          status: labelOf('partStatus', o.partStatus),
          warranty: o.warrantyCovered ? 'yes' : 'no',
        }),
      }),
      // What the technician brought back: the photo and the customer's signature (views/field-work.ts).
      proofSection(o.id),
      o.jobType !== 'installation' &&
        o.jobType !== 'planned_maintenance' &&
        o.jobType !== 'inspection' &&
        // A quote waits, was approved, or was declined (the job cancelled); else there is none to ask for.
        (o.awaitingApprovalIdr !== null || o.approvedAmountIdr !== null || o.state === 'cancelled')
        ? quotePanel(
            o.id,
            (text) => {
              status.textContent = text;
            },
            () => void load(),
          )
        : '',
      o.state === 'assigned' ? reassignForm(o) : '',
      o.mode === 'customer_reported' && o.state !== 'resolved' && o.state !== 'cancelled'
        ? diagnoseForm(o, (text) => {
            status.textContent = text;
          })
        : '',
      ...(o.customerReport
        ? [
            el('h3', { text: t('workOrder.customerReport') }),
            el('blockquote', { id: 'customer-report', text: o.customerReport }),
          ]
        : []),
      el('h3', { text: t('workOrder.feedback') }),
      survey && survey.answeredAtMs !== null
        ? el(
            'p',
            { id: 'work-order-survey' },
            el('span', {
              class: 'stars',
              'aria-label': t('customers.starsLabel', { stars: survey.csat ?? 0 }),
              text: '★'.repeat(survey.csat ?? 0) + '☆'.repeat(5 - (survey.csat ?? 0)),
            }),
            ` ${survey.nps === null ? '' : t('workOrder.nps', { nps: num(survey.nps) })} ${dateTime(survey.answeredAtMs, zone)}`,
            ...(survey.comment ? [el('q', { class: 'comment', text: survey.comment })] : []),
          )
        : el('p', { class: 'empty', id: 'work-order-survey', text: t('workOrder.noFeedback') }),
      ...feedbackSections(feedback, zone, () => void load()),
      el('h3', { text: t('workOrder.messages') }),
      messageTable('work-order-messages', messages, () => zone, false),
      el('h3', { text: t('workOrder.history') }),
      el(
        'div',
        { class: 'table-scroll' },
        stackOnPhone(
          el(
            'table',
            { id: 'work-order-history' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...[
                  t('workOrder.col.when'),
                  t('workOrder.col.step'),
                  t('workOrder.col.by'),
                  t('workOrder.col.note'),
                ].map((h) => el('th', { scope: 'col', text: h })),
              ),
            ),
            el(
              'tbody',
              {},
              ...d.history.map((h) =>
                el(
                  'tr',
                  {},
                  el('td', { text: dateTime(h.atMs, zone) }),
                  el('td', {
                    text:
                      h.fromState && h.fromState !== h.toState
                        ? `${labelOf('workOrderState', h.fromState)} → ${labelOf('workOrderState', h.toState)}`
                        : labelOf('workOrderState', h.toState),
                  }),
                  // The name, the id behind it on hover (what the API and the log say).
                  el('td', { text: actorName(h.actor, names), title: h.actor }),
                  el('td', { class: 'why', text: historyNote(h.note, names) }),
                ),
              ),
            ),
          ),
        ),
      ),
      noteForm(),
    );
  };

  const noteForm = (): HTMLFormElement => {
    const text = el('textarea', { id: 'wo-note', rows: '2', maxlength: '2000', required: '' });
    const form = el(
      'form',
      { class: 'note-form' },
      el('label', { for: 'wo-note', text: t('workOrder.addNote') }),
      text,
      el('button', { type: 'submit', text: t('workOrder.addNote.submit') }),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void act(
        () => api(`work-orders/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { note: text.value } }),
        t('workOrder.noted'),
      );
    });
    return form;
  };

  // What the planner has chosen in the reassign form so far: the page re-renders on every live
  // change and every 10 s, and a choice must survive that (it was reset to the first name).
  const reassignDraft = { technicianId: '', note: '' };
  const reassignForm = (o: WorkOrderView): HTMLFormElement => {
    const options = [...technicians.values()]
      .filter((x) => x.active && x.id !== o.technicianId)
      .sort((a, b) => a.name.localeCompare(b.name));
    const select = el(
      'select',
      { id: 'wo-technician' },
      ...options.map((x) =>
        el('option', {
          value: x.id,
          text: t('workOrder.techOption', { name: x.name, load: x.openJobs, max: x.maxOpenJobs }),
        }),
      ),
    );
    const reason = el('input', { id: 'wo-reassign-note', maxlength: '2000' });
    if (options.some((x) => x.id === reassignDraft.technicianId)) select.value = reassignDraft.technicianId;
    reason.value = reassignDraft.note;
    select.addEventListener('change', () => {
      reassignDraft.technicianId = select.value;
    });
    reason.addEventListener('input', () => {
      reassignDraft.note = reason.value;
    });
    const form = el(
      'form',
      { class: 'reassign filters' },
      el('label', { for: 'wo-technician', text: t('workOrder.reassignTo') }),
      select,
      el('label', { for: 'wo-reassign-note', text: t('workOrder.reassignWhy') }),
      reason,
      el('button', { type: 'submit', text: t('workOrder.reassign') }),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      // The version read with the page: someone else's change in between is a 409, shown as it is.
      void act(
        () =>
          api(`work-orders/${encodeURIComponent(id)}/reassign`, {
            method: 'POST',
            body: { technicianId: select.value, version: o.version, note: reason.value.trim() || undefined },
          }).then(() => {
            reassignDraft.technicianId = '';
            reassignDraft.note = '';
          }),
        t('workOrder.reassigned', { name: technicians.get(select.value)?.name ?? select.value }),
      );
    });
    return form;
  };

  const act = async (call: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await call();
      status.textContent = done;
    } catch (err) {
      status.textContent = t('board.actionFailed', { id, reason: (err as Error).message });
    }
    (document.activeElement as HTMLElement | null)?.blur();
    await load();
  };

  void load();
  // Deliveries happen after the change that caused them: look again every 10 s while open.
  const poll = setInterval(() => void load(), 10_000);
  // The job moves (a notice goes out with each step): read it again, at most twice a second.
  let timer: ReturnType<typeof setTimeout> | null = null;
  const off = live.subscribe(({ workOrders }) => {
    if (timer || !workOrders.some((o) => o.id === id)) return;
    timer = setTimeout(() => {
      timer = null;
      void load();
    }, 500);
  });
  return () => {
    off();
    clearInterval(poll);
    if (timer) clearTimeout(timer);
  };
}
