// The planners' alert list on the fleet page, as the server keeps it (dashboard/alerts/): it
// survives a reload, another planner sees the same, and a restart keeps it. Each alert can be
// acknowledged with a comment and assigned to a planner; it ends when the device recovers or the
// job ends. Newest first; an alert never moves while someone works on it (a change updates it in
// place), so a half-written comment keeps its place and focus.
import type { Alert } from '../../alerts/alert-book.ts';
import { api, type Me } from '../api.ts';
import { explain } from '../explain.ts';
import { el } from '../format.ts';
import { dateTime, labelOf, num, t, time } from '../i18n.ts';
import { live } from '../state.ts';

const SHOWN = 100;
type Filter = 'open' | 'unacknowledged' | 'mine' | 'all';

export function alertList(): { element: HTMLElement; destroy(): void } {
  const filter = el(
    'select',
    { id: 'alerts-filter' },
    ...(['open', 'unacknowledged', 'mine', 'all'] as const).map((f) =>
      el('option', { value: f, text: t(`alerts.filter.${f}`) }),
    ),
  );
  const list = el('ol', { id: 'alerts', class: 'alerts', 'aria-live': 'polite' });
  const more = el('p', { class: 'hint', id: 'alerts-more' });
  const empty = el('p', { class: 'empty', id: 'alerts-empty', text: t('alerts.empty') });
  const element = el(
    'div',
    {},
    el('div', { class: 'filters' }, el('label', { for: 'alerts-filter', text: t('alerts.show') }), filter),
    list,
    empty,
    more,
  );
  let assignees: { id: string; name: string }[] = [];
  let me: Me | null = null;
  const nameOf = (userId: string | null) => assignees.find((a) => a.id === userId)?.name ?? userId ?? '';
  const items = new Map<number, HTMLLIElement>();

  const visible = (a: Alert) => {
    const f = filter.value as Filter;
    if (f === 'all') return true;
    if (a.resolvedAtMs !== null) return false;
    if (f === 'unacknowledged') return a.acknowledgedAtMs === null;
    if (f === 'mine') return a.assignedTo !== null && a.assignedTo === me?.id;
    return true;
  };

  const textOf = (a: Alert) => {
    const device = a.deviceId;
    if (a.kind === 'work_order')
      return t('fleet.alert.opened', {
        id: a.workOrderId ?? '',
        device,
        mode: labelOf('failureMode', a.level),
        technician: 'none',
      });
    if (a.kind === 'connection') return t('alerts.connection', { device, status: labelOf('deviceState', a.level) });
    return t('fleet.alert.worse', {
      device,
      from: labelOf('deviceState', a.fromState ?? 'healthy'),
      to: labelOf('deviceState', a.level),
      why: explain(a.report),
    });
  };

  const save = async (li: HTMLLIElement, path: string, body: unknown) => {
    const error = li.querySelector<HTMLElement>('.alert-error')!;
    try {
      const r = await api<{ alert: Alert }>(path, { method: 'POST', body });
      error.textContent = '';
      live.alertChanged(r.alert);
      return true;
    } catch (err) {
      error.textContent = t('alerts.failed', { reason: (err as Error).message });
      return false;
    }
  };

  const ackForm = (a: Alert, li: HTMLLIElement) => {
    const id = `alert-comment-${a.id}`;
    const comment = el('textarea', { id, rows: '2', maxlength: '500' });
    const confirm = el('button', { type: 'submit', text: t('alerts.ackConfirm') });
    const cancel = el('button', { type: 'button', class: 'secondary', text: t('alerts.cancel') });
    const form = el(
      'form',
      { class: 'alert-ack' },
      el('label', { for: id, text: t('alerts.comment') }),
      comment,
      el('div', { class: 'actions' }, confirm, cancel),
    );
    const close = () => {
      form.remove();
      li.querySelector<HTMLButtonElement>('.alert-ack-open')?.focus();
    };
    cancel.addEventListener('click', close);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      confirm.disabled = true;
      if (await save(li, `alerts/${a.id}/acknowledge`, { comment: comment.value })) form.remove();
      confirm.disabled = false;
    });
    return { form, comment };
  };

  /** (Re)fills an alert's item in place; an open acknowledgement form stays as it is. */
  const fill = (li: HTMLLIElement, a: Alert) => {
    const open = a.resolvedAtMs === null;
    li.className = `alert kind-${a.kind} level-${a.level}${a.kind === 'work_order' ? ' work-order' : ''}${open ? '' : ' resolved'}${a.acknowledgedAtMs === null ? '' : ' acknowledged'}`;
    const href =
      a.kind === 'work_order' && a.workOrderId
        ? `#/work-order/${encodeURIComponent(a.workOrderId)}`
        : `#/device/${encodeURIComponent(a.deviceId)}`;
    // When it was raised: the planner's own clock and zone.
    const head = el(
      'p',
      { class: 'alert-head' },
      el('time', { text: time(a.raisedAtMs) }),
      ' ',
      el('a', { href, text: textOf(a) }),
    );
    const status: string[] = [];
    if (!open) status.push(t('alerts.resolved', { at: dateTime(a.resolvedAtMs) }));
    if (a.acknowledgedAtMs !== null)
      status.push(t('alerts.acknowledged', { name: nameOf(a.acknowledgedBy), at: dateTime(a.acknowledgedAtMs) }));
    if (a.comment) status.push(t('alerts.commentShown', { comment: a.comment }));
    if (a.assignedTo) status.push(t('alerts.assignedTo', { name: nameOf(a.assignedTo) }));
    const statusLine = el('p', { class: 'alert-status', text: status.join(' · ') || t('alerts.notAcknowledged') });
    const actions = el('div', { class: 'actions' });
    if (open) {
      if (a.acknowledgedAtMs === null) {
        const ack = el('button', {
          type: 'button',
          class: 'secondary small alert-ack-open',
          text: t('alerts.acknowledge'),
        });
        ack.addEventListener('click', () => {
          let form = li.querySelector('form.alert-ack');
          if (!form) {
            const f = ackForm(a, li);
            li.append(f.form);
            form = f.form;
            f.comment.focus();
          }
        });
        actions.append(ack);
      }
      const selectId = `alert-assign-${a.id}`;
      const assign = el(
        'select',
        { id: selectId, class: 'alert-assign' },
        el('option', { value: '', text: t('alerts.nobody') }),
        ...assignees.map((p) => el('option', { value: p.id, text: p.name })),
      );
      assign.value = a.assignedTo ?? '';
      assign.addEventListener('change', () => {
        void save(li, `alerts/${a.id}/assign`, { userId: assign.value || null });
      });
      actions.append(el('label', { for: selectId, text: t('alerts.assign') }), assign);
    }
    const form = li.querySelector('form.alert-ack');
    const error = li.querySelector('.alert-error') ?? el('p', { class: 'alert-error error', role: 'alert' });
    li.replaceChildren(head, statusLine, actions, error);
    if (form && open && a.acknowledgedAtMs === null) li.append(form);
  };

  const render = () => {
    const all = [...live.alerts.values()].filter(visible).sort((x, y) => y.raisedAtMs - x.raisedAtMs || y.id - x.id);
    const shown = all.slice(0, SHOWN);
    const keep = new Set(shown.map((a) => a.id));
    for (const [id, li] of items)
      if (!keep.has(id)) {
        li.remove();
        items.delete(id);
      }
    let previous: HTMLLIElement | null = null;
    for (const a of shown) {
      let li = items.get(a.id);
      if (!li) {
        li = el('li');
        li.dataset.alertId = String(a.id);
        items.set(a.id, li);
        fill(li, a);
        if (previous) previous.after(li);
        else list.prepend(li);
      }
      previous = li;
    }
    empty.hidden = shown.length > 0;
    more.textContent = all.length > SHOWN ? t('alerts.more', { n: num(all.length - SHOWN) }) : '';
  };

  filter.addEventListener('change', render);
  const off = live.subscribe(({ alerts, snapshot }) => {
    if (snapshot) {
      for (const li of items.values()) li.remove();
      items.clear();
    }
    for (const a of alerts) {
      const li = items.get(a.id);
      if (li && visible(a)) fill(li, a);
    }
    if (alerts.length || snapshot) render();
  });
  // Who alerts may be assigned to (planners, admins) and who I am, for names and "mine".
  void Promise.all([api<{ assignees: { id: string; name: string }[] }>('alerts'), api<{ user: Me | null }>('auth/me')])
    .then(([r, m]) => {
      assignees = r.assignees;
      me = m.user;
      for (const [id, li] of items) {
        const a = live.alerts.get(id);
        if (a) fill(li, a);
      }
    })
    .catch(() => {});
  render();
  return { element, destroy: off };
}
