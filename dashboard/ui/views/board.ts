// Planner: the work-order board, one column per state, with the actions a planner takes.
import { ACTIVE_STATES } from '../../../core/work-order-states.ts';
import { api } from '../api.ts';
import { explain } from '../explain.ts';
import { el } from '../format.ts';
import { dateTime, duration, labelOf, shortTime, t } from '../i18n.ts';
import { live, type WorkOrderView } from '../state.ts';

/** One column per active state, in lifecycle order. */
const COLUMNS = ACTIVE_STATES;

export function boardView(root: HTMLElement, focusId?: string): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
  const board = el('div', { class: 'board', id: 'board' });
  root.append(el('h2', { text: t('board.title') }), status, board);

  const act = async (o: WorkOrderView, what: 'cancel' | 'dispatch') => {
    try {
      // The note is the record's (read by planners in either language): kept in English like the API.
      if (what === 'cancel') await api(`work-orders/${o.id}/transitions`, { method: 'POST', body: { to: 'cancelled', version: o.version, note: 'cancelled by planner' } });
      else await api(`work-orders/${o.id}/dispatch`, { method: 'POST', body: { version: o.version } });
      status.textContent = t(what === 'cancel' ? 'board.cancelled' : 'board.replanned', { id: o.id });
    } catch (err) {
      status.textContent = t('board.actionFailed', { id: o.id, reason: (err as Error).message });
    }
  };

  const card = (o: WorkOrderView) => {
    const slaLeft = o.slaResolveByMs ? o.slaResolveByMs - Date.now() : null;
    const zone = live.devices.get(o.deviceId)?.timeZone ?? null;
    const c = el('article', { class: `card severity-${o.severity ?? 'unknown'}`, tabindex: '0', 'aria-labelledby': `card-${o.id}` },
      el('h4', { id: `card-${o.id}` }, el('a', { href: `#/device/${encodeURIComponent(o.deviceId)}`, text: o.deviceId }), ` · ${labelOf('failureMode', o.mode)}`),
      el('p', { class: 'meta', text: t('board.card.who', { id: o.id, severity: labelOf('severity', o.severity), technician: o.technicianId ?? 'none' }) }),
      el('p', { class: 'meta', text: t('board.card.part', { part: o.partName ?? o.partSku ?? 'none', depot: o.partDepotId ?? 'none', status: labelOf('partStatus', o.partStatus), warranty: o.warrantyCovered ? 'yes' : 'no' }) }),
      // The deadline in the site's zone: what the customer was promised, on their clock.
      el('p', { class: 'meta', text: slaLeft === null ? '' : t('board.card.sla', { left: duration(Math.abs(slaLeft)), by: Math.abs(slaLeft) < 12 * 3600_000 ? shortTime(o.slaResolveByMs, zone) : dateTime(o.slaResolveByMs, zone), overdue: slaLeft < 0 ? 'yes' : 'no' }) }),
      el('p', { class: 'why', text: explain(o.evidence) }),
    );
    c.dataset.workOrderId = o.id;
    c.dataset.state = o.state;
    const actions = el('div', { class: 'actions' });
    if (o.state === 'open' || o.state === 'assigned') {
      const b = el('button', { type: 'button', text: t('board.planDispatch') });
      b.addEventListener('click', () => void act(o, 'dispatch'));
      actions.append(b);
    }
    if (o.state !== 'on_site') {
      const b = el('button', { type: 'button', class: 'secondary', text: t('board.cancel') });
      b.addEventListener('click', () => void act(o, 'cancel'));
      actions.append(b);
    }
    c.append(actions);
    return c;
  };

  const render = () => {
    const active = live.activeOrders();
    board.replaceChildren(
      ...COLUMNS.map((state) => {
        const items = active.filter((o) => o.state === state).sort((a, b) => (a.slaResolveByMs ?? Infinity) - (b.slaResolveByMs ?? Infinity));
        const heading = t('board.column', { state: labelOf('workOrderState', state), count: items.length });
        return el('section', { class: 'column', 'aria-label': heading, 'data-state': state }, el('h3', { text: heading }), ...items.map(card));
      }),
    );
    if (focusId) board.querySelector<HTMLElement>(`[data-work-order-id="${CSS.escape(focusId)}"]`)?.focus();
  };
  render();
  return live.subscribe(({ workOrders, snapshot }) => {
    if (snapshot || workOrders.length) render();
  });
}
