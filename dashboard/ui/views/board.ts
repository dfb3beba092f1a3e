// Planner: the work-order board, one column per state (the closed ones: the last week), with
// filters and the actions a planner takes on each card.
import { CLOSED_STATES, WORK_ORDER_STATES } from '../../../core/work-order-states.ts';
import { formatIdr } from '../../../core/i18n/format.ts';
import { api } from '../api.ts';
import { explain } from '../explain.ts';
import { el } from '../format.ts';
import { dateTime, duration, labelOf, shortTime, t } from '../i18n.ts';
import { depotName, loadDepotNames } from '../depot-names.ts';
import { loadModelNames, modelName } from '../model-names.ts';
import { ACTIVE, live, partLine, type WorkOrderView } from '../state.ts';
import { boardWhere } from './board-where.ts';
import { boardCustomerDesk } from './customer-voice.ts';
import { newJobForm } from './new-job-form.ts';

/** Every state in lifecycle order: work to do, then what was resolved or cancelled lately. */
const COLUMNS = WORK_ORDER_STATES;
/** How far back the resolved and cancelled columns reach: a week of outcomes, not the archive. */
const CLOSED_WINDOW_MS = 7 * 86_400_000;
/** Closed jobs fetched for that week (newest first); more would not fit a column anyway. */
const CLOSED_FETCH_LIMIT = 300;

interface TechnicianName {
  id: string;
  name: string;
}

/** When a job left the board: its resolution or cancellation time. */
function closedAtMs(o: WorkOrderView): number {
  return o.resolvedAtMs ?? o.cancelledAtMs ?? o.updatedAtMs;
}

export function boardView(root: HTMLElement, focusId?: string): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
  const board = el('div', { class: 'board', id: 'board' });
  const filters = boardFilters(() => render());
  const dialog = cancelDialog((o, reason, falseAlarm) => void cancel(o, reason, falseAlarm));
  const where = boardWhere();
  const desk = boardCustomerDesk((text) => {
    status.textContent = text;
  });
  root.append(
    el('h2', { text: t('board.title') }),
    desk.element,
    newJobForm(),
    filters.element,
    status,
    board,
    where.element,
    dialog.element,
  );

  // Closed jobs do not come with the live snapshot (it carries active work): fetched once here,
  // then kept current by the live deltas of jobs closing while the board is open.
  const closed = new Map<string, WorkOrderView>();
  const technicians = new Map<string, string>();
  void api<{ workOrders: WorkOrderView[] }>(`work-orders?state=${CLOSED_STATES.join(',')}&limit=${CLOSED_FETCH_LIMIT}`)
    .then((r) => {
      for (const o of r.workOrders) closed.set(o.id, o);
      render();
    })
    .catch((err) => {
      status.textContent = t('board.loadFailed', { reason: (err as Error).message });
    });
  void api<{ technicians: TechnicianName[] }>('technicians')
    .then((r) => {
      for (const x of r.technicians) technicians.set(x.id, x.name);
      render();
    })
    .catch((err) => {
      status.textContent = t('board.loadFailed', { reason: (err as Error).message });
    });

  const technicianName = (id: string | null | undefined) => (id ? (technicians.get(id) ?? id) : 'none');

  const dispatch = async (o: WorkOrderView) => {
    try {
      await api(`work-orders/${o.id}/dispatch`, { method: 'POST', body: { version: o.version } });
      status.textContent = t('board.replanned', { id: o.id });
    } catch (err) {
      status.textContent = t('board.actionFailed', { id: o.id, reason: (err as Error).message });
    }
  };

  async function cancel(o: WorkOrderView, reason: string, falseAlarm: boolean): Promise<void> {
    try {
      // The reason is the record's: stored on the transition, shown in its timeline. A false
      // alarm also tells analytics not to open the same device and failure mode again for it.
      await api(`work-orders/${o.id}/transitions`, {
        method: 'POST',
        body: { to: 'cancelled', version: o.version, note: reason, falseAlarm },
      });
      status.textContent = t(falseAlarm ? 'board.dismissed' : 'board.cancelled', { id: o.id });
    } catch (err) {
      status.textContent = t('board.actionFailed', { id: o.id, reason: (err as Error).message });
    }
  }

  const card = (o: WorkOrderView) => {
    const zone = live.devices.get(o.deviceId)?.timeZone ?? null;
    const c = el(
      'article',
      { class: `card severity-${o.severity ?? 'unknown'}`, tabindex: '0', 'aria-labelledby': `card-${o.id}` },
      el(
        'h4',
        { id: `card-${o.id}` },
        el('a', { href: `#/device/${encodeURIComponent(o.deviceId)}`, text: o.deviceId }),
        ` · ${o.jobType && o.jobType !== 'predicted_failure' ? `${labelOf('jobType', o.jobType)}${o.jobType === 'customer_reported' ? `: ${labelOf('failureMode', o.mode)}` : ''}` : labelOf('failureMode', o.mode)} · `,
        el('a', { href: `#/work-order/${encodeURIComponent(o.id)}`, class: 'work-order-link', text: o.id }),
      ),
      el('p', { class: 'meta model', text: modelName(live.devices.get(o.deviceId)?.modelId) }),
      el('p', {
        class: 'meta who',
        text: t('board.card.who', {
          id: o.id,
          severity: labelOf('severity', o.severity),
          technician: technicianName(o.technicianId),
        }),
      }),
      el('p', {
        class: 'meta',
        text: t('board.card.part', {
          ...partLine(o, depotName),
          status: labelOf('partStatus', o.partStatus),
          warranty: o.warrantyCovered ? 'yes' : 'no',
        }),
      }),
      el('p', {
        class: 'meta sla',
        text: CLOSED_STATES.includes(o.state)
          ? t('board.card.closed', { state: labelOf('workOrderState', o.state), at: dateTime(closedAtMs(o), zone) })
          : slaText(o, zone),
      }),
      el('p', { class: 'why', text: explain(o.evidence) }),
    );
    // Paid work: waiting for the customer's yes to its quote, or what they approved.
    if (o.awaitingApprovalIdr != null)
      c.append(
        el('p', {
          class: 'meta awaiting-approval',
          text: t('board.card.awaitingApproval', { amount: formatIdr(o.awaitingApprovalIdr) }),
        }),
      );
    else if (o.approvedAmountIdr != null)
      c.append(el('p', { class: 'meta', text: t('board.card.approved', { amount: formatIdr(o.approvedAmountIdr) }) }));
    c.dataset.workOrderId = o.id;
    c.dataset.state = o.state;
    const actions = el('div', { class: 'actions' });
    // The dispatcher plans open jobs only (an assigned one is reassigned on its page).
    if (o.state === 'open') {
      const b = el('button', { type: 'button', text: t('board.planDispatch') });
      b.addEventListener('click', () => void dispatch(o));
      actions.append(b);
    }
    if (o.state !== 'on_site' && !CLOSED_STATES.includes(o.state)) {
      const b = el('button', { type: 'button', class: 'secondary', text: t('board.cancel') });
      b.addEventListener('click', () => dialog.open(o));
      actions.append(b);
    }
    c.append(actions);
    return c;
  };

  function visibleOrders(): WorkOrderView[] {
    const since = Date.now() - CLOSED_WINDOW_MS;
    const all = new Map(closed);
    for (const o of live.workOrders.values()) all.set(o.id, o);
    return [...all.values()].filter((o) => !CLOSED_STATES.includes(o.state) || closedAtMs(o) >= since);
  }

  function render(): void {
    const orders = visibleOrders();
    filters.refreshOptions(orders, technicians);
    const shown = orders.filter(filters.matches);
    board.replaceChildren(
      ...COLUMNS.filter(filters.showsColumn).map((state) => {
        const items = shown
          .filter((o) => o.state === state)
          .sort(CLOSED_STATES.includes(state) ? (a, b) => closedAtMs(b) - closedAtMs(a) : bySlaDeadline);
        // The closed columns hold the last week only: their heading says so (a planner read "Resolved (3)" as all time).
        const heading = CLOSED_STATES.includes(state)
          ? t('board.columnClosed', {
              state: labelOf('workOrderState', state),
              days: CLOSED_WINDOW_MS / 86_400_000,
              count: items.length,
            })
          : t('board.column', { state: labelOf('workOrderState', state), count: items.length });
        return el(
          'section',
          { class: 'column', 'aria-label': heading, 'data-state': state },
          el('h3', { text: heading }),
          ...items.map(card),
        );
      }),
    );
    // The active jobs the filters show, on the map or in the list.
    where.update(shown.filter((o) => ACTIVE.has(o.state)));
    if (focusId) board.querySelector<HTMLElement>(`[data-work-order-id="${CSS.escape(focusId)}"]`)?.focus();
  }
  render();
  void Promise.all([loadModelNames(), loadDepotNames()]).then(render);
  const unsubscribe = live.subscribe(({ workOrders, snapshot }) => {
    for (const o of workOrders) if (CLOSED_STATES.includes(o.state)) closed.set(o.id, o);
    if (snapshot || workOrders.length) render();
    if (workOrders.length) desk.refresh();
  });
  return () => {
    unsubscribe();
    desk.stop();
    where.destroy();
    dialog.element.close();
  };
}

function bySlaDeadline(a: WorkOrderView, b: WorkOrderView): number {
  return (a.slaResolveByMs ?? Infinity) - (b.slaResolveByMs ?? Infinity);
}

/** The resolution deadline, in the site's zone (what the customer was promised, on their clock). */
function slaText(o: WorkOrderView, zone: string | null): string {
  if (!o.slaResolveByMs) return '';
  const left = o.slaResolveByMs - Date.now();
  const by = Math.abs(left) < 12 * 3600_000 ? shortTime(o.slaResolveByMs, zone) : dateTime(o.slaResolveByMs, zone);
  return t('board.card.sla', { left: duration(Math.abs(left)), by, overdue: left < 0 ? 'yes' : 'no' });
}

/** The board's filters: state, technician, site and failure mode; options from what is on the board. */
function boardFilters(onChange: () => void) {
  const state = el(
    'select',
    { id: 'board-state' },
    el('option', { value: '', text: t('board.filter.allStates') }),
    ...WORK_ORDER_STATES.map((s) => el('option', { value: s, text: labelOf('workOrderState', s) })),
  );
  const technician = el('select', { id: 'board-technician' });
  const site = el('select', { id: 'board-site' });
  const mode = el('select', { id: 'board-mode' });
  for (const s of [state, technician, site, mode]) s.addEventListener('change', onChange);
  const element = el(
    'div',
    { class: 'filters' },
    el('label', { for: 'board-state', text: t('board.filter.state') }),
    state,
    el('label', { for: 'board-technician', text: t('board.filter.technician') }),
    technician,
    el('label', { for: 'board-site', text: t('board.filter.site') }),
    site,
    el('label', { for: 'board-mode', text: t('board.filter.mode') }),
    mode,
  );
  const siteOf = (o: WorkOrderView) => live.devices.get(o.deviceId)?.site ?? '';

  /** Replaces a select's options when the set changed, keeping the chosen value. */
  const fill = (select: HTMLSelectElement, all: string, options: [string, string][]) => {
    const signature = options.map(([v, l]) => `${v}\u0000${l}`).join('\u0001');
    if (select.dataset.signature === signature) return;
    const keep = select.value;
    select.replaceChildren(
      el('option', { value: '', text: all }),
      ...options.map(([value, text]) => el('option', { value, text })),
    );
    select.dataset.signature = signature;
    select.value = options.some(([v]) => v === keep) ? keep : '';
  };

  return {
    element,
    refreshOptions(orders: WorkOrderView[], technicians: ReadonlyMap<string, string>): void {
      const techIds = new Set([
        ...technicians.keys(),
        ...orders.map((o) => o.technicianId).filter((x): x is string => !!x),
      ]);
      fill(technician, t('board.filter.allTechnicians'), [
        ['-', t('board.filter.unassigned')],
        ...[...techIds]
          .map((id): [string, string] => [id, technicians.get(id) ?? id])
          .sort((a, b) => a[1].localeCompare(b[1])),
      ]);
      fill(
        site,
        t('board.filter.allSites'),
        [...new Set(orders.map(siteOf).filter(Boolean))].sort().map((s): [string, string] => [s, s]),
      );
      fill(
        mode,
        t('board.filter.allModes'),
        [...new Set(orders.map((o) => o.mode))].sort().map((m): [string, string] => [m, labelOf('failureMode', m)]),
      );
    },
    matches(o: WorkOrderView): boolean {
      if (technician.value === '-' ? !!o.technicianId : technician.value && o.technicianId !== technician.value)
        return false;
      if (site.value && siteOf(o) !== site.value) return false;
      return !mode.value || o.mode === mode.value;
    },
    showsColumn(s: string): boolean {
      return !state.value || s === state.value;
    },
  };
}

/** Cancelling asks why (required): the reason goes on the transition, for the record and the customer. */
function cancelDialog(onConfirm: (o: WorkOrderView, reason: string, falseAlarm: boolean) => void) {
  const title = el('h3', { id: 'cancel-title' });
  const reason = el('textarea', {
    id: 'cancel-reason',
    name: 'reason',
    required: '',
    minlength: '3',
    maxlength: '2000',
    rows: '3',
  });
  const falseAlarm = el('input', { type: 'checkbox', id: 'cancel-false-alarm', name: 'falseAlarm' });
  const confirm = el('button', { type: 'submit', value: 'confirm', text: t('board.cancelDialog.confirm') });
  const keep = el('button', { type: 'button', class: 'secondary', text: t('board.cancelDialog.keep') });
  const form = el(
    'form',
    { method: 'dialog' },
    title,
    el('label', { for: 'cancel-reason', text: t('board.cancelDialog.reason') }),
    reason,
    el('label', { class: 'check' }, falseAlarm, ` ${t('board.cancelDialog.falseAlarm')}`),
    el('p', { class: 'meta', text: t('board.cancelDialog.falseAlarmHelp') }),
    el('div', { class: 'actions' }, confirm, keep),
  );
  const element = el('dialog', { class: 'cancel-dialog', 'aria-labelledby': 'cancel-title' }, form);
  let target: WorkOrderView | null = null;
  keep.addEventListener('click', () => element.close());
  form.addEventListener('submit', (e) => {
    const text = reason.value.trim();
    if (!target || text.length < 3) {
      e.preventDefault();
      reason.setCustomValidity(t('board.cancelDialog.reasonRequired'));
      reason.reportValidity();
      return;
    }
    onConfirm(target, text, falseAlarm.checked);
  });
  reason.addEventListener('input', () => reason.setCustomValidity(''));
  return {
    element,
    open(o: WorkOrderView): void {
      target = o;
      title.textContent = t('board.cancelDialog.title', {
        id: o.id,
        device: o.deviceId,
        mode: labelOf('failureMode', o.mode),
      });
      reason.value = '';
      falseAlarm.checked = false;
      element.showModal();
      reason.focus();
    },
  };
}
