// The work-order page's quote (issue 19): what the customer is asked to pay, line by line in
// rupiah, its status, and — while it waits — the planner's record of the customer's answer on
// the phone (approved: the technician is sent; declined: the job is cancelled).
import { formatIdr } from '../../../core/i18n/format.ts';
import { api, ApiError } from '../api.ts';
import { el } from '../format.ts';
import { labelOf, num, t } from '../i18n.ts';

interface QuoteView {
  id: string;
  status: 'pending' | 'approved' | 'declined' | 'withdrawn';
  lines: {
    kind: string;
    description: string;
    quantity?: number;
    minutes?: number;
    unitPriceIdr: number;
    amountIdr: number;
  }[];
  totalIdr: number;
  decidedVia: string | null;
}

/** The panel for a job; empty until its quote arrives, and for a job without one. `changed` reloads the page. */
export function quotePanel(workOrderId: string, say: (text: string) => void, changed: () => void): HTMLElement {
  const panel = el('section', { id: 'wo-quote', class: 'quote' });
  panel.hidden = true;
  void api<{ quote: QuoteView }>(`work-orders/${encodeURIComponent(workOrderId)}/quote`)
    .then(({ quote: q }) => {
      const decide = async (path: 'approve' | 'decline', note: string) => {
        try {
          await api(`quotes/${encodeURIComponent(q.id)}/${path}`, {
            method: 'POST',
            body: { via: 'phone', ...(note ? { note } : {}) },
          });
          say(t(path === 'approve' ? 'quote.approvedSaid' : 'quote.declinedSaid', { id: q.id }));
          changed();
        } catch (err) {
          say(t('board.actionFailed', { id: workOrderId, reason: (err as Error).message }));
        }
      };
      const rows = q.lines.map((l) =>
        el(
          'tr',
          {},
          el('td', { text: l.description }),
          el('td', {
            class: 'num',
            text: l.kind === 'labour' ? t('quote.minutes', { minutes: num(l.minutes ?? 0) }) : num(l.quantity ?? 1),
          }),
          el('td', { class: 'num', text: formatIdr(l.unitPriceIdr) }),
          el('td', { class: 'num', text: formatIdr(l.amountIdr) }),
        ),
      );
      panel.replaceChildren(
        el('h3', { text: t('quote.title', { id: q.id, status: labelOf('quoteStatus', q.status) }) }),
        el(
          'div',
          { class: 'table-scroll' },
          el(
            'table',
            { id: 'wo-quote-lines' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...['quote.col.item', 'quote.col.quantity', 'quote.col.unit', 'quote.col.amount'].map((k) =>
                  el('th', { text: t(k as Parameters<typeof t>[0]) }),
                ),
              ),
            ),
            el('tbody', {}, ...rows),
            el(
              'tfoot',
              {},
              el(
                'tr',
                {},
                el('th', { colspan: '3', text: t('quote.total') }),
                el('td', { class: 'num', id: 'wo-quote-total', text: formatIdr(q.totalIdr) }),
              ),
            ),
          ),
        ),
      );
      if (q.status === 'pending') {
        const note = el('input', { id: 'wo-quote-note', maxlength: '2000' });
        const approve = el('button', { type: 'button', id: 'wo-quote-approve', text: t('quote.approvePhone') });
        const decline = el('button', {
          type: 'button',
          class: 'secondary',
          id: 'wo-quote-decline',
          text: t('quote.decline'),
        });
        approve.addEventListener('click', () => void decide('approve', note.value.trim()));
        decline.addEventListener('click', () => void decide('decline', note.value.trim()));
        panel.append(
          el('p', { class: 'hint', text: t('quote.waiting') }),
          el('label', { for: 'wo-quote-note', text: t('quote.note') }),
          note,
          el('div', { class: 'actions' }, approve, decline),
        );
      }
      panel.hidden = false;
    })
    .catch((err: unknown) => {
      if (!(err instanceof ApiError && err.status === 404)) say((err as Error).message);
    });
  return panel;
}
