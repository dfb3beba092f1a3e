// Planner: the customers, and one customer on one page — their sites, the people we talk to
// (added, edited, removed, imported from CSV), their devices and warranties, every job, every
// message we sent them or they sent us, and how they rated us.
import { api, ApiError } from '../api.ts';
import { loadModelNames, modelName } from '../model-names.ts';
import { el } from '../format.ts';
import { date, dateTime, labelOf, num, t } from '../i18n.ts';
import { LANGUAGES } from '../../../core/i18n/index.ts';
import { CUSTOMER_CHANNELS } from '../../../core/types.ts';
import type { Contact, CustomerRecordView } from '../customer-types.ts';
import { messageTable } from './work-order.ts';
import { followUpList, inboundList } from './customer-voice.ts';

interface CustomerRow {
  id: string;
  name: string;
}

export function customersView(root: HTMLElement): () => void {
  const search = el('input', { id: 'customer-search', type: 'search', placeholder: t('customers.searchPlaceholder') });
  const list = el('ul', { id: 'customer-list', class: 'customer-list' });
  root.append(
    el('h2', { text: t('customers.title') }),
    el('p', { class: 'filters' }, el('label', { for: 'customer-search', text: t('customers.search') }), search),
    list,
  );
  let customers: CustomerRow[] = [];
  const render = () => {
    const q = search.value.trim().toLowerCase();
    list.replaceChildren(
      ...customers
        .filter((c) => !q || c.name.toLowerCase().includes(q) || c.id.toLowerCase().includes(q))
        .map((c) =>
          el(
            'li',
            {},
            el('a', { href: `#/customers/${encodeURIComponent(c.id)}`, text: c.name }),
            el('span', { class: 'meta', text: ` ${c.id}` }),
          ),
        ),
    );
  };
  search.addEventListener('input', render);
  api<{ customers: CustomerRow[] }>('customers')
    .then((r) => {
      customers = r.customers;
      render();
    })
    .catch((err: Error) => list.replaceChildren(el('li', { class: 'error', text: err.message })));
  return () => {};
}

export function customerView(root: HTMLElement, customerId: string): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status', id: 'customer-status' });
  const body = el('div', { id: 'customer' });
  root.append(el('p', {}, el('a', { href: '#/customers', text: t('customers.back') })), body, status);
  let record: CustomerRecordView | null = null;

  const load = async () => {
    try {
      record = await api<CustomerRecordView>(`customers/${encodeURIComponent(customerId)}`);
      render();
    } catch (err) {
      body.replaceChildren(el('p', { class: 'error', text: (err as Error).message }));
    }
  };

  const siteName = (siteId: string | null) =>
    siteId ? (record?.sites.find((s) => s.id === siteId)?.name ?? siteId) : t('customers.contact.allSites');

  const table = (id: string, heads: string[], rows: HTMLTableRowElement[], empty: string) =>
    rows.length
      ? el(
          'div',
          { class: 'table-scroll' },
          el(
            'table',
            { id },
            el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, ...rows),
          ),
        )
      : el('p', { class: 'empty', id, text: empty });
  const row = (...cells: (string | Node)[]) => el('tr', {}, ...cells.map((c) => el('td', {}, c)));

  const render = () => {
    if (!record) return;
    const r = record;
    const { customer } = r;
    body.replaceChildren(
      el('h2', { id: 'customer-name', text: customer.name }),
      el('p', { class: 'meta', text: [customer.id, customer.email, customer.phone].filter(Boolean).join(' · ') }),
      el('h3', { text: t('customers.sites') }),
      table(
        'customer-sites',
        [t('customers.col.site'), t('customers.col.city'), t('customers.col.timeZone')],
        r.sites.map((s) => row(s.name, s.city, s.timeZone)),
        t('customers.none'),
      ),
      el('h3', { text: t('customers.contacts') }),
      table(
        'customer-contacts',
        [
          t('customers.col.name'),
          t('customers.col.role'),
          t('customers.col.site'),
          t('customers.col.phone'),
          t('customers.col.email'),
          t('customers.col.channel'),
          t('customers.col.language'),
          t('customers.col.quietHours'),
          '',
        ],
        r.contacts.map((c) => {
          const edit = el('button', { type: 'button', class: 'secondary', text: t('customers.contact.edit') });
          edit.addEventListener('click', () => showForm(c));
          const remove = el('button', { type: 'button', class: 'secondary', text: t('customers.contact.remove') });
          remove.addEventListener('click', () => void removeContact(c));
          const tr = row(
            c.name,
            c.role ?? '',
            siteName(c.siteId),
            c.phone ?? '',
            c.email ?? '',
            labelOf('channel', c.preferredChannel),
            t(`language.${c.language}`),
            c.quietHours ? t('customers.contact.quietRange', { from: c.quietHours.from, to: c.quietHours.to }) : '—',
            el('span', { class: 'actions' }, edit, remove),
          );
          tr.dataset.contactId = c.id;
          return tr;
        }),
        t('customers.noContacts'),
      ),
      contactTools(),
      el('h3', { text: t('customers.devices') }),
      table(
        'customer-devices',
        [
          t('customers.col.device'),
          t('customers.col.model'),
          t('customers.col.site'),
          t('customers.col.installed'),
          t('customers.col.warrantyEnd'),
          t('customers.col.contract'),
        ],
        r.devices.map((d) =>
          row(
            el('a', { href: `#/device/${encodeURIComponent(d.id)}`, text: d.id }),
            el('span', { title: d.modelId, text: modelName(d.modelId) }),
            d.siteName ?? '—',
            date(d.installDateMs, d.timeZone),
            t('customers.warranty', {
              end: date(d.warrantyEndMs, d.timeZone),
              active: d.warrantyActive ? 'yes' : 'no',
            }),
            labelOf('contractTier', d.contractTier),
          ),
        ),
        t('customers.none'),
      ),
      el('h3', { text: t('customers.workOrders') }),
      table(
        'customer-orders',
        [
          t('customers.col.workOrder'),
          t('customers.col.device'),
          t('customers.col.mode'),
          t('customers.col.state'),
          t('customers.col.opened'),
          t('customers.col.warranty'),
        ],
        r.workOrders.map((w) => {
          const zone = r.devices.find((d) => d.id === w.deviceId)?.timeZone ?? null;
          return row(
            el('a', { href: `#/work-order/${encodeURIComponent(w.id)}`, text: w.id }),
            w.deviceId,
            labelOf('failureMode', w.mode),
            labelOf('workOrderState', w.state),
            dateTime(w.createdAtMs, zone),
            w.warrantyCovered ? t('customers.covered') : t('customers.notCovered'),
          );
        }),
        t('customers.none'),
      ),
      el('h3', { text: t('customers.messages') }),
      messageTable(
        'customer-messages',
        r.messages,
        (m) =>
          r.devices.find((d) => d.id === r.workOrders.find((w) => w.id === m.workOrderId)?.deviceId)?.timeZone ?? null,
        true,
      ),
      el('h3', { text: t('customers.ratings') }),
      table(
        'customer-ratings',
        [
          t('customers.col.workOrder'),
          t('customers.col.device'),
          t('customers.col.answered'),
          t('customers.col.stars'),
          t('customers.col.nps'),
          t('customers.col.comment'),
        ],
        r.ratings.map((x) => {
          const zone = r.devices.find((d) => d.id === x.deviceId)?.timeZone ?? null;
          // The job and the device a rating is about, each a link to its page (as in the work orders above).
          return row(
            el('a', { href: `#/work-order/${encodeURIComponent(x.workOrderId)}`, text: x.workOrderId }),
            el('a', { href: `#/device/${encodeURIComponent(x.deviceId)}`, text: x.deviceId }),
            dateTime(x.answeredAtMs, zone),
            el('span', {
              class: 'stars',
              'aria-label': t('customers.starsLabel', { stars: x.csat }),
              text: '★'.repeat(x.csat) + '☆'.repeat(5 - x.csat),
            }),
            x.nps === null ? '—' : num(x.nps),
            x.comment ?? '',
          );
        }),
        t('customers.noRatings'),
      ),
      // The customer's sites share Indonesia's zones: their messages on the first site's clock.
      el('h3', { text: t('inbound.title') }),
      inboundList('customer-inbound', r.inbound, r.sites[0]?.timeZone ?? null),
      el('h3', { text: t('followUps.title') }),
      followUpList('customer-follow-ups', r.followUps, () => void load(), r.sites[0]?.timeZone ?? null),
    );
  };

  const removeContact = async (c: Contact) => {
    try {
      await api(`contacts/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
      status.textContent = t('customers.contact.removed', { name: c.name });
      await load();
    } catch (err) {
      status.textContent = t('customers.failed', { reason: (err as Error).message });
    }
  };

  const formHolder = el('div', { id: 'contact-form-holder' });
  const contactTools = () => {
    const add = el('button', { type: 'button', id: 'contact-add', text: t('customers.contact.add') });
    add.addEventListener('click', () => showForm(null));
    const file = el('input', { type: 'file', id: 'contact-csv', accept: '.csv,text/csv' });
    const report = el('ul', { id: 'contact-import-errors', class: 'errors' });
    file.addEventListener('change', () => void importCsv(file, report));
    return el(
      'div',
      {},
      el(
        'p',
        { class: 'actions' },
        add,
        el('label', { for: 'contact-csv', text: t('customers.contact.importCsv') }),
        file,
      ),
      report,
      formHolder,
    );
  };

  const importCsv = async (file: HTMLInputElement, report: HTMLElement) => {
    const f = file.files?.[0];
    if (!f) return;
    const res = await fetch('/api/contacts/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: await f.text(),
    });
    const json = (await res.json().catch(() => ({}))) as {
      imported?: number;
      errors?: { line: number; message: string }[];
      message?: string;
    };
    file.value = '';
    if (res.ok) {
      report.replaceChildren();
      status.textContent = t('customers.contact.imported', { count: json.imported ?? 0 });
      await load();
    } else {
      status.textContent = t('customers.contact.importFailed');
      report.replaceChildren(
        ...(json.errors ?? [{ line: 0, message: json.message ?? res.statusText }]).map((e) =>
          el('li', { class: 'error', text: t('customers.contact.importLine', { line: e.line, message: e.message }) }),
        ),
      );
    }
  };

  const showForm = (c: Contact | null) => {
    if (!record) return;
    const field = (id: string, label: string, input: HTMLElement) =>
      el('div', { class: 'field' }, el('label', { for: id, text: label }), input);
    const name = el('input', { id: 'cf-name', required: '', value: c?.name ?? '' });
    const role = el('input', { id: 'cf-role', value: c?.role ?? '' });
    const site = el(
      'select',
      { id: 'cf-site' },
      el('option', { value: '', text: t('customers.contact.allSites') }),
      ...record.sites.map((s) => el('option', { value: s.id, text: s.name })),
    );
    site.value = c?.siteId ?? '';
    const phone = el('input', { id: 'cf-phone', type: 'tel', value: c?.phone ?? '', placeholder: '+62 812 3456 7890' });
    const email = el('input', { id: 'cf-email', type: 'email', value: c?.email ?? '' });
    const channel = el(
      'select',
      { id: 'cf-channel' },
      ...CUSTOMER_CHANNELS.map((ch) => el('option', { value: ch, text: labelOf('channel', ch) })),
    );
    channel.value = c?.preferredChannel ?? 'email';
    const lang = el(
      'select',
      { id: 'cf-language' },
      ...LANGUAGES.map((l) => el('option', { value: l, text: t(`language.${l}`) })),
    );
    lang.value = c?.language ?? 'id';
    const quietFrom = el('input', { id: 'cf-quiet-from', type: 'time', value: c?.quietHours?.from ?? '' });
    const quietTo = el('input', { id: 'cf-quiet-to', type: 'time', value: c?.quietHours?.to ?? '' });
    const notices = el('input', { id: 'cf-notices', type: 'checkbox' });
    notices.checked = c?.receivesNotices ?? true;
    const error = el('p', { class: 'error', role: 'alert', id: 'cf-error' });
    const save = el('button', { type: 'submit', text: t('customers.contact.save') });
    const cancel = el('button', { type: 'button', class: 'secondary', text: t('customers.contact.cancel') });
    const form = el(
      'form',
      { id: 'contact-form', class: 'contact-form' },
      el('h4', { text: c ? t('customers.contact.editTitle', { name: c.name }) : t('customers.contact.addTitle') }),
      field('cf-name', t('customers.col.name'), name),
      field('cf-role', t('customers.col.role'), role),
      field('cf-site', t('customers.col.site'), site),
      field('cf-phone', t('customers.col.phone'), phone),
      field('cf-email', t('customers.col.email'), email),
      field('cf-channel', t('customers.col.channel'), channel),
      field('cf-language', t('customers.col.language'), lang),
      el(
        'div',
        { class: 'field' },
        el('span', { text: t('customers.contact.quietHours') }),
        el(
          'span',
          { class: 'range' },
          el('label', { for: 'cf-quiet-from', class: 'visually-hidden', text: t('customers.contact.quietFrom') }),
          quietFrom,
          '–',
          el('label', { for: 'cf-quiet-to', class: 'visually-hidden', text: t('customers.contact.quietTo') }),
          quietTo,
        ),
      ),
      el(
        'div',
        { class: 'field check' },
        notices,
        el('label', { for: 'cf-notices', text: t('customers.contact.receivesNotices') }),
      ),
      error,
      el('p', { class: 'actions' }, save, cancel),
    );
    cancel.addEventListener('click', () => formHolder.replaceChildren());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const payload = {
        name: name.value,
        role: role.value || null,
        siteId: site.value || null,
        phone: phone.value || null,
        email: email.value || null,
        preferredChannel: channel.value,
        language: lang.value,
        receivesNotices: notices.checked,
        quietHours: quietFrom.value && quietTo.value ? { from: quietFrom.value, to: quietTo.value } : null,
      };
      try {
        if (c) await api(`contacts/${encodeURIComponent(c.id)}`, { method: 'PUT', body: { ...payload, customerId } });
        else await api(`customers/${encodeURIComponent(customerId)}/contacts`, { method: 'POST', body: payload });
        formHolder.replaceChildren();
        status.textContent = t('customers.contact.saved', { name: payload.name });
        await load();
      } catch (err) {
        // The API names the field ("phone: … is not a valid phone number"): shown as it is.
        error.textContent = err instanceof ApiError ? err.message : String(err);
      }
    });
    formHolder.replaceChildren(form);
    name.focus();
  };

  void load();
  void loadModelNames().then(render);
  return () => {};
}
