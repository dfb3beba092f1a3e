// Planner: the work-order board, one column per state, with the actions a planner takes.
import { ACTIVE_STATES } from '../../../core/work-order-states.ts';
import { api } from '../api.ts';
import { duration, el, label } from '../format.ts';
import { live, type WorkOrderView } from '../state.ts';

/** One column per active state, in lifecycle order. */
const COLUMNS = ACTIVE_STATES;

export function boardView(root: HTMLElement, focusId?: string): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
  const board = el('div', { class: 'board', id: 'board' });
  root.append(el('h2', { text: 'Work orders' }), status, board);

  const act = async (o: WorkOrderView, what: 'cancel' | 'dispatch') => {
    try {
      if (what === 'cancel') await api(`work-orders/${o.id}/transitions`, { method: 'POST', body: { to: 'cancelled', version: o.version, note: 'cancelled by planner' } });
      else await api(`work-orders/${o.id}/dispatch`, { method: 'POST', body: { version: o.version } });
      status.textContent = `${o.id}: ${what === 'cancel' ? 'cancelled' : 'dispatch planned again'}`;
    } catch (err) {
      status.textContent = `${o.id}: ${(err as Error).message}`;
    }
  };

  const card = (o: WorkOrderView) => {
    const slaLeft = o.slaResolveByMs ? o.slaResolveByMs - Date.now() : null;
    const c = el('article', { class: `card severity-${o.severity ?? 'unknown'}`, tabindex: '0', 'aria-labelledby': `card-${o.id}` },
      el('h4', { id: `card-${o.id}` }, el('a', { href: `#/device/${encodeURIComponent(o.deviceId)}`, text: o.deviceId }), ` · ${label(o.mode)}`),
      el('p', { class: 'meta', text: `${o.id} · ${o.severity ?? ''}${o.technicianId ? ` · ${o.technicianId}` : ' · unassigned'}` }),
      el('p', { class: 'meta', text: `${o.partName ?? o.partSku ?? 'no part'}${o.partDepotId ? ` @ ${o.partDepotId}` : ''}${o.partStatus ? ` (${label(o.partStatus)})` : ''}${o.warrantyCovered ? ' · warranty' : ''}` }),
      el('p', { class: 'meta', text: slaLeft === null ? '' : `SLA: resolve within ${duration(slaLeft)}` }),
      el('p', { class: 'why', text: o.evidence?.explanation ?? '' }),
    );
    c.dataset.workOrderId = o.id;
    c.dataset.state = o.state;
    const actions = el('div', { class: 'actions' });
    if (o.state === 'open' || o.state === 'assigned') {
      const b = el('button', { type: 'button', text: 'Plan dispatch' });
      b.addEventListener('click', () => void act(o, 'dispatch'));
      actions.append(b);
    }
    if (o.state !== 'on_site') {
      const b = el('button', { type: 'button', class: 'secondary', text: 'Cancel' });
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
        return el('section', { class: 'column', 'aria-label': `${label(state)}: ${items.length}`, 'data-state': state }, el('h3', { text: `${label(state)} (${items.length})` }), ...items.map(card));
      }),
    );
    if (focusId) board.querySelector<HTMLElement>(`[data-work-order-id="${CSS.escape(focusId)}"]`)?.focus();
  };
  render();
  return live.subscribe(({ workOrders, snapshot }) => {
    if (snapshot || workOrders.length) render();
  });
}
