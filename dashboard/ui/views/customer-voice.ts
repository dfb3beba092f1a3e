// What customers said, where a planner needs it: the follow-up tasks (on the board, the work
// order and the customer page), the messages they sent in, each contact's confirmation and rating
// from their tracking page, and the board's form for a problem a customer reports by phone.
import { api } from '../api.ts';
import { modelName } from '../model-names.ts';
import { el } from '../format.ts';
import { dateTime, labelOf, num, t, type MessageKey } from '../i18n.ts';

export interface FollowUpView {
  id: number;
  reason: 'low_rating' | 'not_fixed' | 'unplaced_message';
  workOrderId: string | null;
  customerId: string | null;
  contactName: string | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
  createdAtMs: number;
  doneAtMs: number | null;
  doneBy: string | null;
  doneNote: string | null;
}

export interface InboundView {
  id: number;
  channel: 'email' | 'whatsapp';
  fromAddress: string;
  contactName: string | null;
  subject: string | null;
  text: string;
  workOrderId: string | null;
  outcome: 'attached' | 'opened' | 'unplaced' | 'unknown_sender';
  receivedAtMs: number;
}

export interface TrackingAnswerView {
  contactId: string;
  contactName: string | null;
  confirmation: 'done' | 'not_fixed' | null;
  confirmedAtMs: number | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
}

export interface FeedbackView {
  answers: TrackingAnswerView[];
  followUps: FollowUpView[];
  inbound: InboundView[];
}

export const stars = (n: number | null) =>
  el('span', {
    class: 'stars',
    'aria-label': t('customers.starsLabel', { stars: n ?? 0 }),
    text: '★'.repeat(n ?? 0) + '☆'.repeat(5 - (n ?? 0)),
  });

/** The follow-up tasks as a list; open ones with a "done" button (and a note). */
export function followUpList(id: string, items: FollowUpView[], onDone: () => void, zone: string | null = null) {
  if (!items.length) return el('p', { class: 'empty', id, text: t('followUps.none') });
  return el(
    'ul',
    { class: 'follow-ups', id },
    ...items.map((f) => {
      const li = el(
        'li',
        { class: f.doneAtMs === null ? 'open' : 'done' },
        el('strong', { text: t(`followUps.reason.${f.reason}` as MessageKey) }),
        ' · ',
        f.workOrderId
          ? el('a', { href: `#/work-order/${encodeURIComponent(f.workOrderId)}`, text: f.workOrderId })
          : f.customerId
            ? el('a', { href: `#/customers/${encodeURIComponent(f.customerId)}`, text: f.customerId })
            : '',
        f.contactName ? ` · ${f.contactName}` : '',
        f.csat !== null ? ' · ' : '',
        f.csat !== null ? stars(f.csat) : '',
        f.nps !== null ? ` · ${t('workOrder.nps', { nps: num(f.nps) })}` : '',
        ` · ${dateTime(f.createdAtMs, zone)}`,
        ...(f.comment ? [el('q', { class: 'comment', text: f.comment })] : []),
      );
      li.dataset.followUpId = String(f.id);
      if (f.doneAtMs !== null) {
        li.append(
          el('p', {
            class: 'meta',
            text: t('followUps.doneBy', {
              by: f.doneBy ?? '',
              at: dateTime(f.doneAtMs, zone),
              hasNote: f.doneNote ? 'yes' : 'no',
              note: f.doneNote ?? '',
            }),
          }),
        );
        return li;
      }
      const note = el('input', {
        type: 'text',
        maxlength: '2000',
        'aria-label': t('followUps.note'),
        placeholder: t('followUps.note'),
      });
      const done = el('button', { type: 'button', text: t('followUps.markDone') });
      const error = el('span', { class: 'error', role: 'alert' });
      done.addEventListener('click', async () => {
        try {
          await api(`follow-ups/${f.id}/done`, { method: 'POST', body: note.value.trim() ? { note: note.value } : {} });
          onDone();
        } catch (err) {
          error.textContent = (err as Error).message;
        }
      });
      li.append(el('div', { class: 'actions' }, note, done, error));
      return li;
    }),
  );
}

/** What came in from the customer: channel, who, when, what happened with it, the words. */
export function inboundList(id: string, items: InboundView[], zone: string | null) {
  if (!items.length) return el('p', { class: 'empty', id, text: t('inbound.none') });
  return el(
    'ul',
    { class: 'inbound', id },
    ...items.map((m) =>
      el(
        'li',
        {},
        el('strong', { text: `${labelOf('channel', m.channel)} · ${m.contactName ?? m.fromAddress}` }),
        ` · ${dateTime(m.receivedAtMs, zone)} · ${t(`inbound.outcome.${m.outcome}` as MessageKey)}`,
        m.workOrderId ? ' · ' : '',
        m.workOrderId
          ? el('a', { href: `#/work-order/${encodeURIComponent(m.workOrderId)}`, text: m.workOrderId })
          : '',
        el('q', { class: 'comment', text: m.text }),
      ),
    ),
  );
}

/** The work order's customer voice: each contact's answer on their tracking page, follow-ups, messages in. */
export function feedbackSections(f: FeedbackView, zone: string | null, reload: () => void): HTMLElement[] {
  const answers = f.answers.length
    ? el(
        'ul',
        { class: 'answers', id: 'work-order-answers' },
        ...f.answers.map((a) =>
          el(
            'li',
            {},
            el('strong', { text: a.contactName ?? a.contactId }),
            ` · ${t(a.confirmation === 'not_fixed' ? 'workOrder.answer.notFixed' : 'workOrder.answer.done')} · `,
            a.csat !== null ? stars(a.csat) : '',
            a.nps !== null ? ` ${t('workOrder.nps', { nps: num(a.nps) })}` : '',
            ` · ${dateTime(a.confirmedAtMs, zone)}`,
            ...(a.comment ? [el('q', { class: 'comment', text: a.comment })] : []),
          ),
        ),
      )
    : el('p', { class: 'empty', id: 'work-order-answers', text: t('workOrder.noAnswers') });
  return [
    el('h3', { text: t('workOrder.answers') }),
    answers,
    el('h3', { text: t('followUps.title') }),
    followUpList('work-order-follow-ups', f.followUps, reload, zone),
    el('h3', { text: t('inbound.title') }),
    inboundList('work-order-inbound', f.inbound, zone),
  ];
}

interface CustomerOption {
  id: string;
  name: string;
}
interface SiteOption {
  id: string;
  name: string;
  city: string;
}
interface DeviceOption {
  id: string;
  modelId: string;
  serial: string;
  siteId: string | null;
}

/**
 * The planner's form for a problem a customer reports by phone or message: the machine picked by
 * customer, then site, then device; the customer's words as they said them; how urgent. Opens a
 * customer-reported job (failure mode customer_reported until a technician diagnoses it).
 */
export function reportProblemForm(onCreated: (workOrderId: string) => void): HTMLElement {
  const customer = el('select', { id: 'rp-customer', required: '' });
  const site = el('select', { id: 'rp-site', required: '' });
  const device = el('select', { id: 'rp-device', required: '' });
  const words = el('textarea', { id: 'rp-words', required: '', maxlength: '4000', rows: '3' });
  const severity = el(
    'select',
    { id: 'rp-severity' },
    ...(['medium', 'high', 'critical', 'low'] as const).map((s) =>
      el('option', { value: s, text: labelOf('severity', s) }),
    ),
  );
  const error = el('p', { class: 'error', id: 'rp-error', role: 'alert' });
  const submit = el('button', { type: 'submit', text: t('report.submit') });
  const form = el(
    'form',
    { id: 'report-form', class: 'report-form', hidden: '' },
    el('label', { for: 'rp-customer', text: t('report.customer') }),
    customer,
    el('label', { for: 'rp-site', text: t('report.site') }),
    site,
    el('label', { for: 'rp-device', text: t('report.device') }),
    device,
    el('label', { for: 'rp-words', text: t('report.words') }),
    words,
    el('label', { for: 'rp-severity', text: t('report.severity') }),
    severity,
    el('div', { class: 'actions' }, submit),
    error,
  );
  const toggle = el('button', { type: 'button', id: 'report-open', 'aria-expanded': 'false', text: t('report.open') });
  let sites: SiteOption[] = [];
  let devices: DeviceOption[] = [];
  const fill = (select: HTMLSelectElement, options: [string, string][]) =>
    select.replaceChildren(
      el('option', { value: '', text: t('report.choose') }),
      ...options.map(([value, text]) => el('option', { value, text })),
    );
  const fillDevices = () =>
    fill(
      device,
      devices
        .filter((d) => d.siteId === site.value)
        .map((d) => [d.id, `${d.id} · ${modelName(d.modelId)} · ${d.serial}`]),
    );
  // The customer's own record has their sites and devices: nothing of other customers is listed.
  customer.addEventListener('change', async () => {
    sites = [];
    devices = [];
    if (customer.value) {
      try {
        const r = await api<{ sites: SiteOption[]; devices: DeviceOption[] }>(
          `customers/${encodeURIComponent(customer.value)}`,
        );
        sites = r.sites;
        devices = r.devices;
      } catch (err) {
        error.textContent = (err as Error).message;
      }
    }
    fill(
      site,
      sites.map((s) => [s.id, `${s.name} (${s.city})`]),
    );
    if (sites.length === 1) site.value = sites[0].id;
    fillDevices();
    const only = devices.filter((d) => d.siteId === site.value);
    if (only.length === 1) device.value = only[0].id;
  });
  site.addEventListener('change', fillDevices);
  toggle.addEventListener('click', async () => {
    const opening = form.hidden;
    form.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (!opening || customer.options.length) return;
    try {
      const c = await api<{ customers: CustomerOption[] }>('customers');
      fill(
        customer,
        c.customers.map((x) => [x.id, x.name]),
      );
      fill(site, []);
      fill(device, []);
      customer.focus();
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      const r = await api<{ workOrder: { id: string } }>('work-orders', {
        method: 'POST',
        body: {
          deviceId: device.value,
          jobType: 'customer_reported',
          mode: 'customer_reported',
          customerReport: words.value,
          severity: severity.value,
        },
      });
      words.value = '';
      form.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      onCreated(r.workOrder.id);
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  });
  return el('section', { class: 'report-problem', 'aria-label': t('report.title') }, toggle, form);
}

/**
 * The board's customer desk: the form for a reported problem and the open follow-ups (refreshed
 * when jobs change — a rating arrives with its job's history note — and every 30 s).
 */
export function boardCustomerDesk(say: (text: string) => void): {
  element: HTMLElement;
  refresh: () => void;
  stop: () => void;
} {
  const list = el('div', { id: 'board-follow-ups' });
  const heading = el('h3', { id: 'follow-ups-title', text: t('followUps.title') });
  let pending: ReturnType<typeof setTimeout> | null = null;
  const load = async () => {
    try {
      const { followUps } = await api<{ followUps: FollowUpView[] }>('follow-ups?open=true');
      heading.textContent = `${t('followUps.title')} (${num(followUps.length)})`;
      // Keep what the planner is typing in a note.
      if (list.contains(document.activeElement) && document.activeElement?.matches('input')) return;
      list.replaceChildren(followUpList('follow-up-list', followUps, () => void load()));
    } catch (err) {
      list.replaceChildren(el('p', { class: 'error', text: (err as Error).message }));
    }
  };
  const refresh = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      void load();
    }, 300);
  };
  const timer = setInterval(() => void load(), 30_000);
  void load();
  const element = el(
    'div',
    { class: 'customer-desk' },
    reportProblemForm((id) => say(t('report.created', { id }))),
    el('section', { class: 'follow-ups-panel', 'aria-labelledby': 'follow-ups-title' }, heading, list),
  );
  return {
    element,
    refresh,
    stop: () => {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
    },
  };
}

/**
 * A customer-reported job's diagnosis: the failure modes of the device's model to choose from
 * (POST …/diagnosis with the version read with the page; a change in between is a 409, shown).
 */
export function diagnoseForm(
  o: { id: string; version: number; deviceId: string },
  say: (text: string) => void,
): HTMLFormElement {
  const select = el('select', { id: `diagnosis-${o.id}`, class: 'diagnosis', required: '' });
  const note = el('input', { id: `diagnosis-note-${o.id}`, maxlength: '2000' });
  const form = el(
    'form',
    { class: 'diagnose filters' },
    el('label', { for: select.id, text: t('workOrder.diagnosis') }),
    select,
    el('label', { for: note.id, text: t('workOrder.diagnosisNote') }),
    note,
    el('button', { type: 'submit', text: t('workOrder.diagnose') }),
  );
  // The device's model as the service record has it, then its failure modes from the catalogue.
  void api<{ device: { modelId: string } }>(`devices/${encodeURIComponent(o.deviceId)}/service`)
    .then((r) =>
      api<{ model: { failureModes: { id: string; name: string }[] } }>(
        `catalogue/models/${encodeURIComponent(r.device.modelId)}`,
      ),
    )
    .then(
      (r) =>
        select.replaceChildren(
          el('option', { value: '', text: t('report.choose') }),
          ...[
            ...r.model.failureModes.map((m) => [m.id, m.name]),
            ...['sensor_fault', 'unknown_anomaly'].map((m) => [m, labelOf('failureMode', m)]),
          ].map(([value, text]) => el('option', { value, text })),
        ),
      (err) => say((err as Error).message),
    );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api(`work-orders/${encodeURIComponent(o.id)}/diagnosis`, {
        method: 'POST',
        body: { mode: select.value, version: o.version, ...(note.value.trim() ? { note: note.value.trim() } : {}) },
      });
      say(t('workOrder.diagnosed', { mode: select.selectedOptions[0]?.textContent ?? select.value }));
    } catch (err) {
      say(t('board.actionFailed', { id: o.id, reason: (err as Error).message }));
    }
  });
  return form;
}
